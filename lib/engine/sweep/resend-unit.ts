// Sending a planned (or waiting) unit again: claim → send → confirm. The claim is a
// compare-and-set on the unit's index position, so that of two sweepers only one sends it,
// and it moves the unit to the back of the pending units. Only once the queue accepted the
// message is the resend recorded (`resends`, `lastSentAt`); a refused send gives the claim
// back, spends no resend and leaves nothing that looks dispatched.

import { stateKeys } from '../../model/state-keys.js';
import { updateIf } from '../../model/update-if.js';
import type { Expression, Item } from '../../ports/document-store.js';
import type { EngineContext } from '../engine-context.js';

/** `sent`: the queue accepted it; `taken`: another run claimed it first; `failed`: refused. */
export type ResendOutcome = 'sent' | 'taken' | 'failed';

export async function claimAndResend(
  context: EngineContext,
  unit: Item,
  now: Date,
): Promise<ResendOutcome> {
  const jobId = String(unit.jobId);
  const unitId = String(unit.unitId);
  // The item's own key: a restore's outbox item is planned like a unit but kept apart.
  const key =
    typeof unit.pk === 'string' && typeof unit.sk === 'string'
      ? { pk: unit.pk, sk: unit.sk }
      : stateKeys.unit(jobId, unitId);
  const claimed = `${now.toISOString()}#${jobId}#${unitId}`;
  const update = (expression: Expression, condition: Expression) =>
    updateIf(context.docs, { table: context.state.table, key, update: expression, condition });
  const stillClaimed = { expression: 'gsi1sk = :claimed', values: { ':claimed': claimed } };

  const claim = await update(
    { expression: 'SET gsi1sk = :claimed', values: { ':claimed': claimed } },
    {
      // `<> :claimed`: a sweeper that read the unit after another's claim at the same instant
      // would otherwise claim it again (same position), and both would send it.
      expression: 'gsi1sk = :seen AND gsi1sk <> :claimed AND #status IN (:planned, :waiting)',
      names: { '#status': 'status' },
      values: {
        ':seen': unit.gsi1sk,
        ':claimed': claimed,
        ':planned': 'planned',
        ':waiting': 'waiting',
      },
    },
  );
  if (!claim) return 'taken';
  try {
    await context.queue.send([{ id: unitId, body: String(unit.body) }]);
  } catch {
    // Back where it was: first in line for the next run, as if this one had not tried.
    await update(
      { expression: 'SET gsi1sk = :seen', values: { ':seen': unit.gsi1sk } },
      stillClaimed,
    );
    return 'failed';
  }
  // A unit that moved on meanwhile (settled, or waiting on a newer check) keeps its own record.
  await update(
    {
      expression: 'SET resends = if_not_exists(resends, :zero) + :one, lastSentAt = :now',
      values: { ':zero': 0, ':one': 1, ':now': now.toISOString() },
    },
    stillClaimed,
  );
  return 'sent';
}
