// Completes a job when nothing is outstanding and publishes its DeletionCompleted event from
// the outbox item written with the completion; the item goes once the event is out.
import { completeJobIfSettled } from '../model/jobs.js';
import { stateKeys } from '../model/state-keys.js';
import type { LetheEvent } from '../ports/event-bus.js';
import type { EngineContext } from './engine-context.js';

export async function completeAndPublish(context: EngineContext, jobId: string): Promise<boolean> {
  const detail = await completeJobIfSettled(context.state, jobId);
  if (!detail) return false;
  await publishOutboxEvent(context, jobId, 'DeletionCompleted', detail);
  return true;
}

export async function publishOutboxEvent(
  context: EngineContext,
  jobId: string,
  detailType: LetheEvent['detailType'],
  detail: Record<string, unknown>,
): Promise<void> {
  await context.events.publish({ detailType, detail });
  await context.docs.delete(context.state.table, stateKeys.outboxEvent(jobId, detailType));
}
