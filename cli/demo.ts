// `lethe demo` (and `npm start`): the whole product in one run on the embedded local stack.
// Seed the example graph, predict with `plan`, delete one organization through the real
// handlers (an EventBridge EntityDeleted event into ingest, the worker on the queue, the
// sweeper on its timer), then verify from the outside and report.

import { createIngestHandler } from '../functions/ingest.js';
import { exampleGraph } from '../infra/example-graph.js';
import { type ApiCallCounter, countApiCalls } from '../lib/adapters/api-call-counter.js';
import { createBulkWriter } from '../lib/adapters/bulk-writer.js';
import { costOf, emptyUsage } from '../lib/cost/cost-model.js';
import type { DeletionPlan } from '../lib/engine/plan-deletion.js';
import { totalOf } from '../lib/model/counters.js';
import type { Job } from '../lib/model/jobs.js';
import { sleep } from '../lib/retry.js';
import {
  DEMO_SIZE,
  datasetTotals,
  type ExampleDatasetSize,
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
import { formatNumber, ProgressBar, progressLine } from './progress.js';

export const DEMO_REPORT_VERSION = 1;

export interface DemoOptions {
  readonly scale: number;
  readonly quiet: boolean;
  readonly timeoutSeconds: number;
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
    bar.finish();
    const job: Job | undefined =
      outcome === 'timeout' ? undefined : await runtime.engine.getJob(tombstone.jobId);
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
    const apiCalls = apiCallDiff(counter.snapshot(), before.calls);
    const estimatedAwsCostUsd = estimateCost(apiCalls, counter, before, {
      invocations: runtime.worker.stats.batches - before.batches + 1,
      busyMs: runtime.worker.stats.busyMs - before.busyMs,
    });
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
    };
    await options.linger?.(report);
    return report;
  } finally {
    await closeUi?.();
    await runtime.stop();
  }
}

export function formatDemoReport(report: DemoReport): string {
  const lines = [
    '',
    `lethe demo — ${report.ok ? 'VERIFIED' : 'VERIFICATION FAILED'}`,
    '',
    `  deleted      ${formatNumber(report.deleted.rows)} rows, ${formatNumber(report.deleted.objects)} objects; ${formatNumber(report.deleted.rowsNulled)} rows nulled (set-null); ${formatNumber(report.deleted.sharedKept)} shared references kept`,
    `  wall time    ${report.wallTimeSeconds.toFixed(1)} s from EntityDeleted to DeletionCompleted (${report.units} units)`,
    `  memory       ${Math.round(report.memory.peakRssMbDuringDeletion)} MiB peak RSS while deleting (workers, handlers, pollers; emulators not included)`,
    `  est. cost    $${report.estimatedAwsCostUsd.toFixed(4)} on AWS at list prices (lib/cost/prices.ts)`,
    '',
    '  checks',
    ...report.checks.map((c) => `    ${c.ok ? '✓' : '✗'} ${c.name} — ${c.detail}`),
    '',
    '  API calls',
    ...Object.entries(report.apiCalls).map(
      ([name, n]) => `    ${name.padEnd(34)} ${formatNumber(n).padStart(9)}`,
    ),
    '',
  ];
  return lines.join('\n');
}
