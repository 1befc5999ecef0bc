// Polls a queue the way a Lambda SQS event source mapping does: batches of up to
// `batchSize` gathered for up to `batchingWindowMs`, at most `concurrency` batches in
// flight, records shaped like real SQS records, partial batch responses honoured (reported
// failures stay on the queue until their visibility timeout; the queue's redrive policy
// moves them to the DLQ after maxReceiveCount). Paused, it stops receiving: messages wait.
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import type { QueueConsumer, ReceivedMessage } from '../lib/ports/queue-consumer.js';
import { sleep } from '../lib/retry.js';

export type SqsBatchHandler = (
  records: SQSRecord[],
) => Promise<SQSBatchResponse | undefined | undefined>;

export interface SqsPollerOptions {
  readonly consumer: QueueConsumer;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly region: string;
  readonly handler: SqsBatchHandler;
  readonly batchSize?: number;
  readonly batchingWindowMs?: number;
  readonly concurrency?: number;
  readonly visibilityTimeoutSeconds?: number;
  /** Start paused: nothing is received until `resume()`. */
  readonly paused?: boolean;
  readonly onError?: (error: unknown) => void;
}

export interface SqsPoller {
  /** `busyMs`: time spent inside the handler, summed over batches (Lambda bills this). */
  readonly stats: {
    received: number;
    succeeded: number;
    failed: number;
    batches: number;
    busyMs: number;
  };
  pause(): void;
  resume(): void;
  readonly paused: boolean;
  /** Batches being handled right now. */
  readonly inFlight: number;
  /**
   * Loops receiving or handling right now. Paused with none busy, the poller takes nothing
   * more off the queue (a receive under way when the pause lands still hands its batch on).
   */
  readonly busy: number;
  stop(): Promise<void>;
}

export function toSqsRecord(message: ReceivedMessage, queueArn: string, region: string): SQSRecord {
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle,
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: String(message.sentTimestamp),
      SenderId: 'lethe-local',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: message.md5OfBody,
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

export function startSqsPoller(options: SqsPollerOptions): SqsPoller {
  const batchSize = options.batchSize ?? 10;
  const windowMs = options.batchingWindowMs ?? 0;
  const concurrency = options.concurrency ?? 4;
  const stats = { received: 0, succeeded: 0, failed: 0, batches: 0, busyMs: 0 };
  let stopped = false;
  let paused = options.paused ?? false;
  let inFlight = 0;
  let busy = 0;

  async function gather(): Promise<ReceivedMessage[]> {
    const batch: ReceivedMessage[] = [];
    const deadline = Date.now() + windowMs;
    do {
      const received = await options.consumer.receive(options.queueUrl, {
        max: Math.min(10, batchSize - batch.length),
        waitSeconds: batch.length === 0 ? 1 : 0,
        ...(options.visibilityTimeoutSeconds
          ? { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds }
          : {}),
      });
      batch.push(...received);
      if (received.length === 0 && batch.length > 0) break;
    } while (!stopped && !paused && batch.length < batchSize && Date.now() < deadline);
    return batch;
  }

  async function handle(batch: ReceivedMessage[]): Promise<void> {
    const records = batch.map((m) => toSqsRecord(m, options.queueArn, options.region));
    let failedIds: Set<string>;
    const started = Date.now();
    try {
      const response = await options.handler(records);
      failedIds = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (error) {
      // A handler that throws fails the whole batch, as on Lambda.
      options.onError?.(error);
      failedIds = new Set(batch.map((m) => m.messageId));
    }
    stats.busyMs += Date.now() - started;
    const done = batch.filter((m) => !failedIds.has(m.messageId));
    stats.succeeded += done.length;
    stats.failed += batch.length - done.length;
    if (done.length > 0)
      await options.consumer.deleteBatch(
        options.queueUrl,
        done.map((m) => m.receiptHandle),
      );
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      if (paused) {
        await sleep(100);
        continue;
      }
      busy += 1;
      let failed = false;
      try {
        const batch = await gather();
        if (batch.length > 0) {
          stats.received += batch.length;
          stats.batches += 1;
          inFlight += 1;
          try {
            await handle(batch);
          } finally {
            inFlight -= 1;
          }
        }
      } catch (error) {
        options.onError?.(error);
        failed = true;
      } finally {
        busy -= 1;
      }
      if (failed) await sleep(250);
    }
  }

  const loops = Array.from({ length: concurrency }, () => loop());
  return {
    stats,
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
    },
    get paused() {
      return paused;
    },
    get inFlight() {
      return inFlight;
    },
    get busy() {
      return busy;
    },
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}
