// The benchmark harness: boots the local stack, puts the counting (and delaying) proxies in
// front of it, and runs every registered runner on freshly seeded data, one at a time,
// checking afterwards — directly against the emulators — that the data is gone and the
// neighbours are not. The end-to-end demo runs last, after that stack is stopped.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  type AwsClients,
  createAwsClients,
  destroyAwsClients,
} from '../lib/adapters/aws-clients.js';
import {
  addUsage,
  costPerMillionItems,
  diffUsage,
  emptyUsage,
  totalRequests,
} from '../lib/cost/cost-model.js';
import { PRICES } from '../lib/cost/prices.js';
import { type LocalEndpoints, startLocalStack } from '../local/start-local-stack.js';
import type {
  BenchOptionsRecord,
  BenchResults,
  RestoreRecord,
  RestoreVerification,
  RunRecord,
  SmallJobsRecord,
  Suite,
} from './bench-results.js';
import {
  type BenchEnv,
  type RestoreResult,
  type RunnerEntry,
  RunnerSkippedError,
  type RunResult,
  type SeededObjects,
  type SeededRows,
} from './bench-types.js';
import { startDelayProxy } from './delay-proxy.js';
import { runEndToEnd } from './end-to-end.js';
import { loadAverages, machineInfo, versions } from './machine-info.js';
import { letheRunsFirst, PAIRED_BASELINES, ROW_PAIR_PASSES } from './pairs.js';
import { OBJECT_RUNNERS, ROW_RUNNERS } from './registry.js';
import { createRequestCounter, type RequestCounter } from './request-counter.js';
import { attachSdkCounter, crossCheck, type SdkTally } from './sdk-counter.js';
import { dropObjects, seedObjects, verifyObjects } from './seed-objects.js';
import { dropRows, seedRows, verifyRestoredRows, verifyRows } from './seed-rows.js';
import { onShutdown } from './shutdown.js';
import { runSmallJobs } from './small-jobs/run-small-jobs.js';

export type BenchOptions = BenchOptionsRecord;

const SETTLE_MS = 1000;
const WARM_UP_N = 2000;
/**
 * Run once on small data before anything is measured. lethe is among them: its state-table
 * transactions are a path of DynamoDB Local's the SDK baselines never take, and a first lethe
 * run paid for warming it (about 1 s more DynamoDB Local CPU than the same run second), which
 * biased "lethe ÷ lethe without receipt leaves" by which of the two ran first.
 */
const WARM_UP_RUNNERS = [
  'bare-delete-objects',
  'delete-object-8-workers',
  'delete-item-8-workers',
  'lethe',
];

export const SCRATCH_DIR = join(dirname(fileURLToPath(import.meta.url)), 'results', 'tmp');

interface Verification {
  readonly remaining: number;
  readonly neighboursIntact: boolean;
}

interface DataSet<Data> {
  seed(n: number): Promise<Data>;
  verify(data: Data): Promise<Verification>;
  /** After a restore: every deleted item back, equal to the seeded one. None: not checkable. */
  verifyRestored?(data: Data): Promise<RestoreVerification>;
  drop(data: Data): Promise<void>;
}

interface HarnessContext {
  readonly region: string;
  readonly emulatorEndpoints: LocalEndpoints;
  readonly proxiedEndpoints: LocalEndpoints;
  readonly counter: RequestCounter;
  readonly log: (line: string) => void;
}

function formatRate(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

interface MeasuredWindow {
  /** What the SDK middleware counted during `measure`. */
  readonly sdk: SdkTally;
  /** Most requests in flight at the proxies at once during `measure`. */
  readonly peakInFlight: number;
}

/** What one counted window saw: `work`'s value, its time, the requests it sent. */
interface CountedWindow<T> extends MeasuredWindow {
  readonly value: T;
  readonly elapsedMs: number;
  readonly usage: RunResult['usage'];
}

/** Times `work` and counts the requests that pass the proxies (and the SDK middleware) meanwhile. */
async function countWindow<T>(
  counter: RequestCounter,
  sdkTally: SdkTally,
  work: () => Promise<T>,
  tail?: () => Promise<void>,
): Promise<CountedWindow<T>> {
  const before = counter.snapshot();
  const sdkBefore = { ...sdkTally };
  counter.resetPeak();
  const started = performance.now();
  const value = await work();
  const elapsedMs = performance.now() - started;
  // Counted, not timed (see BenchEnv.measure).
  await tail?.();
  const usage = diffUsage(counter.snapshot(), before);
  const sdk: SdkTally = {};
  for (const [key, count] of Object.entries(sdkTally)) {
    const delta = count - (sdkBefore[key] ?? 0);
    if (delta > 0) sdk[key] = delta;
  }
  return { value, elapsedMs, usage, sdk, peakInFlight: counter.peakInFlight() };
}

/** Time, throughput of the verified items and requests per 1,000 of the `n` items. */
function rates(n: number, verified: number, elapsedMs: number, requestsTotal: number) {
  return {
    elapsedMs,
    itemsPerSecond: verified / (elapsedMs / 1000),
    requestsTotal,
    requestsPer1000Items: (requestsTotal / n) * 1000,
  };
}

function measureWith(
  counter: RequestCounter,
  sdkTally: SdkTally,
  onWindow: (window: MeasuredWindow) => void,
): (work: () => Promise<number>, tail?: () => Promise<void>) => Promise<RunResult> {
  let used = false;
  return async (work, tail) => {
    if (used) throw new Error('env.measure may be called once per run');
    used = true;
    const {
      value: deleted,
      elapsedMs,
      usage,
      sdk,
      peakInFlight,
    } = await countWindow(counter, sdkTally, work, tail);
    onWindow({ sdk, peakInFlight });
    return { deleted, elapsedMs, usage };
  };
}

/** A restore's window as the harness saw it: its result, or why it threw. */
type RestoreWindow =
  | { readonly result: RestoreResult; readonly notes: readonly string[] }
  | { readonly error: string };

/** The restore's record, from its window and the check of the rows from outside. */
function restoreRecord(
  n: number,
  window: RestoreWindow,
  verification: RestoreVerification | undefined,
): RestoreRecord {
  if ('error' in window) return { status: 'failed', reason: window.error };
  const { result } = window;
  const requestsTotal = totalRequests(result.usage);
  const complete =
    verification !== undefined &&
    verification.equal === verification.checked &&
    verification.extra === 0 &&
    verification.neighboursIntact;
  const reason = !verification
    ? 'no check from outside for this data set'
    : `${verification.missing} missing, ${verification.differ} not equal to the seeded item, ${verification.extra} extra${verification.neighboursIntact ? '' : ', neighbours touched'}`;
  const restoredVerified = verification?.equal ?? 0;
  return {
    status: complete ? 'ok' : 'incomplete',
    ...(complete ? {} : { reason }),
    restoredReported: result.restored,
    restoredVerified,
    ...rates(n, restoredVerified, result.elapsedMs, requestsTotal),
    usage: result.usage,
    ...(verification ? { verification } : {}),
  };
}

async function runOne<Data>(
  context: HarnessContext,
  suite: Suite,
  entry: RunnerEntry<Data>,
  n: number,
  latencyMs: number,
  dataSet: DataSet<Data>,
): Promise<RunRecord> {
  const base = { suite, runner: entry.id, label: entry.label, role: entry.role, n, latencyMs };
  const tag = `[${suite} n=${n.toLocaleString('en-US')} +${latencyMs} ms] ${entry.label}`;
  if (!entry.run) {
    context.log(`${tag}: not run (no runner yet)`);
    return { ...base, status: 'not-run', reason: 'no runner registered yet', notes: [] };
  }
  const unavailable = await entry.unavailable?.();
  if (unavailable) {
    context.log(`${tag}: skipped (${unavailable})`);
    return { ...base, status: 'skipped', reason: unavailable, notes: [] };
  }

  context.log(`${tag}: seeding…`);
  const seedStarted = performance.now();
  const data = await dataSet.seed(n);
  const seedMs = performance.now() - seedStarted;
  // Let the emulators finish what seeding left them (GC, JIT) before the clock starts.
  await sleep(SETTLE_MS);
  mkdirSync(SCRATCH_DIR, { recursive: true });
  const workDir = mkdtempSync(join(SCRATCH_DIR, 'run-'));
  const clients: AwsClients = createAwsClients({
    region: context.region,
    endpoints: context.proxiedEndpoints,
  });
  const sdkTally = attachSdkCounter(clients);
  let window: MeasuredWindow = { sdk: {}, peakInFlight: 0 };
  let measured = false;
  let deletionMeasured = false;
  const measure = measureWith(context.counter, sdkTally, (seen) => {
    window = seen;
  });
  // Verified before the restore runs: the restore brings back what this check must not find.
  let deletionVerification: Verification | undefined;
  let restoreWindow: RestoreWindow | undefined;
  const env: BenchEnv<Data> = {
    region: context.region,
    endpoints: context.proxiedEndpoints,
    emulatorEndpoints: context.emulatorEndpoints,
    clients,
    data,
    latencyMs,
    workDir,
    measure: async (work, tail) => {
      measured = true;
      const result = await measure(work, tail);
      deletionMeasured = true;
      return result;
    },
    measureRestore: async (work) => {
      if (!deletionMeasured) throw new Error('env.measureRestore comes after env.measure');
      if (deletionVerification) throw new Error('env.measureRestore may be called once per run');
      deletionVerification = await dataSet.verify(data);
      context.log(`${tag}: restoring…`);
      try {
        const counted = await countWindow(context.counter, sdkTally, work);
        const result = {
          restored: counted.value,
          elapsedMs: counted.elapsedMs,
          usage: counted.usage,
        };
        const notes =
          Object.keys(counted.sdk).length > 0
            ? crossCheck(counted.sdk, counted.usage.requests)
            : [];
        restoreWindow = { result, notes };
        return result;
      } catch (error) {
        restoreWindow = { error: error instanceof Error ? error.message : String(error) };
        return undefined;
      }
    },
    log: (message) => context.log(`${tag}: ${message}`),
  };

  const loadAverage = loadAverages()[0] ?? 0;
  context.log(`${tag}: running… (load average ${loadAverage})`);
  let result: RunResult | undefined;
  let failure: { status: 'failed' | 'skipped'; reason: string } | undefined;
  try {
    result = await entry.run(env, n);
    if (!measured) failure = { status: 'failed', reason: 'the runner did not call env.measure' };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    failure = { status: error instanceof RunnerSkippedError ? 'skipped' : 'failed', reason };
  } finally {
    destroyAwsClients(clients);
    rmSync(workDir, { recursive: true, force: true });
  }
  const verification = deletionVerification ?? (await dataSet.verify(data));
  const restore =
    restoreWindow === undefined
      ? undefined
      : restoreRecord(
          n,
          restoreWindow,
          'result' in restoreWindow ? await dataSet.verifyRestored?.(data) : undefined,
        );
  await dataSet.drop(data);

  if (failure || !result) {
    const reason = failure?.reason ?? 'no result';
    context.log(`${tag}: ${failure?.status ?? 'failed'}: ${reason}`);
    return {
      ...base,
      status: failure?.status ?? 'failed',
      reason,
      verification,
      seedMs,
      loadAverage,
      ...(restore ? { restore } : {}),
      notes: [],
    };
  }

  const notes = [...(result.notes ?? [])];
  const deletedVerified = n - verification.remaining;
  if (result.deleted !== deletedVerified) {
    notes.push(`runner reported ${result.deleted} deleted, ${deletedVerified} verified`);
  }
  if (Object.keys(window.sdk).length > 0) {
    notes.push(...crossCheck(window.sdk, result.usage.requests));
  }
  if (restoreWindow && 'result' in restoreWindow) {
    notes.push(...restoreWindow.notes.map((note) => `restore: ${note}`));
  }
  const usage = addUsage(result.usage, { ...emptyUsage(), ...result.extraUsage });
  const requestsTotal = totalRequests(usage);
  const complete = verification.remaining === 0 && verification.neighboursIntact;
  const record: RunRecord = {
    ...base,
    status: complete ? 'ok' : 'incomplete',
    ...(complete
      ? {}
      : {
          reason: `${verification.remaining} left behind${verification.neighboursIntact ? '' : ', neighbours touched'}`,
        }),
    deletedReported: result.deleted,
    deletedVerified,
    ...rates(n, deletedVerified, result.elapsedMs, requestsTotal),
    peakInFlight: window.peakInFlight,
    usage,
    ...(deletedVerified > 0
      ? { costPerMillionItems: costPerMillionItems(usage, deletedVerified) }
      : {}),
    verification,
    seedMs,
    loadAverage,
    ...(restore ? { restore } : {}),
    notes,
  };
  context.log(
    `${tag}: ${record.status}, ${(result.elapsedMs / 1000).toFixed(2)} s, ` +
      `${formatRate(record.itemsPerSecond ?? 0)}/s, ${requestsTotal.toLocaleString('en-US')} requests` +
      (notes.length > 0 ? ` (${notes.join('; ')})` : ''),
  );
  if (restore) {
    context.log(
      `${tag}: restore ${restore.status}${restore.reason ? ` (${restore.reason})` : ''}` +
        (restore.elapsedMs === undefined
          ? ''
          : `, ${(restore.elapsedMs / 1000).toFixed(2)} s, ${formatRate(restore.itemsPerSecond ?? 0)}/s, ${(restore.requestsTotal ?? 0).toLocaleString('en-US')} requests`),
    );
  }
  return record;
}

function selected<Data>(
  entries: readonly RunnerEntry<Data>[],
  only: readonly string[] | undefined,
): RunnerEntry<Data>[] {
  return entries.filter((entry) => !only || only.includes(entry.id));
}

interface SuiteRecords {
  readonly runs: RunRecord[];
  readonly pairPasses?: RunRecord[];
  readonly smallJobs?: SmallJobsRecord[];
}

/**
 * Passes 2 to `passes` of the suite's pair (`PAIRED_BASELINES`), when lethe and its variant are
 * both selected; nothing otherwise. Even passes run the variant first, odd ones lethe first, so
 * with the registry's pass (1, lethe first) the pair runs A-B, B-A, A-B, …
 */
async function runPairPasses<Data>(
  context: HarnessContext,
  suite: Suite,
  runners: readonly RunnerEntry<Data>[],
  n: number,
  latencyMs: number,
  dataSet: DataSet<Data>,
  passes: number,
): Promise<RunRecord[]> {
  const lethe = runners.find((entry) => entry.id === 'lethe');
  const variant = runners.find((entry) => entry.id === PAIRED_BASELINES[suite]);
  if (!lethe || !variant) return [];
  const records: RunRecord[] = [];
  for (let pass = 2; pass <= passes; pass++) {
    const tagged = { ...context, log: (line: string) => context.log(`(pass ${pass}) ${line}`) };
    for (const entry of letheRunsFirst(pass) ? [lethe, variant] : [variant, lethe]) {
      records.push({ ...(await runOne(tagged, suite, entry, n, latencyMs, dataSet)), pass });
    }
  }
  return records;
}

/** A started local stack behind the delay proxies, as the suites use it. */
interface StackContext extends HarnessContext {
  /** Clients on the emulators: seeding, verification, drop. */
  readonly direct: AwsClients;
  /** Sets the added latency per request at both proxies, in ms. */
  setDelay(ms: number): void;
}

/**
 * Starts a fresh local stack (DynamoDB Local, fauxqs) behind the delay proxies, runs `suites`
 * on it and stops it all, also on Ctrl-C.
 */
async function withLocalStack<T>(
  log: (line: string) => void,
  suites: (context: StackContext) => Promise<T>,
): Promise<T> {
  log(`starting the local stack (DynamoDB Local, fauxqs)…`);
  const stack = await startLocalStack();
  const stopStackOnSignal = onShutdown(() => stack.stop());
  const counter = createRequestCounter();
  const fauxqsProxy = await startDelayProxy({ upstream: stack.endpoints.s3, counter });
  const dynamoProxy = await startDelayProxy({ upstream: stack.endpoints.dynamodb, counter });
  const closeProxiesOnSignal = onShutdown(async () => {
    await Promise.all([fauxqsProxy.close(), dynamoProxy.close()]);
  });
  const direct = createAwsClients({ region: stack.region, endpoints: stack.endpoints });
  try {
    return await suites({
      region: stack.region,
      emulatorEndpoints: stack.endpoints,
      proxiedEndpoints: {
        dynamodb: dynamoProxy.endpoint,
        sqs: fauxqsProxy.endpoint,
        s3: fauxqsProxy.endpoint,
      },
      counter,
      log,
      direct,
      setDelay: (ms) => {
        fauxqsProxy.setDelay(ms);
        dynamoProxy.setDelay(ms);
      },
    });
  } finally {
    destroyAwsClients(direct);
    await Promise.all([fauxqsProxy.close(), dynamoProxy.close()]);
    closeProxiesOnSignal();
    await stack.stop();
    stopStackOnSignal();
  }
}

/** The object and row suites, with their warm-up and the pairs' further passes. */
async function runBulkSuites(
  context: StackContext,
  options: BenchOptions,
  objectRunners: readonly RunnerEntry<SeededObjects>[],
  rowRunners: readonly RunnerEntry<SeededRows>[],
): Promise<SuiteRecords> {
  const { direct, setDelay } = context;
  const objects: DataSet<SeededObjects> = {
    seed: (count) => seedObjects(direct, context.emulatorEndpoints.s3, { count }),
    verify: (data) => verifyObjects(direct, data),
    drop: (data) => dropObjects(direct, data),
  };
  const rows: DataSet<SeededRows> = {
    seed: (count) => seedRows(direct, { count }),
    verify: (data) => verifyRows(direct, data),
    verifyRestored: (data) => verifyRestoredRows(direct, data),
    drop: (data) => dropRows(direct, data),
  };
  const runs: RunRecord[] = [];
  const pairPasses: RunRecord[] = [];
  const objectPasses = options.pairPasses ?? 1;
  const rowPasses = Math.min(objectPasses, ROW_PAIR_PASSES);
  const latencies = latenciesOf(options);
  // The first measured run would otherwise pay for JIT warm-up in fauxqs, DynamoDB Local,
  // the proxy and the SDK: run the SDK baselines and lethe once on small data, unrecorded.
  context.log('warming up the emulators, the proxy and the SDK…');
  const quiet = { ...context, log: () => undefined };
  for (const entry of OBJECT_RUNNERS.filter((e) => WARM_UP_RUNNERS.includes(e.id))) {
    await runOne(quiet, 'objects', entry, WARM_UP_N, 0, objects);
  }
  for (const entry of ROW_RUNNERS.filter((e) => WARM_UP_RUNNERS.includes(e.id))) {
    await runOne(quiet, 'rows', entry, WARM_UP_N, 0, rows);
  }
  for (const latencyMs of latencies) {
    setDelay(latencyMs);
    for (const n of options.keys) {
      for (const entry of objectRunners) {
        runs.push(await runOne(context, 'objects', entry, n, latencyMs, objects));
      }
      pairPasses.push(
        ...(await runPairPasses(
          context,
          'objects',
          objectRunners,
          n,
          latencyMs,
          objects,
          objectPasses,
        )),
      );
    }
  }
  setDelay(0);
  for (const n of options.rows) {
    for (const entry of rowRunners) {
      runs.push(await runOne(context, 'rows', entry, n, 0, rows));
    }
    pairPasses.push(...(await runPairPasses(context, 'rows', rowRunners, n, 0, rows, rowPasses)));
  }
  return { runs, ...(pairPasses.length > 0 ? { pairPasses } : {}) };
}

/** The added latencies every suite runs at, in ms: +0 first, then `--latency-ms` when > 0. */
function latenciesOf(options: BenchOptions): number[] {
  return options.latencyMs > 0 ? [0, options.latencyMs] : [0];
}

/**
 * The object and row suites on one local stack, then the small-jobs suite on a fresh one:
 * after a million keys and rows, DynamoDB Local served the small jobs' transactions about six
 * times slower than a new instance does, which no deployment would see (the stream records of
 * the state tables, most likely: see bench-state-table.ts). Nothing starts when no suite is
 * selected.
 */
async function runSuites(
  options: BenchOptions,
  log: (line: string) => void,
): Promise<SuiteRecords> {
  const objectRunners = selected(OBJECT_RUNNERS, options.only);
  const rowRunners = selected(ROW_RUNNERS, options.only);
  const smallJobsN = options.smallJobs ?? 0;
  const bulk =
    objectRunners.length > 0 || rowRunners.length > 0
      ? await withLocalStack(log, (context) =>
          runBulkSuites(context, options, objectRunners, rowRunners),
        )
      : { runs: [] };
  if (smallJobsN === 0) return bulk;
  const smallJobs = await withLocalStack(log, (context) =>
    runSmallJobs(context, smallJobsN, latenciesOf(options)),
  );
  return { ...bulk, smallJobs };
}

export async function runBench(
  options: BenchOptions,
  log: (line: string) => void,
): Promise<Omit<BenchResults, 'command'>> {
  const startedAt = new Date().toISOString();
  const loadAtStart = loadAverages();
  const toolVersions = await versions();
  const { runs, pairPasses, smallJobs } = await runSuites(options, log);
  // After the suites' stack is stopped: each demo starts emulators of its own.
  const e2eScales = options.e2e ?? [];
  const endToEnd = e2eScales.length > 0 ? await runEndToEnd(e2eScales, log) : undefined;

  return {
    schemaVersion: 1,
    startedAt,
    finishedAt: new Date().toISOString(),
    options,
    machine: machineInfo(loadAtStart),
    versions: toolVersions,
    prices: PRICES,
    runs,
    ...(pairPasses ? { pairPasses } : {}),
    ...(endToEnd ? { endToEnd } : {}),
    ...(smallJobs ? { smallJobs } : {}),
    notes: [],
  };
}
