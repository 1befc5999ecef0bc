// The local runtime: the same handlers as on Lambda, driven the way AWS would drive them.
// The work queue is polled like an SQS event source mapping, entity-table streams like a
// DynamoDB event source mapping, and the sweeper schedule becomes a timer. The pause flag in the
// state table — set here or by `lethe pause` from another process — stops the worker poller
// and the sweeper timer; messages wait in the queue, none reaches the DLQ because of it.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBStreamEvent, ScheduledEvent, SQSEvent } from 'aws-lambda';
import { createStreamConsumerHandler } from '../functions/stream-consumer.js';
import { createSweeperHandler } from '../functions/sweeper.js';
import { createWorkerHandler } from '../functions/worker.js';
import {
  type AwsClients,
  createAwsClients,
  destroyAwsClients,
} from '../lib/adapters/aws-clients.js';
import { createDynamoDbStreamReader } from '../lib/adapters/dynamodb-stream-reader.js';
import { enableStreams } from '../lib/adapters/provision-resources.js';
import { createSqsQueueConsumer } from '../lib/adapters/sqs-queue-consumer.js';
import { createEngine, type Engine } from '../lib/engine/create-engine.js';
import type { SweepReport } from '../lib/engine/sweep/sweep.js';
import type { Graph } from '../lib/graph/graph-types.js';
import { isPaused } from '../lib/model/control.js';
import type { EventBus } from '../lib/ports/event-bus.js';
import { resolveSettings, type Settings, type SettingsInput } from '../lib/settings.js';
import { createInMemoryEventBus, type InMemoryEventBus } from './in-memory-event-bus.js';
import { localLambdaContext } from './lambda-context.js';
import { startPauseWatcher } from './pause-watcher.js';
import { provisionLocal } from './provision-local.js';
import { type SqsPoller, startSqsPoller } from './sqs-poller.js';
import { type LocalStack, startLocalStack } from './start-local-stack.js';
import { type StreamPoller, startStreamPoller } from './stream-poller.js';

/**
 * How the local runtime drives the handlers. Defaults: a new stack, default settings, worker
 * batches of 10 with no batching window and 4 in flight, a sweep every 30,000 ms, the pause
 * flag read every 1,000 ms, child-table streams followed, handler logs at `WARN`, events kept
 * in memory.
 */
export interface LocalRuntimeOptions {
  readonly graph: Graph;
  readonly settings?: SettingsInput;
  /** An already running stack; otherwise one is started (and stopped with the runtime). */
  readonly stack?: LocalStack;
  /** Lambda event source mapping knobs for the worker. */
  readonly batchSize?: number;
  readonly batchingWindowMs?: number;
  /** Worker batches in flight: the local stand-in for reserved concurrency. */
  readonly concurrency?: number;
  /** The sweeper schedule; 0 turns the timer off (call `sweep()` yourself). */
  readonly sweepEveryMs?: number;
  /** How often the pause flag is read (one GetItem); 0 reads it only on `pause()`/`resume()`. */
  readonly pauseCheckEveryMs?: number;
  /** Follow the streams of every entity table (rows written after a tombstone); switches them on. */
  readonly streams?: boolean;
  /** Handler log level (Powertools Logger). */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  readonly events?: EventBus;
  /** Called with every SDK client before use: fault injection, request counting. */
  readonly instrument?: (clients: AwsClients) => void;
  /**
   * `false`: the engine hashes and stores no receipt leaves — the bench's baseline for what
   * receipts cost (bench/runners/lethe-objects.ts). Never for a pipeline anyone relies on.
   * @internal
   * @default true
   */
  readonly receiptLeaves?: boolean;
}

/**
 * A running local pipeline: the engine (for `requestDeletion`, `plan`, `getJob`…), the SDK
 * clients pointed at the emulators, the published events, and the pollers driving the real
 * handlers. `stop()` stops them, and the stack too when the runtime started it.
 */
export interface LocalRuntime {
  readonly stack: LocalStack;
  readonly clients: AwsClients;
  readonly graph: Graph;
  readonly settings: Settings;
  readonly engine: Engine;
  readonly events: InMemoryEventBus | EventBus;
  readonly workQueueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly worker: SqsPoller;
  /** One sweeper invocation through the real handler. */
  sweep(): Promise<SweepReport>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
}

/** Handler logging for local runs: Powertools Logger at `logLevel`, metrics kept quiet. */
export function localObservability(logLevel: NonNullable<LocalRuntimeOptions['logLevel']>) {
  const logger = new Logger({ serviceName: 'lethe-local', logLevel });
  return {
    logger,
    // EMF is for CloudWatch; locally the Metrics instance is disabled and its warnings go to the logger.
    metrics: new Metrics({ namespace: 'Lethe', serviceName: 'lethe-local', logger }),
  };
}

/**
 * Provisions the graph's tables and buckets and lethe's state table and queues on the local
 * stack (starting one unless `options.stack` is given), then runs the worker, sweeper and
 * stream consumer handlers the way Lambda would. Throws what provisioning or the stack start
 * throws (`LocalStackError`, SDK errors), after stopping a stack it started.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const ownsStack = options.stack === undefined;
  const stack = options.stack ?? (await startLocalStack());
  try {
    // EMF goes to stdout on Lambda; locally it would only drown the output.
    process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
    const clients = createAwsClients({ region: stack.region, endpoints: stack.endpoints });
    options.instrument?.(clients);
    const settings = resolveSettings(options.settings ?? {});
    const { queueUrls } = await provisionLocal(clients, options.graph, settings);
    const workQueueUrl = queueUrls[settings.workQueueName] ?? '';
    const deadLetterQueueUrl = queueUrls[settings.deadLetterQueueName] ?? '';
    const events = options.events ?? createInMemoryEventBus();
    const engine = createEngine({
      graph: options.graph,
      clients,
      settings,
      workQueueUrl,
      events,
      ...(options.receiptLeaves === false ? { receiptLeaves: false } : {}),
    });
    const observability = () => localObservability(options.logLevel ?? 'WARN');
    const worker = createWorkerHandler(options.graph, { engine, ...observability() });
    const sweeper = createSweeperHandler(options.graph, { engine, ...observability() });
    const streamConsumer = createStreamConsumerHandler(options.graph, {
      engine,
      ...observability(),
    });

    const consumer = createSqsQueueConsumer(clients);
    const queueArn = await consumer.queueArn(workQueueUrl);
    // A pipeline paused before this runtime started stays paused: nothing is received.
    const pausedAtStart = await isPaused(engine.context.state, true);
    const workerPoller = startSqsPoller({
      paused: pausedAtStart,
      consumer,
      queueUrl: workQueueUrl,
      queueArn,
      region: stack.region,
      batchSize: options.batchSize ?? 10,
      batchingWindowMs: options.batchingWindowMs ?? 0,
      concurrency: options.concurrency ?? 4,
      visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
      handler: (records) =>
        worker({ Records: records } satisfies SQSEvent, localLambdaContext('lethe-worker')),
    });

    let streamPoller: StreamPoller | undefined;
    if (options.streams ?? true) {
      // Every entity table: any of them can hold a tombstoned id written again (root tables
      // too), and children of tombstoned parents arrive on child tables.
      const tables = [
        ...new Set(Object.values(options.graph.entities).map((entity) => entity.tableName)),
      ];
      await enableStreams(clients, tables);
      streamPoller = await startStreamPoller({
        reader: createDynamoDbStreamReader(clients),
        tables,
        region: stack.region,
        handler: (records) =>
          streamConsumer(
            { Records: records } satisfies DynamoDBStreamEvent,
            localLambdaContext('lethe-stream-consumer'),
          ),
      });
    }

    const sweep = async () =>
      (await sweeper(
        {
          version: '0',
          id: 'local',
          'detail-type': 'Scheduled Event',
          source: 'aws.events',
          account: '000000000000',
          time: new Date().toISOString(),
          region: stack.region,
          resources: [],
          detail: {},
        } satisfies ScheduledEvent,
        localLambdaContext('lethe-sweeper'),
      )) as SweepReport;
    let sweeping = false;
    const pauseWatcher = startPauseWatcher({
      state: engine.context.state,
      worker: workerPoller,
      sweeping: () => sweeping,
      everyMs: options.pauseCheckEveryMs ?? 1000,
    });
    await pauseWatcher.check();
    const timer =
      (options.sweepEveryMs ?? 30_000) > 0
        ? setInterval(() => {
            if (sweeping || pauseWatcher.paused) return;
            sweeping = true;
            sweep()
              .catch(() => undefined)
              .finally(() => {
                sweeping = false;
              });
          }, options.sweepEveryMs ?? 30_000)
        : undefined;
    timer?.unref();

    return {
      stack,
      clients,
      graph: options.graph,
      settings,
      engine,
      events,
      workQueueUrl,
      deadLetterQueueUrl,
      worker: workerPoller,
      sweep,
      async pause() {
        await engine.pause('paused locally');
        await pauseWatcher.check();
      },
      async resume() {
        await engine.resume();
        await pauseWatcher.check();
      },
      async stop() {
        if (timer) clearInterval(timer);
        await pauseWatcher.stop();
        await Promise.all([workerPoller.stop(), streamPoller?.stop()]);
        destroyAwsClients(clients);
        if (ownsStack) await stack.stop();
      },
    };
  } catch (error) {
    if (ownsStack) await stack.stop();
    throw error;
  }
}
