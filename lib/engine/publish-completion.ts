// Completes a job when nothing is outstanding and publishes its DeletionCompleted event from
// the outbox item written with the completion; the item goes once the event is out. A
// completed job's signed receipt is written before its event goes, and its root travels in it.
import { completeJobIfSettled, type Job } from '../model/jobs.js';
import { stateKeys } from '../model/state-keys.js';
import type { LetheEvent } from '../ports/event-bus.js';
import type { EngineContext } from './engine-context.js';
import { writeReceipt } from './write-receipt.js';

export async function completeAndPublish(context: EngineContext, jobId: string): Promise<boolean> {
  const completion = await completeJobIfSettled(context.state, jobId);
  if (!completion) return false;
  await publishOutboxEvent(context, jobId, 'DeletionCompleted', completion.detail, {
    completed: completion.job,
  });
  return true;
}

/**
 * Publishes a job's outbox event and removes the item once the bus took it; before a
 * `DeletionCompleted`, writes the signed receipt (`options.completed`: the job this caller has
 * just completed, so the receipt need not read it again).
 */
export async function publishOutboxEvent(
  context: EngineContext,
  jobId: string,
  detailType: LetheEvent['detailType'],
  detail: Record<string, unknown>,
  options: { completed?: Job } = {},
): Promise<void> {
  const receipt =
    detailType === 'DeletionCompleted'
      ? await writeReceipt(context, jobId, options.completed)
      : undefined;
  await context.events.publish({
    detailType,
    detail: receipt ? { ...detail, receiptRoot: receipt.receipt.root } : detail,
  });
  await context.docs.delete(context.state.table, stateKeys.outboxEvent(jobId, detailType));
}
