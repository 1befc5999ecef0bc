// lethe on small jobs: the users graph over the seeded tables and bucket, the local runtime
// (real worker handler, real work queue) on the counting proxies, and one EntityDeleted event
// per user into the real ingest handler at the suite's arrival pattern. A job's latency runs
// from its event's arrival to its DeletionCompleted on the event bus. Afterwards each job's
// units are read back from the state table, straight from the emulator, to count its hops.
import { randomUUID } from 'node:crypto';
import type { EventBridgeEvent } from 'aws-lambda';
import { createIngestHandler } from '../../functions/ingest.js';
import { createAwsClients, destroyAwsClients } from '../../lib/adapters/aws-clients.js';
import { createDynamoDbDocumentStore } from '../../lib/adapters/dynamodb-document-store.js';
import { provisionResources } from '../../lib/adapters/provision-resources.js';
import { defineGraph } from '../../lib/graph/define-graph.js';
import type { Graph } from '../../lib/graph/graph-types.js';
import { stateKeys } from '../../lib/model/state-keys.js';
import { unitFromItem } from '../../lib/model/units.js';
import type { DocumentStore, Key } from '../../lib/ports/document-store.js';
import type { Settings } from '../../lib/settings.js';
import { resolveSettings } from '../../lib/settings.js';
import type { InMemoryEventBus } from '../../local/in-memory-event-bus.js';
import { localLambdaContext } from '../../local/lambda-context.js';
import { localObservability, startLocalRuntime } from '../../local/local-runtime.js';
import { benchStateTablePlan } from '../bench-state-table.js';
import { driveArrivals } from './arrivals.js';
import { summarizeLatencies } from './latency-summary.js';
import { type JobHops, queueHops } from './queue-hops.js';
import { BY_USER_INDEX, type SeededSmallJobs, USER_KEY } from './seed-small-jobs.js';
import type { SmallJobsRunner } from './small-jobs-types.js';

/** Lambda memory worker and ingest are priced at (as bench/runners/lethe-pipeline.ts). */
const MEMORY_GB = 1;
/** Worker batches in flight × records a batch: 40 units at once, the suite's concurrency. */
const WORKER_BATCHES = 4;
const WORKER_BATCH_SIZE = 10;
/** Ingest's Lambda timeout (the construct's default, `workerTimeout`). */
const INGEST_TIMEOUT_MS = 60_000;
/**
 * A failed or timed-out asynchronous invocation is retried twice by Lambda (the construct's
 * `retryAttempts: 2`); here at once, where Lambda waits a minute or two between them. The
 * event keeps its id, so a retry of a request that did commit finds its job.
 */
const INGEST_ATTEMPTS = 3;
/** A run with no completion for this long is stuck: it fails instead of waiting forever. */
const STALL_MS = 120_000;

/** The graph lethe deletes small jobs with: a user, two child relations, one prefix. */
export function smallJobsGraph(data: SeededSmallJobs): Graph {
  const [posts, comments] = data.childTables;
  if (!posts || !comments) throw new Error('small jobs are seeded with two child tables');
  const childTable = (child: { table: string; key: string }) => ({
    name: child.table,
    partitionKey: child.key,
    indexes: { [BY_USER_INDEX]: { partitionKey: USER_KEY, sortKey: child.key } },
  });
  const childEntity = (table: string) => ({
    table,
    parents: [
      { entity: 'user', attribute: USER_KEY, index: BY_USER_INDEX, onDelete: 'cascade' as const },
    ],
  });
  return defineGraph({
    tables: {
      users: { name: data.usersTable, partitionKey: USER_KEY },
      posts: childTable(posts),
      comments: childTable(comments),
    },
    buckets: { files: { name: data.bucket } },
    entities: {
      user: {
        table: 'users',
        objects: [{ kind: 'prefix', bucket: 'files', template: `users/{${USER_KEY}}/` }],
      },
      post: childEntity('posts'),
      comment: childEntity('comments'),
    },
  });
}

function entityDeleted(region: string, userId: string): EventBridgeEvent<'EntityDeleted', unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'EntityDeleted',
    source: 'lethe.bench',
    account: '000000000000',
    time: new Date().toISOString(),
    region,
    resources: [],
    detail: { entity: 'user', id: userId },
  };
}

async function hopsOf(docs: DocumentStore, settings: Settings, jobId: string): Promise<JobHops> {
  const units = [];
  let startKey: Key | undefined;
  do {
    const page = await docs.query({
      table: settings.stateTableName,
      keyCondition: {
        expression: 'pk = :pk AND begins_with(sk, :unit)',
        values: { ':pk': stateKeys.jobPartition(jobId), ':unit': 'UNIT#' },
      },
      consistent: true,
      startKey,
    });
    units.push(...page.items.map(unitFromItem));
    startKey = page.lastKey;
  } while (startKey);
  return queueHops(units);
}

/** How long ingest took per event, retries included: its share of each job's latency. */
function ingestNote(durations: readonly number[]): string {
  if (durations.length === 0) return 'ingest: no event handled';
  const { p50, p99, max } = summarizeLatencies(durations);
  return `ingest per event: p50 ${Math.round(p50)} ms, p99 ${Math.round(p99)} ms, max ${Math.round(max)} ms`;
}

export const letheSmallJobsRunner: SmallJobsRunner = async (env) => {
  const { data } = env;
  const graph = smallJobsGraph(data);
  const settings = resolveSettings({
    stateTableName: `${data.prefix}-state`,
    workQueueName: `${data.prefix}-work`,
    deadLetterQueueName: `${data.prefix}-dlq`,
    visibilityTimeoutSeconds: 120,
  });
  const direct = createAwsClients({ region: env.region, endpoints: env.emulatorEndpoints });
  try {
    await provisionResources(direct, {
      tables: [benchStateTablePlan(settings)],
      queues: [],
      buckets: [],
    });
    const runtime = await startLocalRuntime({
      graph,
      settings,
      stack: {
        region: env.region,
        endpoints: env.endpoints,
        pids: [],
        stop: async () => undefined,
      },
      batchSize: WORKER_BATCH_SIZE,
      concurrency: WORKER_BATCHES,
      sweepEveryMs: 0,
      // As in lethe-pipeline.ts: a deployed pipeline reads no pause flag per second.
      pauseCheckEveryMs: 0,
      streams: false,
      logLevel: 'ERROR',
    });
    const ingest = createIngestHandler(graph, {
      engine: runtime.engine,
      ...localObservability('ERROR'),
    });
    try {
      const events = runtime.events as InMemoryEventBus;
      const jobIds = new Map<string, string>();
      const outcomes = new Map<string, number>();
      let ingestMs = 0;
      let ingestInvocations = 0;
      let ingestRetries = 0;
      const ingestDurations: number[] = [];
      const measured = await env.measure(async () => {
        const arrivedAt = new Map<string, number>();
        const latenciesMs: number[] = [];
        let lastProgress = performance.now();
        let allArrived = false;
        let settle: (reason: string | undefined) => void = () => undefined;
        // Resolves (never rejects) when every job completed, or with the reason it stopped.
        const finished = new Promise<string | undefined>((resolve) => {
          settle = resolve;
        });
        const stopListening = events.onEvent((event) => {
          if (event.detailType !== 'DeletionCompleted') return;
          const detail = event.detail as { id?: unknown; outcome?: unknown };
          const id = String(detail.id);
          const arrived = arrivedAt.get(id);
          if (arrived === undefined) return;
          lastProgress = performance.now();
          latenciesMs.push(lastProgress - arrived);
          arrivedAt.delete(id);
          const outcome = String(detail.outcome);
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
          if (latenciesMs.length === data.userIds.length) settle(undefined);
        });
        const watch = setInterval(() => {
          if (allArrived && performance.now() - lastProgress > STALL_MS) {
            settle(
              `stalled: ${latenciesMs.length} of ${data.userIds.length} jobs completed, none in ${STALL_MS / 1000} s`,
            );
          }
        }, 1000);
        try {
          await driveArrivals(
            data.userIds,
            env.arrival,
            env.concurrency,
            async (userId, arrived) => {
              arrivedAt.set(userId, arrived);
              const event = entityDeleted(env.region, userId);
              const started = performance.now();
              let requested: { jobId: string } | undefined;
              for (let attempt = 1; requested === undefined; attempt++) {
                const invoked = performance.now();
                try {
                  requested = (await ingest(
                    event,
                    localLambdaContext('lethe-ingest', INGEST_TIMEOUT_MS),
                  )) as { jobId: string };
                } catch (error) {
                  if (attempt >= INGEST_ATTEMPTS) {
                    const last =
                      error instanceof Error ? `${error.name}: ${error.message}` : String(error);
                    throw new Error(
                      `ingest failed ${INGEST_ATTEMPTS} times for one event (Lambda timeout ${INGEST_TIMEOUT_MS / 1000} s; last: ${last})`,
                      { cause: error },
                    );
                  }
                  ingestRetries += 1;
                } finally {
                  // Every attempt is an invocation billed for its duration.
                  ingestMs += performance.now() - invoked;
                  ingestInvocations += 1;
                }
              }
              ingestDurations.push(performance.now() - started);
              jobIds.set(userId, requested.jobId);
            },
          );
          allArrived = true;
          const stopped = await finished;
          if (stopped) throw new Error(stopped);
        } finally {
          clearInterval(watch);
          stopListening();
        }
        return latenciesMs;
      });
      const store = createDynamoDbDocumentStore(direct);
      const hops: JobHops[] = [];
      for (const jobId of jobIds.values()) hops.push(await hopsOf(store, settings, jobId));
      const jobs = data.userIds.length;
      const notOk = [...outcomes].filter(([outcome]) => outcome !== 'deleted');
      return {
        latenciesMs: measured.value,
        elapsedMs: measured.elapsedMs,
        usage: measured.usage,
        peakInFlight: measured.peakInFlight,
        extraUsage: {
          lambdaInvocations: runtime.worker.stats.batches + ingestInvocations,
          lambdaGbSeconds: ((runtime.worker.stats.busyMs + ingestMs) / 1000) * MEMORY_GB,
          // EntityDeleted in, DeletionCompleted out.
          eventBridgeEvents: 2 * jobs,
        },
        hops,
        notes: [
          `${runtime.worker.stats.received} work messages in ${runtime.worker.stats.batches} worker batches`,
          ingestNote(ingestDurations),
          ...(ingestRetries > 0
            ? [
                `${ingestRetries} ingest invocations failed or timed out (${INGEST_TIMEOUT_MS / 1000} s) and were retried`,
              ]
            : []),
          ...notOk.map(([outcome, count]) => `${count} jobs ended ${outcome}`),
        ],
      };
    } finally {
      await runtime.stop();
    }
  } finally {
    destroyAwsClients(direct);
  }
};
