// One lethe pipeline per test on the shared local stack: its own state table, queues and
// example-graph tables (unique names), the real engine over real SDK clients, and a poller
// that feeds the work queue to the engine the way Lambda would.
import { afterAll } from 'vitest';
import { exampleGraph } from '../../../infra/example-graph.js';
import { destroyAwsClients } from '../../../lib/adapters/aws-clients.js';
import { createBulkWriter } from '../../../lib/adapters/bulk-writer.js';
import { createSqsQueueConsumer } from '../../../lib/adapters/sqs-queue-consumer.js';
import { createEngine, type Engine } from '../../../lib/engine/create-engine.js';
import type { CrashPoint } from '../../../lib/engine/engine-context.js';
import type { RestoreReport } from '../../../lib/engine/restore-deletion.js';
import type { Graph } from '../../../lib/graph/graph-types.js';
import type { Job } from '../../../lib/model/jobs.js';
import type { ReceiptSigner } from '../../../lib/ports/receipt-signer.js';
import { sleep } from '../../../lib/retry.js';
import { resolveSettings, type Settings, type SettingsInput } from '../../../lib/settings.js';
import {
  type ExampleDatasetSize,
  type SeededDataset,
  seedExampleDataset,
} from '../../../local/example-dataset.js';
import { createInMemoryEventBus } from '../../../local/in-memory-event-bus.js';
import { provisionLocal } from '../../../local/provision-local.js';
import { startSqsPoller } from '../../../local/sqs-poller.js';
import { verifyExampleDeletion } from '../../../local/verify-example.js';
import { localClients, uniquePrefix } from './local-clients.js';

export interface HarnessOptions {
  readonly settings?: SettingsInput;
  /** Another graph over the example tables (e.g. with a restrict relation). */
  readonly graph?: (prefix: string) => Graph;
  readonly crashPoint?: (point: CrashPoint, detail: string) => void;
  /** The engine's clock (e.g. moved ahead to pass a deadline). @default the real clock */
  readonly now?: () => Date;
  /** `false`: the bench's baseline engine, which hashes and stores no receipt leaf. */
  readonly receiptLeaves?: boolean;
  /** Signs receipts instead of the local key pair (e.g. one that fails). */
  readonly signer?: ReceiptSigner;
}

export interface RunOptions {
  /** Hand every message to the engine twice, concurrently. */
  readonly duplicate?: boolean;
  readonly timeoutMs?: number;
  /** Sees every message body the workers receive, before the engine handles it. */
  readonly onMessage?: (body: string) => void;
}

export async function createPipelineHarness(label: string, options: HarnessOptions = {}) {
  const clients = localClients();
  const prefix = uniquePrefix(label);
  const graph = options.graph?.(prefix) ?? exampleGraph({ prefix });
  const settings = resolveSettings({
    stateTableName: `${prefix}-state`,
    workQueueName: `${prefix}-work`,
    deadLetterQueueName: `${prefix}-dlq`,
    visibilityTimeoutSeconds: 4,
    ...options.settings,
  });
  const { queueUrls } = await provisionLocal(clients, graph, settings);
  const workQueueUrl = queueUrls[settings.workQueueName] ?? '';
  const deadLetterQueueUrl = queueUrls[settings.deadLetterQueueName] ?? '';
  const events = createInMemoryEventBus();
  const engine: Engine = createEngine({
    graph,
    clients,
    settings,
    workQueueUrl,
    events,
    crashPoint: options.crashPoint,
    ...(options.now ? { now: options.now } : {}),
    ...(options.receiptLeaves === false ? { receiptLeaves: false } : {}),
    ...(options.signer ? { signer: options.signer } : {}),
  });
  const consumer = createSqsQueueConsumer(clients);
  const queueArn = await consumer.queueArn(workQueueUrl);
  const handlerErrors: unknown[] = [];
  afterAll(() => destroyAwsClients(clients));

  async function seed(size: ExampleDatasetSize): Promise<SeededDataset> {
    return seedExampleDataset(
      graph,
      { writer: createBulkWriter(clients), stateTable: settings.stateTableName },
      size,
    );
  }

  /** Workers on the work queue, fed to the engine the way Lambda would. */
  function startWorkers(run: RunOptions) {
    return startSqsPoller({
      consumer,
      queueUrl: workQueueUrl,
      queueArn,
      region: clients.region,
      concurrency: 4,
      visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
      handler: async (records) => {
        const failures: { itemIdentifier: string }[] = [];
        await Promise.all(
          records.map(async (record) => {
            run.onMessage?.(record.body);
            const attempts = run.duplicate ? [record.body, record.body] : [record.body];
            const results = await Promise.allSettled(
              attempts.map((body) => engine.handleMessage(body)),
            );
            const rejected = results.find((r) => r.status === 'rejected');
            if (rejected) {
              handlerErrors.push(rejected.reason);
              failures.push({ itemIdentifier: record.messageId });
            }
          }),
        );
        return { batchItemFailures: failures };
      },
    });
  }

  /** Runs the workers until `done()` holds and the queue is idle, then stops them. */
  async function runWorkers(
    run: RunOptions,
    done: () => Promise<boolean>,
    what: () => Promise<string>,
  ): Promise<void> {
    const poller = startWorkers(run);
    const deadline = Date.now() + (run.timeoutMs ?? 90_000);
    try {
      while (Date.now() < deadline) {
        if (await done()) {
          const depth = await consumer.depth(workQueueUrl);
          if (depth.visible + depth.inFlight === 0 && poller.inFlight === 0) return;
        }
        await sleep(100);
      }
      throw new Error(await what());
    } finally {
      await poller.stop();
    }
  }

  async function run(jobId: string, run: RunOptions = {}): Promise<Job> {
    let job: Job | undefined;
    await runWorkers(
      run,
      async () => {
        job = await engine.getJob(jobId);
        return job?.status === 'completed';
      },
      async () => `job ${jobId} did not complete: ${JSON.stringify(await engine.getJob(jobId))}`,
    );
    if (!job) throw new Error(`job ${jobId} vanished`);
    return job;
  }

  /**
   * Starts the restore of `jobId` (`lethe restore --no-wait`), runs the workers until its units
   * finished it, and returns the finished report (what `lethe restore` prints).
   */
  async function restore(jobId: string, run: RunOptions = {}): Promise<RestoreReport> {
    await engine.restore(jobId);
    await runWorkers(
      run,
      async () => (await engine.restoreProgress(jobId))?.status === 'restored',
      async () =>
        `restore of ${jobId} did not finish: ${JSON.stringify(await engine.restoreProgress(jobId))}`,
    );
    return engine.restore(jobId);
  }

  /** An engine on the same state whose messages are lost: nothing is sent to the queue. */
  function silentEngine(overrides: Partial<Settings> = {}): Engine {
    return createEngine({
      graph,
      // Lost means lost: no unit it plans runs inline either.
      settings: { ...settings, inlineUnitsPerMessage: 0, ...overrides },
      documents: engine.context.docs,
      objects: engine.context.objects,
      events,
      queue: { send: async () => undefined },
    });
  }

  return {
    clients,
    graph,
    silentEngine,
    settings,
    engine,
    events,
    consumer,
    workQueueUrl,
    deadLetterQueueUrl,
    handlerErrors,
    seed,
    run,
    restore,
    verify: (dataset: SeededDataset) => verifyExampleDeletion(graph, engine.context, dataset),
  };
}

export type PipelineHarness = Awaited<ReturnType<typeof createPipelineHarness>>;
