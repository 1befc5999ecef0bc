// A lethe deployment on the local stack, driven the way AWS drives it, with faults where the
// plan puts them. One or more "processes" (worker pools), each with its own SDK clients (fault
// middleware installed on them), its own engine and the real handlers of functions/: ingest
// invoked like an EventBridge target (retried when it fails), the worker fed by a poller that
// behaves like the SQS event source mapping, the sweeper on a timer. A crash kills the whole
// invocation it happens in: every record of that batch comes back, as on Lambda.
import { randomUUID } from 'node:crypto';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { DeleteBucketCommand, DeleteObjectsCommand } from '@aws-sdk/client-s3';
import { DeleteQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type {
  EventBridgeEvent,
  ScheduledEvent,
  SQSBatchResponse,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda';
import { createIngestHandler } from '../../../functions/ingest.js';
import { createSweeperHandler } from '../../../functions/sweeper.js';
import { createWorkerHandler } from '../../../functions/worker.js';
import { exampleGraph } from '../../../infra/example-graph.js';
import {
  type AwsClients,
  createAwsClients,
  destroyAwsClients,
} from '../../../lib/adapters/aws-clients.js';
import { createBulkWriter } from '../../../lib/adapters/bulk-writer.js';
import { createSqsQueueConsumer } from '../../../lib/adapters/sqs-queue-consumer.js';
import { createEngine, type Engine } from '../../../lib/engine/create-engine.js';
import type { HandleOutcome } from '../../../lib/engine/handle-work-message.js';
import type { DeletionRequested } from '../../../lib/engine/request-deletion.js';
import type { SweepReport } from '../../../lib/engine/sweep/sweep.js';
import type { Graph } from '../../../lib/graph/graph-types.js';
import { sleep } from '../../../lib/retry.js';
import { resolveSettings, type SettingsInput } from '../../../lib/settings.js';
import {
  type ExampleDatasetSize,
  type SeededDataset,
  seedExampleDataset,
} from '../../../local/example-dataset.js';
import { createInMemoryEventBus } from '../../../local/in-memory-event-bus.js';
import { localLambdaContext } from '../../../local/lambda-context.js';
import { localObservability } from '../../../local/local-runtime.js';
import { provisionLocal } from '../../../local/provision-local.js';
import { type SqsPoller, startSqsPoller } from '../../../local/sqs-poller.js';
import type { LocalEndpoints } from '../../../local/start-local-stack.js';
import { CompletionObserver } from './completion-observer.js';
import type { FaultPlan } from './fault-plan.js';
import type { CheckInput, HandlerFailure, Overrun } from './independent-checker.js';
import { listBucket, queueDepth } from './independent-checker.js';
import { explainError, runInvocation } from './injected.js';
import type { Prng } from './prng.js';

export interface StackInfo {
  readonly endpoints: LocalEndpoints;
  readonly region: string;
}

/** Every message handed to the worker twice, and out of order. */
export interface DeliveryChaos {
  readonly prng: Prng;
  /** Share of duplicates handed over in the same invocation; the rest come back later. */
  readonly concurrentShare?: number;
  /** The later copy is put back on the queue with a delay of 1…this many seconds. */
  readonly maxDelaySeconds?: number;
}

export interface PipelineOptions {
  readonly stack: StackInfo;
  readonly label: string;
  readonly settings?: SettingsInput;
  /** Worker pools: separate processes with their own clients, engine and poller. */
  readonly pools?: number;
  /** Sweepers on timers (run by the first pools' engines). */
  readonly sweepers?: number;
  readonly sweepEveryMs?: number;
  readonly faults?: FaultPlan;
  readonly delivery?: DeliveryChaos;
  readonly batchSize?: number;
  /** Batches in flight per pool. */
  readonly concurrency?: number;
  readonly graph?: (prefix: string) => Graph;
  /** Latency added to commands of the pools' clients (e.g. `{ DeleteObjectsCommand: 400 }`), in ms. */
  readonly slowCommands?: Readonly<Record<string, number>>;
  /** Handler observability (e.g. a logger that records); quiet by default. */
  readonly observability?: () => ReturnType<typeof localObservability>;
}

interface Pool {
  readonly name: string;
  readonly clients: AwsClients;
  readonly engine: Engine;
  readonly worker: ReturnType<typeof createWorkerHandler>;
  readonly sweeper: ReturnType<typeof createSweeperHandler>;
  readonly ingest: ReturnType<typeof createIngestHandler>;
}

const TWIN = ':twin';

export async function createReliabilityPipeline(options: PipelineOptions) {
  // EMF metrics are for CloudWatch; here they would only flood the output.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const { stack } = options;
  const prefix = `r-${options.label}-${randomUUID().slice(0, 6)}`;
  const graph = options.graph?.(prefix) ?? exampleGraph({ prefix });
  const settings = resolveSettings({
    stateTableName: `${prefix}-state`,
    workQueueName: `${prefix}-work`,
    deadLetterQueueName: `${prefix}-dlq`,
    visibilityTimeoutSeconds: 5,
    ...options.settings,
  });
  const newClients = () => createAwsClients({ region: stack.region, endpoints: stack.endpoints });
  // The checker's, the seeder's and the event source mapping's clients: never faulted.
  const clean = newClients();
  const { queueUrls } = await provisionLocal(clean, graph, settings);
  const workQueueUrl = queueUrls[settings.workQueueName] ?? '';
  const deadLetterQueueUrl = queueUrls[settings.deadLetterQueueName] ?? '';
  const events = createInMemoryEventBus();
  const observer = new CompletionObserver();
  const failures: HandlerFailure[] = [];
  /** body → times handed to a worker. */
  const deliveries = new Map<string, number>();
  /** Deliveries whose visibility timeout ran out before their batch was answered. */
  const overruns: Overrun[] = [];
  /** What the engine answered the workers, by outcome. */
  const outcomes: Record<HandleOutcome, number> = { done: 0, failed: 0, waiting: 0, duplicate: 0 };
  const observability = options.observability ?? (() => localObservability('SILENT'));

  const pools: Pool[] = Array.from({ length: options.pools ?? 1 }, (_, i) => {
    const name = `pool-${i + 1}`;
    const clients = newClients();
    observer.install(clients);
    options.faults?.install(clients, name);
    if (options.slowCommands) slowDown(clients, options.slowCommands);
    const engine = createEngine({
      graph,
      clients,
      settings,
      workQueueUrl,
      events,
      crashPoint: options.faults?.crashPoint,
    });
    const recording: Engine = {
      ...engine,
      async handleMessage(body, handleOptions) {
        try {
          const outcome = await engine.handleMessage(body, handleOptions);
          outcomes[outcome]++;
          return outcome;
        } catch (error) {
          failures.push({
            where: 'worker',
            process: name,
            body,
            message: String((error as Error)?.message ?? error),
            explained: explainError(error),
          });
          throw error;
        }
      },
    };
    return {
      name,
      clients,
      engine,
      worker: createWorkerHandler(graph, { engine: recording, ...observability() }),
      sweeper: createSweeperHandler(graph, { engine, ...observability() }),
      ingest: createIngestHandler(graph, { engine, ...observability() }),
    };
  });

  const consumer = createSqsQueueConsumer(clean);
  const queueArn = await consumer.queueArn(workQueueUrl);
  const copies = new Set<string>();
  const duplicated = new Set<string>();

  async function duplicate(records: SQSRecord[], delivery: DeliveryChaos): Promise<SQSRecord[]> {
    const twins: SQSRecord[] = [];
    for (const record of records) {
      if (copies.has(record.messageId) || duplicated.has(record.messageId)) continue;
      duplicated.add(record.messageId);
      if (delivery.prng.chance(delivery.concurrentShare ?? 0.3)) {
        twins.push({ ...record, messageId: `${record.messageId}${TWIN}` });
        continue;
      }
      // An older copy, back on the queue after newer messages have been handled.
      const { MessageId } = await clean.sqs.send(
        new SendMessageCommand({
          QueueUrl: workQueueUrl,
          MessageBody: record.body,
          DelaySeconds: delivery.prng.int(1, delivery.maxDelaySeconds ?? 4),
        }),
      );
      if (MessageId) copies.add(MessageId);
    }
    return delivery.prng.shuffle([...records, ...twins]);
  }

  async function invokeWorker(pool: Pool, records: SQSRecord[]): Promise<SQSBatchResponse> {
    for (const record of records)
      deliveries.set(record.body, (deliveries.get(record.body) ?? 0) + 1);
    const run = await runInvocation(() =>
      pool.worker({ Records: records } satisfies SQSEvent, localLambdaContext('lethe-worker')),
    );
    // The poller stamps each record when it receives it; past the visibility timeout, SQS has
    // handed the message out again (another receive) before this batch answered.
    for (const record of records) {
      const heldMs = Date.now() - Number(record.attributes.ApproximateFirstReceiveTimestamp);
      if (heldMs > settings.visibilityTimeoutSeconds * 1000)
        overruns.push({ body: record.body, seconds: heldMs / 1000 });
    }
    if (run.crashed || run.error !== undefined) {
      // The process died (or the invocation failed): Lambda retries the whole batch.
      for (const record of records) {
        failures.push({
          where: 'worker',
          process: pool.name,
          body: record.body,
          message: run.crashed ? 'the invocation crashed' : String(run.error),
          explained: run.crashed ? 'crash (the whole batch comes back)' : explainError(run.error),
        });
      }
      return { batchItemFailures: records.map((r) => ({ itemIdentifier: r.messageId })) };
    }
    return run.result ?? { batchItemFailures: [] };
  }

  let pollers: SqsPoller[] = [];
  /** Per pool: records received by its poller; sweeper runs finished and what they did. */
  const activity = new Map(
    pools.map((p) => [
      p.name,
      {
        received: 0,
        sweeps: 0,
        unitsResent: 0,
        intentsFinished: 0,
        jobsCompleted: 0,
        /** Sends the sweeper's runs saw refused, and runs that overlapped a send blackout. */
        sendsFailed: 0,
        sweepsInBlackout: 0,
      },
    ]),
  );
  const timers: NodeJS.Timeout[] = [];
  const sweeps = new Set<Promise<void>>();

  function start(): void {
    if (pollers.length > 0) return;
    pollers = pools.map((pool) =>
      startSqsPoller({
        consumer,
        queueUrl: workQueueUrl,
        queueArn,
        region: stack.region,
        batchSize: options.batchSize ?? 10,
        concurrency: options.concurrency ?? 3,
        visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
        handler: async (records) => {
          const batch = options.delivery ? await duplicate(records, options.delivery) : records;
          const response = await invokeWorker(pool, batch);
          return {
            batchItemFailures: response.batchItemFailures.filter(
              (f) => !f.itemIdentifier.endsWith(TWIN),
            ),
          };
        },
      }),
    );
    for (const pool of pools.slice(0, options.sweepers ?? 1)) {
      let running = false;
      const timer = setInterval(() => {
        if (running) return;
        running = true;
        const sweep = sweepOnce(pool).finally(() => {
          running = false;
          sweeps.delete(sweep);
        });
        sweeps.add(sweep);
      }, options.sweepEveryMs ?? 1000);
      timers.push(timer);
    }
  }

  async function sweepOnce(pool: Pool): Promise<void> {
    const blackoutBefore = options.faults?.blackoutState();
    const run = await runInvocation(() =>
      pool.sweeper(scheduledEvent(stack.region), localLambdaContext('lethe-sweeper')),
    );
    const counts = activity.get(pool.name);
    if (counts && run.result) {
      const report = run.result as SweepReport;
      counts.sweeps++;
      counts.unitsResent += report.unitsResent;
      counts.intentsFinished += report.intentsFinished;
      counts.jobsCompleted += report.jobsCompleted;
      counts.sendsFailed += report.sendsFailed;
    }
    // Under it: the run overlapped the window (a slow run may span all of it).
    const blackoutAfter = options.faults?.blackoutState();
    const overlapped =
      blackoutBefore === 'during' ||
      blackoutAfter === 'during' ||
      (blackoutBefore === 'before' && blackoutAfter === 'after');
    if (counts && overlapped) counts.sweepsInBlackout++;
    if (run.error !== undefined) {
      failures.push({
        where: 'sweeper',
        process: pool.name,
        message: String((run.error as Error)?.message ?? run.error),
        explained: explainError(run.error),
      });
    }
  }

  async function stop(): Promise<void> {
    for (const timer of timers) clearInterval(timer);
    timers.length = 0;
    await Promise.all(pollers.map((p) => p.stop()));
    pollers.forEach((poller, i) => {
      const counts = activity.get(pools[i]?.name ?? '');
      if (counts) counts.received += poller.stats.received;
    });
    pollers = [];
    await Promise.all([...sweeps]);
  }

  /** An EntityDeleted event into ingest, retried like an EventBridge target when it fails. */
  async function requestDeletion(
    detail: { entity: string; id: string | number; tenantId?: string },
    poolIndex = 0,
  ): Promise<string> {
    const pool = pools[poolIndex] ?? pools[0];
    if (!pool) throw new Error('no pool');
    const event: EventBridgeEvent<'EntityDeleted', unknown> = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'EntityDeleted',
      source: 'lethe.reliability',
      account: '000000000000',
      time: new Date().toISOString(),
      region: stack.region,
      resources: [],
      detail,
    };
    for (let attempt = 1; attempt <= 20; attempt++) {
      const run = await runInvocation(() => pool.ingest(event, localLambdaContext('lethe-ingest')));
      if (run.error === undefined && !run.crashed) return (run.result as DeletionRequested).jobId;
      failures.push({
        where: 'ingest',
        process: pool.name,
        message: String((run.error as Error)?.message ?? run.error),
        explained: run.crashed ? 'crash (ingest)' : explainError(run.error),
      });
      await sleep(Math.min(2000, 100 * attempt));
    }
    throw new Error(`ingest kept failing for ${JSON.stringify(detail)}`);
  }

  /** Waits until the job is completed and the work queue is empty and idle. */
  async function waitForCompletion(
    jobId: string,
    timeoutMs: number,
    progress?: (job: { planned: number; settled: number; status: string }) => void,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let quiet = 0;
    let reported = Date.now();
    while (Date.now() < deadline) {
      const [job, outbox] = await Promise.all(
        ['JOB', 'EVENT#DeletionCompleted'].map(
          async (sk) =>
            (
              await clean.documents.send(
                new GetCommand({
                  TableName: settings.stateTableName,
                  Key: { pk: `JOB#${jobId}`, sk },
                  ConsistentRead: true,
                }),
              )
            ).Item,
        ),
      );
      const depth = await queueDepth(clean, workQueueUrl);
      const idle =
        job?.status === 'completed' &&
        outbox === undefined &&
        depth.visible + depth.inFlight + depth.delayed === 0 &&
        pollers.every((p) => p.inFlight === 0);
      quiet = idle ? quiet + 1 : 0;
      if (quiet >= 3) return;
      if (progress && job && Date.now() - reported >= 10_000) {
        reported = Date.now();
        progress({
          planned: Number(job.planned),
          settled: Number(job.settled),
          status: String(job.status),
        });
      }
      await sleep(250);
    }
    const job = await createEngine({ graph, clients: clean, settings, workQueueUrl }).getJob(jobId);
    throw new Error(
      `job ${jobId} did not complete within ${timeoutMs} ms: ${JSON.stringify({ ...job, counts: undefined })}`,
    );
  }

  async function seed(size: ExampleDatasetSize): Promise<SeededDataset> {
    return seedExampleDataset(
      graph,
      { writer: createBulkWriter(clean), stateTable: settings.stateTableName },
      size,
    );
  }

  /**
   * What the independent checker needs about a job of this pipeline, and of the jobs that
   * overlapped it (their counters add up with its own).
   */
  function checkInput(
    jobId: string,
    dataset: SeededDataset,
    overlapping: readonly string[] = [],
  ): CheckInput {
    return {
      clients: clean,
      graph,
      settings,
      dataset,
      jobId,
      workQueueUrl,
      deadLetterQueueUrl,
      events: events.events,
      completionWrites: observer.count(jobId),
      overlapping: overlapping.map((id) => ({ jobId: id, completionWrites: observer.count(id) })),
      failures,
      overruns,
    };
  }

  /** Messages in the DLQ now (visible or not), without receiving them. */
  async function deadLetterCount(): Promise<number> {
    const depth = await queueDepth(clean, deadLetterQueueUrl);
    return depth.visible + depth.inFlight + depth.delayed;
  }

  /**
   * Stops everything and releases the clients; with `removeResources`, also deletes the
   * pipeline's tables, queues and buckets, so that a long soak does not fill the emulators.
   */
  async function destroy(removeResources = false): Promise<void> {
    await stop();
    for (const pool of pools) destroyAwsClients(pool.clients);
    if (removeResources) await deleteResources();
    destroyAwsClients(clean);
  }

  async function deleteResources(): Promise<void> {
    const tables = [settings.stateTableName, ...Object.values(graph.tables).map((t) => t.name)];
    for (const table of tables)
      await clean.dynamodb
        .send(new DeleteTableCommand({ TableName: table }))
        .catch(() => undefined);
    for (const queueUrl of [workQueueUrl, deadLetterQueueUrl])
      await clean.sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
    for (const bucket of Object.values(graph.buckets)) {
      const keys = await listBucket(clean, bucket.name).catch(() => [] as string[]);
      for (let i = 0; i < keys.length; i += 1000) {
        await clean.s3.send(
          new DeleteObjectsCommand({
            Bucket: bucket.name,
            Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true },
          }),
        );
      }
      await clean.s3.send(new DeleteBucketCommand({ Bucket: bucket.name })).catch(() => undefined);
    }
  }

  return {
    prefix,
    graph,
    settings,
    clean,
    pools,
    events,
    observer,
    failures,
    deliveries,
    overruns,
    outcomes,
    activity,
    workQueueUrl,
    deadLetterQueueUrl,
    queueArn,
    consumer,
    seed,
    start,
    stop,
    destroy,
    requestDeletion,
    waitForCompletion,
    deadLetterCount,
    checkInput,
    invokeWorker,
  };
}

export type ReliabilityPipeline = Awaited<ReturnType<typeof createReliabilityPipeline>>;

/** Latency on some commands, so that work stays in flight long enough to be raced. */
function slowDown(clients: AwsClients, latency: Readonly<Record<string, number>>): void {
  for (const client of [clients.dynamodb, clients.s3, clients.sqs]) {
    (client.middlewareStack as AwsClients['s3']['middlewareStack']).add(
      (next, context) => async (args) => {
        const ms = latency[context.commandName ?? ''];
        if (ms) await sleep(ms);
        return next(args);
      },
      { step: 'initialize', name: 'slowCommands' },
    );
  }
}

function scheduledEvent(region: string): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: new Date().toISOString(),
    region,
    resources: [],
    detail: {},
  };
}
