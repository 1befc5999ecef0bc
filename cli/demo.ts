// `lethe demo` (and `npm start`): the whole product in one run on the embedded local stack.
// Seed the example graph, predict with `plan`, delete one organization through the real
// handlers (an EventBridge EntityDeleted event into ingest, the worker on the queue, the
// sweeper on its timer), then verify from the outside and report.

import { createIngestHandler } from '../functions/ingest.js';
import { exampleGraph } from '../infra/example-graph.js';
import { type ApiCallCounter, countApiCalls } from '../lib/adapters/api-call-counter.js';
import { createBulkWriter } from '../lib/adapters/bulk-writer.js';
import { costOf, emptyUsage } from '../lib/cost/cost-model.js';
import { reportDeletions } from '../lib/engine/compliance-report.js';
import type { EngineContext } from '../lib/engine/engine-context.js';
import type { DeletionPlan } from '../lib/engine/plan-deletion.js';
import { proveItem } from '../lib/engine/prove-item.js';
import { awaitRestore, type RestoreReport } from '../lib/engine/restore-deletion.js';
import { verifyInclusion, verifyReceipt } from '../lib/engine/verify-receipt.js';
import { getReceipt } from '../lib/engine/write-receipt.js';
import type { Graph } from '../lib/graph/graph-types.js';
import { totalOf } from '../lib/model/counters.js';
import type { Job } from '../lib/model/jobs.js';
import type { Verification } from '../lib/model/verification.js';
import { sleep } from '../lib/retry.js';
import {
  DEMO_SIZE,
  datasetTotals,
  type ExampleDatasetSize,
  type SeededDataset,
  scaleSize,
  seedExampleDataset,
} from '../local/example-dataset.js';
import type { InMemoryEventBus } from '../local/in-memory-event-bus.js';
import { localLambdaContext } from '../local/lambda-context.js';
import {
  type LocalRuntime,
  localObservability,
  startLocalRuntime,
} from '../local/local-runtime.js';
import { sampleRss } from '../local/rss-sampler.js';
import { type VerificationCheck, verifyExampleDeletion } from '../local/verify-example.js';
import { verifyExampleRestore } from '../local/verify-restore.js';
import { formatVerification } from './format-verification.js';
import { formatNumber, ProgressBar, progressLine } from './progress.js';

export const DEMO_REPORT_VERSION = 1;

export interface DemoOptions {
  readonly scale: number;
  readonly quiet: boolean;
  readonly timeoutSeconds: number;
  /** After the deletion is verified, restore it and verify the restore from outside. */
  readonly restore?: boolean;
  /** Called once the local runtime runs (`demo --ui` serves the status page from here); returns its closer. */
  readonly onStarted?: (runtime: LocalRuntime) => Promise<() => Promise<void>>;
  /** Called with the report before the runtime stops (`demo --ui` keeps serving until Ctrl-C). */
  readonly linger?: (report: DemoReport) => Promise<void>;
}

export interface DemoReport {
  readonly version: typeof DEMO_REPORT_VERSION;
  readonly ok: boolean;
  readonly jobId: string;
  readonly seeded: { readonly rows: number; readonly objects: number; readonly seconds: number };
  readonly deleted: {
    readonly rows: number;
    readonly rowsNulled: number;
    readonly objects: number;
    readonly sharedKept: number;
  };
  readonly plan: DeletionPlan['totals'];
  readonly wallTimeSeconds: number;
  /** RSS of this process (it runs the workers; the emulators are other processes), MiB. */
  readonly memory: { readonly peakRssMbDuringDeletion: number; readonly maxRssMb: number };
  readonly units: number;
  readonly apiCalls: Record<string, number>;
  readonly estimatedAwsCostUsd: number;
  readonly checks: readonly VerificationCheck[];
  /** With `--restore`: what `lethe restore` reported it brought back. */
  readonly restore?: RestoreReport['totals'] | undefined;
  /** `lethe verify` of the job, run after it completed: `findings` is 0 when the demo passes. */
  readonly verification?: Verification;
  /** The job's signed receipt: its Merkle root and leaf count (absent if none was written). */
  readonly receipt?: { readonly root: string; readonly leafCount: number } | undefined;
}

function apiCallDiff(
  after: Record<string, number>,
  before: Record<string, number>,
): Record<string, number> {
  const diff: Record<string, number> = {};
  for (const [name, count] of Object.entries(after)) {
    const n = count - (before[name] ?? 0);
    if (n > 0) diff[name] = n;
  }
  return diff;
}

function estimateCost(
  calls: Record<string, number>,
  counter: ApiCallCounter,
  before: { items: number; sqsBytes: number },
  lambda: { invocations: number; busyMs: number },
): number {
  const sqsCalls = Object.entries(calls)
    .filter(([name]) => name.startsWith('sqs:'))
    .reduce((n, [, c]) => n + c, 0);
  const dynamodbReads = Object.entries(calls)
    .filter(([name]) => /^dynamodb:(GetItem|Query|BatchGetItem)$/.test(name))
    .reduce((n, [, c]) => n + c, 0);
  return costOf({
    ...emptyUsage(),
    requests: calls,
    sqsBilledRequests: Math.max(
      sqsCalls,
      Math.ceil((counter.sqsBytesSent.value - before.sqsBytes) / 65_536),
    ),
    dynamodbWriteUnits: counter.dynamodbItemsWritten.value - before.items,
    dynamodbReadUnits: dynamodbReads,
    lambdaInvocations: lambda.invocations,
    // The worker functions are deployed with 1,024 MB.
    lambdaGbSeconds: lambda.busyMs / 1000,
    eventBridgeEvents: 1,
  }).total;
}

export async function runDemo(
  options: DemoOptions,
  log: (line: string) => void,
): Promise<DemoReport> {
  const graph = exampleGraph({ prefix: 'lethe-demo' });
  let counter: ApiCallCounter | undefined;
  log('starting the local stack (DynamoDB Local, fauxqs) …');
  const runtime = await startLocalRuntime({
    graph,
    settings: {
      stateTableName: 'lethe-demo-state',
      workQueueName: 'lethe-demo-work',
      deadLetterQueueName: 'lethe-demo-dlq',
      visibilityTimeoutSeconds: 60,
    },
    concurrency: 4,
    sweepEveryMs: 5_000,
    // Nobody pauses this run from outside; a flag read every second would be counted as lethe's
    // own API calls, which a deployed pipeline does not make (Lambda holds the mapping's state).
    pauseCheckEveryMs: 0,
    // Nothing writes children behind the deletion's back here; DynamoDB Local is faster without streams.
    streams: false,
    logLevel: 'ERROR',
    instrument: (clients) => {
      counter = countApiCalls(clients);
    },
  });
  let closeUi: (() => Promise<void>) | undefined;
  try {
    closeUi = await options.onStarted?.(runtime);
    if (!counter) throw new Error('API call counter was not installed');
    const size: ExampleDatasetSize =
      options.scale === 1 ? DEMO_SIZE : scaleSize(DEMO_SIZE, options.scale);
    const seedStarted = Date.now();
    log(`seeding the example graph (${size.projects} projects, scale ${options.scale}) …`);
    const dataset = await seedExampleDataset(
      graph,
      { writer: createBulkWriter(runtime.clients), stateTable: runtime.settings.stateTableName },
      size,
    );
    const totals = datasetTotals(dataset);
    const seedSeconds = (Date.now() - seedStarted) / 1000;
    log(
      `seeded ${formatNumber(totals.rows)} rows and ${formatNumber(totals.objects)} objects in ${seedSeconds.toFixed(1)} s`,
    );

    log(`planning the deletion of organization "${dataset.target.orgId}" (dry run) …`);
    const plan = await runtime.engine.plan('organization', dataset.target.orgId);
    log(
      `plan: ${formatNumber(plan.totals.rowsDeleted)} rows, ${formatNumber(plan.totals.rowsNulled)} rows nulled, ${formatNumber(plan.totals.objectsDeleted)} objects; ${formatNumber(plan.totals.objectsShared)} shared references kept`,
    );

    const before = {
      calls: counter.snapshot(),
      items: counter.dynamodbItemsWritten.value,
      sqsBytes: counter.sqsBytesSent.value,
      batches: runtime.worker.stats.batches,
      busyMs: runtime.worker.stats.busyMs,
    };
    const ingest = createIngestHandler(graph, {
      engine: runtime.engine,
      ...localObservability('ERROR'),
    });
    const started = Date.now();
    const rss = sampleRss();
    log('deleting it: EntityDeleted → ingest → worker queue …');
    await ingest(
      {
        version: '0',
        id: 'demo',
        'detail-type': 'EntityDeleted',
        source: 'lethe.demo',
        account: '000000000000',
        time: new Date().toISOString(),
        region: runtime.stack.region,
        resources: [],
        detail: {
          entity: 'organization',
          id: dataset.target.orgId,
          tenantId: dataset.target.tenantId,
          requestId: 'demo',
        },
      },
      localLambdaContext('lethe-ingest'),
    );
    const tombstone = await runtime.engine.getTombstone('organization', dataset.target.orgId);
    if (!tombstone) throw new Error('ingest did not tombstone the organization');
    const bar = new ProgressBar();
    const events = runtime.events as InMemoryEventBus;
    const isCompletion = (e: { detailType: string; detail: Record<string, unknown> }) =>
      e.detailType === 'DeletionCompleted' && e.detail.jobId === tombstone.jobId;
    // Completion is awaited as the event, not polled: the job is read only to draw progress
    // (not at all with --json), so the API calls reported are the pipeline's own.
    const completed = new Promise<void>((done) => {
      const stop = events.onEvent((event) => {
        if (isCompletion(event)) {
          stop();
          done();
        }
      });
      if (events.events.some(isCompletion)) done();
    });
    let finished = false;
    const progress = (async () => {
      while (!options.quiet && !finished) {
        const current = await runtime.engine.getJob(tombstone.jobId);
        if (current) bar.update(progressLine(current));
        await sleep(1000);
      }
    })();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((done) => {
      timer = setTimeout(() => done('timeout'), options.timeoutSeconds * 1000);
    });
    const outcome = await Promise.race([completed, timedOut]);
    const wallTimeSeconds = (Date.now() - started) / 1000;
    const peakRssMbDuringDeletion = rss.stop();
    clearTimeout(timer);
    finished = true;
    await progress;
    const job: Job | undefined =
      outcome === 'timeout' ? undefined : await runtime.engine.getJob(tombstone.jobId);
    // The bar's last poll may predate the last units: end it on the completed job.
    if (!options.quiet && job) bar.update(progressLine(job));
    bar.finish();
    if (job?.status !== 'completed')
      throw new Error(`the deletion did not complete within ${options.timeoutSeconds} s`);

    log('verifying from the outside (querying the tables, listing the buckets) …');
    const verification = await verifyExampleDeletion(graph, runtime.engine.context, dataset);
    const deleted = {
      rows: totalOf(job.counts, 'rowsDeleted'),
      rowsNulled: totalOf(job.counts, 'rowsNulled'),
      objects: totalOf(job.counts, 'objectsDeleted'),
      sharedKept: totalOf(job.counts, 'objectsShared'),
    };
    const planMatches =
      plan.totals.rowsDeleted === deleted.rows &&
      plan.totals.rowsNulled === deleted.rowsNulled &&
      plan.totals.objectsDeleted === deleted.objects;
    const countersMatch =
      deleted.rows === dataset.expected.rowsDeleted &&
      deleted.rowsNulled === dataset.expected.rowsNulled &&
      deleted.objects === dataset.expected.objectsDeleted;
    const checks: VerificationCheck[] = [
      ...verification.checks,
      {
        name: "plan's prediction equals what was deleted",
        ok: planMatches,
        detail: `planned ${plan.totals.rowsDeleted}/${plan.totals.rowsNulled}/${plan.totals.objectsDeleted}, deleted ${deleted.rows}/${deleted.rowsNulled}/${deleted.objects} (rows/nulled/objects)`,
      },
      {
        name: "the job's counters equal the seeded truth",
        ok: countersMatch,
        detail: `expected ${dataset.expected.rowsDeleted}/${dataset.expected.rowsNulled}/${dataset.expected.objectsDeleted}`,
      },
      {
        name: 'DeletionCompleted published exactly once',
        ok: events.events.filter((e) => e.detailType === 'DeletionCompleted').length === 1,
        detail: `${events.events.filter((e) => e.detailType === 'DeletionCompleted').length} event(s)`,
      },
    ];
    // What `lethe report --since <demo start>` would list for this deletion.
    let reported: string | undefined;
    for await (const row of reportDeletions(runtime.engine.context.state, {
      since: new Date(started - 1000),
    }))
      if (row.jobId === job.jobId) reported = row.deadline?.status;
    checks.push({
      name: 'the compliance report lists the deletion with its deadline met',
      ok: reported === 'met',
      detail: `deadline ${job.deadlineAt ?? 'none'}: ${reported ?? 'not in the report'}`,
    });
    const apiCalls = apiCallDiff(counter.snapshot(), before.calls);
    const estimatedAwsCostUsd = estimateCost(apiCalls, counter, before, {
      invocations: runtime.worker.stats.batches - before.batches + 1,
      busyMs: runtime.worker.stats.busyMs - before.busyMs,
    });
    // After the costs were taken: the receipt is checked as an auditor would, offline.
    const receipt = await checkReceipt(runtime.engine.context, tombstone.jobId, dataset);
    checks.push(...receipt.checks);
    // Last, after the costs were taken: lethe's own re-discovery (`lethe verify`) must agree.
    log('re-discovering from the deleted root (lethe verify) …');
    const rediscovered = (await runtime.engine.verify(tombstone.jobId)).verification;
    checks.push({
      name: '`lethe verify` finds nothing the job should have erased',
      ok: rediscovered.findings === 0,
      detail: `${rediscovered.findings} finding(s), ${rediscovered.kept.shared} shared image(s) kept, ${rediscovered.requests} read requests`,
    });
    // After the deletion's calls and cost are taken, and after verify (a restore brings back
    // exactly what verify must not find): the restore is not part of them.
    const restore = options.restore
      ? await restoreAndVerify(runtime, graph, dataset, tombstone.jobId, log)
      : undefined;
    if (restore) checks.push(...restore.checks);
    const report: DemoReport = {
      version: DEMO_REPORT_VERSION,
      ok: checks.every((c) => c.ok),
      jobId: tombstone.jobId,
      seeded: { rows: totals.rows, objects: totals.objects, seconds: seedSeconds },
      deleted,
      plan: plan.totals,
      wallTimeSeconds,
      memory: {
        peakRssMbDuringDeletion,
        // maxRSS is in KiB on Linux and macOS.
        maxRssMb: process.resourceUsage().maxRSS / 1024,
      },
      units: job.settled,
      apiCalls,
      estimatedAwsCostUsd,
      checks,
      ...(restore ? { restore: restore.totals } : {}),
      verification: rediscovered,
      ...(receipt.summary ? { receipt: receipt.summary } : {}),
    };
    await options.linger?.(report);
    return report;
  } finally {
    await closeUi?.();
    await runtime.stop();
  }
}

/** `--restore`: undo the deletion, then check every row from outside. */
async function restoreAndVerify(
  runtime: LocalRuntime,
  graph: Graph,
  dataset: SeededDataset,
  job: string,
  log: (line: string) => void,
): Promise<{ totals: RestoreReport['totals']; checks: VerificationCheck[] }> {
  const events = runtime.events as InMemoryEventBus;
  log(`restoring job ${job} (lethe restore) …`);
  const started = Date.now();
  // The restore's units run on the runtime's workers: start it, then wait as `lethe restore` does.
  await runtime.engine.restore(job);
  const report = await awaitRestore(runtime.engine.context, job, { pollMs: 250 });
  const seconds = (Date.now() - started) / 1000;
  log(
    `restored ${formatNumber(report.totals.rowsRestored)} rows and ${formatNumber(report.totals.pointersRestored)} pointers in ${seconds.toFixed(1)} s; verifying from the outside …`,
  );
  const verification = await verifyExampleRestore(graph, runtime.engine.context, dataset, report);
  const restoredEvents = events.events.filter((e) => e.detailType === 'DeletionRestored').length;
  return {
    totals: report.totals,
    checks: [
      ...verification.checks,
      {
        name: 'the restore reports no conflict and nothing skipped',
        ok: report.totals.conflicts === 0 && report.totals.skipped === 0,
        detail: `${report.totals.conflicts} conflicts, ${report.totals.skipped} skipped`,
      },
      {
        name: 'DeletionRestored published exactly once',
        ok: restoredEvents === 1,
        detail: `${restoredEvents} event(s)`,
      },
    ],
  };
}

/**
 * The receipt, checked as an auditor would: its signature and consistency with the public key
 * only, then one seeded object of the deleted tenant proven to be among its leaves.
 */
async function checkReceipt(
  context: EngineContext,
  jobId: string,
  dataset: SeededDataset,
): Promise<{ checks: VerificationCheck[]; summary?: { root: string; leafCount: number } }> {
  const signed = await getReceipt(context.state, jobId);
  const publicKey = await context.signer?.publicKeyPem();
  if (!signed || !publicKey) {
    return { checks: [{ name: 'the job has a signed receipt', ok: false, detail: 'none found' }] };
  }
  const receiptCheck = verifyReceipt(signed, publicKey);
  const [bucket, keys] =
    Object.entries(dataset.target.objects).find(([, found]) => found.length > 0) ?? [];
  const key = keys?.[0];
  const proof =
    bucket && key ? await proveItem(context, jobId, { kind: 'object', bucket, key }) : undefined;
  const proofCheck = proof?.found ? verifyInclusion(signed, proof.proof, publicKey) : undefined;
  return {
    summary: { root: signed.receipt.root, leafCount: signed.receipt.leafCount },
    checks: [
      {
        name: 'the receipt is signed and consistent',
        ok: receiptCheck.ok,
        detail: receiptCheck.ok
          ? `${formatNumber(signed.receipt.leafCount)} leaves, root ${signed.receipt.root.slice(0, 16)}…`
          : receiptCheck.problems.join('; '),
      },
      {
        name: 'an erased object is proven in the receipt',
        ok: proofCheck?.ok === true,
        detail: proofCheck
          ? `${bucket}/${key}: ${proofCheck.ok ? `${proof?.found ? proof.proof.path.length : 0} sibling hashes to the root` : proofCheck.problems.join('; ')}`
          : proof && !proof.found
            ? proof.reason
            : 'no seeded object to prove',
      },
    ],
  };
}

export function formatDemoReport(report: DemoReport): string {
  const lines = [
    '',
    `lethe demo — ${report.ok ? 'VERIFIED' : 'VERIFICATION FAILED'}`,
    '',
    `  job          ${report.jobId}`,
    `  deleted      ${formatNumber(report.deleted.rows)} rows, ${formatNumber(report.deleted.objects)} objects; ${formatNumber(report.deleted.rowsNulled)} rows nulled (set-null); ${formatNumber(report.deleted.sharedKept)} shared references kept`,
    `  wall time    ${report.wallTimeSeconds.toFixed(1)} s from EntityDeleted to DeletionCompleted (${report.units} units)`,
    `  memory       ${Math.round(report.memory.peakRssMbDuringDeletion)} MiB peak RSS while deleting (workers, handlers, pollers; emulators not included)`,
    `  est. cost    $${report.estimatedAwsCostUsd.toFixed(4)} on AWS at list prices (lib/cost/prices.ts)`,
    ...(report.receipt
      ? [
          `  receipt      root ${report.receipt.root} (${formatNumber(report.receipt.leafCount)} leaves, signed)`,
        ]
      : []),
    '',
    '  checks',
    ...report.checks.map((c) => `    ${c.ok ? '✓' : '✗'} ${c.name} — ${c.detail}`),
    ...(report.verification && report.verification.findings > 0
      ? [formatVerification(report.verification, '      ')]
      : []),
    '',
    '  API calls',
    ...Object.entries(report.apiCalls).map(
      ([name, n]) => `    ${name.padEnd(34)} ${formatNumber(n).padStart(9)}`,
    ),
    '',
  ];
  return lines.join('\n');
}
