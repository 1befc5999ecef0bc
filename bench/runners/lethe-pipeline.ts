// Runs lethe for a benchmark: a one-entity graph over the seeded data, the local runtime on
// the counting (and delaying) proxies, one deletion request, and a wait for its job; with
// `restore`, then the job restored (after the deletion's measurement, in a window of its own:
// from `lethe restore` starting it to DeletionRestored, its units run by the same workers).
import { provisionResources } from '../../lib/adapters/provision-resources.js';
import type { RestoreReport } from '../../lib/engine/restore-deletion.js';
import type { Graph } from '../../lib/graph/graph-types.js';
import type { Job } from '../../lib/model/jobs.js';
import { sleep } from '../../lib/retry.js';
import { resolveSettings } from '../../lib/settings.js';
import type { InMemoryEventBus } from '../../local/in-memory-event-bus.js';
import { startLocalRuntime } from '../../local/local-runtime.js';
import { benchStateTablePlan } from '../bench-state-table.js';
import type { BenchEnv, RunResult } from '../bench-types.js';

/** Lambda memory the worker is deployed with, for GB-seconds. */
const WORKER_MEMORY_GB = 1;

export async function runLethe<Data>(
  env: BenchEnv<Data>,
  graph: Graph,
  name: string,
  request: { entity: string; id: string },
  deletedOf: (job: Job) => number,
  extraTables: Parameters<typeof provisionResources>[1]['tables'] = [],
  engine: {
    readonly receiptLeaves?: boolean;
    readonly restoreWindowDays?: number;
    /**
     * Restore the job once its deletion is measured (`lethe restore`'s throughput); returns the
     * items of the report that count as restored, as `deletedOf` does for the deletion.
     */
    readonly restoredOf?: (report: RestoreReport) => number;
    /** Writes what the graph's own tables need (a parent row), after provisioning, unmeasured. */
    readonly setup?: () => Promise<void>;
  } = {},
): Promise<RunResult> {
  const { receiptLeaves, restoreWindowDays } = engine;
  const settings = resolveSettings({
    stateTableName: `${name}-state`,
    workQueueName: `${name}-work`,
    deadLetterQueueName: `${name}-dlq`,
    visibilityTimeoutSeconds: 120,
    // As deployed: the construct gives the worker a bucket for large units' receipt leaves.
    receiptLeavesBucketName: `${name}-leaves`.slice(0, 63),
    ...(restoreWindowDays === undefined ? {} : { restoreWindowDays }),
  });
  // Setup outside the measurement: the state table, the queues and any table the graph adds.
  await provisionResources(env.clients, {
    tables: [benchStateTablePlan(settings), ...extraTables],
    queues: [],
    buckets: [{ name: settings.receiptLeavesBucketName ?? '', versioned: false }],
  });
  await engine.setup?.();
  const runtime = await startLocalRuntime({
    graph,
    settings,
    stack: { region: env.region, endpoints: env.endpoints, pids: [], stop: async () => undefined },
    concurrency: 4,
    sweepEveryMs: 0,
    // Nobody pauses this run from outside; a flag read every second would be counted as lethe's
    // own API calls, which a deployed pipeline does not make (Lambda holds the mapping's state).
    pauseCheckEveryMs: 0,
    streams: false,
    logLevel: 'ERROR',
    ...(receiptLeaves === undefined ? {} : { receiptLeaves }),
  });
  let jobId: string | undefined;
  let result: RunResult;
  try {
    const events = runtime.events as InMemoryEventBus;
    const measured = await env.measure(
      async () => {
        // Wait for the completion event rather than polling the job: polls would go through
        // the counting proxy and be billed to lethe.
        const completed = new Promise<void>((done) => {
          const stop = events.onEvent((event) => {
            if (event.detailType === 'DeletionCompleted') {
              stop();
              done();
            }
          });
        });
        const requested = await runtime.engine.requestDeletion(request);
        jobId = requested.jobId;
        await completed;
        const job = await runtime.engine.getJob(jobId);
        if (job?.status !== 'completed') throw new Error(`job ${jobId} did not complete`);
        return deletedOf(job);
      },
      // The batch that completed the job still deletes its outbox item and its message:
      // lethe's requests, made after the moment the job is done.
      () => untilIdle(runtime.worker),
    );
    result = {
      ...measured,
      extraUsage: {
        lambdaInvocations: runtime.worker.stats.batches,
        lambdaGbSeconds: (runtime.worker.stats.busyMs / 1000) * WORKER_MEMORY_GB,
      },
      notes: [
        `${runtime.worker.stats.received} work messages in ${runtime.worker.stats.batches} worker batches`,
      ],
    };
    if (engine.restoredOf && jobId !== undefined) {
      const restoredOf = engine.restoredOf;
      const restoring = jobId;
      // `lethe restore` runs as units on the work queue: the runtime's workers stay up until it
      // finished, and the window runs from the start to DeletionRestored (awaited as an event,
      // not polled, for the reason above).
      await env.measureRestore(async () => {
        const restored = new Promise<void>((done) => {
          const stop = events.onEvent((event) => {
            if (event.detailType === 'DeletionRestored') {
              stop();
              done();
            }
          });
        });
        await runtime.engine.restore(restoring);
        await restored;
        return restoredOf(await runtime.engine.restore(restoring));
      });
    }
  } finally {
    await runtime.stop();
  }
  return result;
}

/** Resolves once no batch of `worker` is in flight (polled every 5 ms, for at most 30 s). */
async function untilIdle(worker: { readonly inFlight: number }): Promise<void> {
  const giveUpAt = Date.now() + 30_000;
  while (worker.inFlight > 0 && Date.now() < giveUpAt) await sleep(5);
}
