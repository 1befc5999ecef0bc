// WorkQueue on SQS: SendMessageBatch, 10 messages a call, failed entries retried.
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { LetheError } from '../errors.js';
import type { OutgoingMessage, WorkQueue } from '../ports/work-queue.js';
import { backoffDelay, chunk, mapConcurrent, sleep } from '../retry.js';
import type { AwsClients } from './aws-clients.js';

export function createSqsWorkQueue(
  clients: AwsClients,
  queueUrl: string,
  concurrency = 4,
): WorkQueue {
  async function sendBatch(batch: readonly OutgoingMessage[]): Promise<void> {
    // Batch entry ids must be unique and [A-Za-z0-9_-]{1,80}; unit ids are not, so index them.
    let pending = batch.map((message, index) => ({ entryId: `m${index}`, message }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 5) {
        throw new LetheError('SEND_FAILED', `${pending.length} messages could not be sent`, {
          retryable: true,
        });
      }
      if (attempt > 0) await sleep(backoffDelay(attempt));
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
    }
  }

  return {
    async send(messages) {
      await mapConcurrent(chunk(messages, 10), concurrency, sendBatch);
    },
  };
}
