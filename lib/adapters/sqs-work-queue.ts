// WorkQueue on SQS: SendMessageBatch, 10 messages a call, failed entries retried. A send
// resolves only when SQS accepted every message; otherwise, once every batch has been tried,
// it throws SendFailedError naming exactly the messages SQS did not accept — a unit whose
// entry failed is not sent, and its caller must not record it as sent.
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { type OutgoingMessage, SendFailedError, type WorkQueue } from '../ports/work-queue.js';
import { backoffDelay, chunk, mapConcurrent, sleep } from '../retry.js';
import type { AwsClients } from './aws-clients.js';

const MAX_ATTEMPTS = 6;

export function createSqsWorkQueue(
  clients: AwsClients,
  queueUrl: string,
  concurrency = 4,
): WorkQueue {
  /** Sends one batch; resolves with the messages SQS did not accept (none on success). */
  async function sendBatch(
    batch: readonly OutgoingMessage[],
  ): Promise<{ unsent: OutgoingMessage[]; cause?: unknown }> {
    // Batch entry ids must be unique and [A-Za-z0-9_-]{1,80}; unit ids are not, so index them.
    let pending = batch.map((message, index) => ({ entryId: `m${index}`, message }));
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (attempt > 0) await sleep(backoffDelay(attempt));
      try {
        const result = await clients.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: pending.map(({ entryId, message }) => ({
              Id: entryId,
              MessageBody: message.body,
              ...(message.delaySeconds ? { DelaySeconds: message.delaySeconds } : {}),
            })),
          }),
        );
        const failedIds = new Set((result.Failed ?? []).map((f) => f.Id));
        pending = pending.filter((p) => failedIds.has(p.entryId));
        if (pending.length === 0) return { unsent: [] };
      } catch (error) {
        // The whole call failed after the SDK's own retries: none of this batch was accepted.
        return { unsent: pending.map((p) => p.message), cause: error };
      }
    }
    return { unsent: pending.map((p) => p.message) };
  }

  return {
    async send(messages) {
      // Every batch runs to its end before the send reports, so the caller learns the fate
      // of each message rather than of the first batch that failed.
      const results = await mapConcurrent(chunk(messages, 10), concurrency, sendBatch);
      const unsent = results.flatMap((r) => r.unsent.map((m) => m.id));
      if (unsent.length === 0) return;
      const cause = results.find((r) => r.cause !== undefined)?.cause;
      throw new SendFailedError(unsent, cause === undefined ? {} : { cause });
    },
  };
}
