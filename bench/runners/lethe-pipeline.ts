// Runs lethe for a benchmark: a one-entity graph over the seeded data, the local runtime on
// the counting (and delaying) proxies, one deletion request, and a wait for its job.
import { provisionResources } from '../../lib/adapters/provision-resources.js';
import type { Graph } from '../../lib/graph/graph-types.js';
import { stateTablePlan } from '../../lib/local/local-resource-plan.js';
import { startLocalRuntime } from '../../lib/local/local-runtime.js';
import type { Job } from '../../lib/model/jobs.js';
import { sleep } from '../../lib/retry.js';
import { resolveSettings } from '../../lib/settings.js';
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
): Promise<RunResult> {
  const settings = resolveSettings({
    stateTableName: `${name}-state`,
    workQueueName: `${name}-work`,
    deadLetterQueueName: `${name}-dlq`,
    visibilityTimeoutSeconds: 120,
  });
  // Setup outside the measurement: the state table, the queues and any table the graph adds.
  await provisionResources(env.clients, {
    tables: [stateTablePlan(settings), ...extraTables],
    queues: [],
    buckets: [],
  });
  const runtime = await startLocalRuntime({
    graph,
    settings,
    stack: { region: env.region, endpoints: env.endpoints, pids: [], stop: async () => undefined },
    concurrency: 4,
    sweepEveryMs: 0,
    streams: false,
    logLevel: 'ERROR',
  });
  try {
    const result = await env.measure(async () => {
      const { jobId } = await runtime.engine.requestDeletion(request);
      for (;;) {
        const job = await runtime.engine.getJob(jobId);
        if (job?.status === 'completed') return deletedOf(job);
        await sleep(20);
      }
    });
    return {
      ...result,
      extraUsage: {
        lambdaInvocations: runtime.worker.stats.batches,
        lambdaGbSeconds: (runtime.worker.stats.busyMs / 1000) * WORKER_MEMORY_GB,
      },
      notes: [
        `${runtime.worker.stats.received} work messages in ${runtime.worker.stats.batches} worker batches`,
      ],
    };
  } finally {
    await runtime.stop();
  }
}
