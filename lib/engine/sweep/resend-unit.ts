// Sending a planned unit again, claimed by compare-and-set on its index position so that of
// two sweepers only one sends it. The claim also moves the unit to the back of the queue of
// pending units and counts the resend.
import { ConditionFailedError } from '../../errors.js';
import { stateKeys } from '../../model/state-keys.js';
import type { Item } from '../../ports/document-store.js';
import type { EngineContext } from '../engine-context.js';

export async function claimAndResend(
  context: EngineContext,
  unit: Item,
  now: Date,
): Promise<boolean> {
  const jobId = String(unit.jobId);
  const unitId = String(unit.unitId);
  try {
    await context.docs.update({
      table: context.state.table,
      key: stateKeys.unit(jobId, unitId),
      update: {
        expression:
          'SET gsi1sk = :next, resends = if_not_exists(resends, :zero) + :one, lastSentAt = :now',
        values: {
          ':next': `${now.toISOString()}#${jobId}#${unitId}`,
          ':zero': 0,
          ':one': 1,
          ':now': now.toISOString(),
        },
      },
      condition: {
        expression: 'gsi1sk = :seen AND #status IN (:planned, :waiting)',
        names: { '#status': 'status' },
        values: { ':seen': unit.gsi1sk, ':planned': 'planned', ':waiting': 'waiting' },
      },
    });
  } catch (error) {
    if (error instanceof ConditionFailedError) return false;
    throw error;
  }
  await context.queue.send([{ id: unitId, body: String(unit.body) }]);
  return true;
}
