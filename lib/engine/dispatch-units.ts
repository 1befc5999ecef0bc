// Sending units' messages, and recording a unit as sent only once the queue accepted its
// message (DESIGN §3 rule 3: "a dispatch counts only once the queue accepted it"). A claim
// taken before a send (a waiting unit's next check) is confirmed after the send or given
// back when the queue refused; a message whose batch entry failed is not sent.
import {
  type PlannedUnit,
  recordCheckSent,
  recordPlannedSent,
  releaseCheck,
  type Unit,
} from '../model/units.js';
import { acceptedDespite, type OutgoingMessage } from '../ports/work-queue.js';
import { mapConcurrent } from '../retry.js';
import type { EngineContext } from './engine-context.js';

/**
 * Sends the messages of planned units. A cascade unit that the queue accepted gets its
 * `lastSentAt` (the sweeper's watermark reads it; other kinds are only ever re-sent by age,
 * so they need no record and cost no write). Throws what the queue threw, after recording
 * the units it did accept.
 */
export async function dispatchUnits(
  context: EngineContext,
  units: readonly PlannedUnit[],
): Promise<void> {
  if (units.length === 0) return;
  const messages: OutgoingMessage[] = units.map((u) => ({ id: u.unitId, body: u.body }));
  let accepted: readonly OutgoingMessage[] = messages;
  let failure: { error: unknown } | undefined;
  try {
    await context.queue.send(messages);
  } catch (error) {
    failure = { error };
    accepted = acceptedDespite(messages, error);
  }
  const sentAt = context.state.now();
  const acceptedIds = new Set(accepted.map((m) => m.id));
  const cascades = units.filter((u) => u.message.type === 'cascade' && acceptedIds.has(u.unitId));
  await mapConcurrent(cascades, 4, (u) =>
    recordPlannedSent(context.state, u.message.jobId, u.unitId, sentAt),
  );
  if (failure) throw failure.error;
}

/**
 * Sends the delayed message of a waiting unit's check claimed at `nextCheckAt`, then records
 * it as sent. When the queue refuses, the check is given back (due now, so the redelivery of
 * the message being handled runs it) and the queue's error is thrown: that message must come
 * back, it is the unit's only live one.
 */
export async function dispatchCheck(
  context: EngineContext,
  unit: Unit,
  nextCheckAt: string,
  delaySeconds: number,
): Promise<void> {
  try {
    await context.queue.send([{ id: unit.unitId, body: unit.body, delaySeconds }]);
  } catch (error) {
    await releaseCheck(context.state, unit, nextCheckAt);
    throw error;
  }
  await recordCheckSent(context.state, unit, nextCheckAt);
}
