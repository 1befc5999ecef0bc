// A paged unit (a prefix segment, a page of rows) plans the unit that continues after it in
// the transaction that pins its own intent, and sends it before it deletes anything: the next
// page is read while this one is erased. The successor is an outbox item like any spawned
// unit, counted on the job and holding a slot in the same scope, so nothing completes early.
import { settleOnJob } from '../model/jobs.js';
import { JOB_SCOPE, takeScopeSlot } from '../model/scopes.js';
import { type PlannedUnit, putPlannedUnit, type Unit } from '../model/units.js';
import type { TransactItem } from '../ports/document-store.js';
import { planned } from './commit-unit.js';
import type { EngineContext } from './engine-context.js';
import type { SpawnedUnit } from './unit-work.js';

/** The items that plan `successor`, for the transaction that pins `unit`'s intent. */
export function planSuccessor(
  context: EngineContext,
  unit: Unit,
  successor: SpawnedUnit,
): TransactItem[] {
  const { state } = context;
  return [
    putPlannedUnit(state, unit.jobId, planned(successor)),
    settleOnJob(state, unit.jobId, { planned: 1, settled: 0, failed: 0, counts: {} }),
    ...(unit.scope === JOB_SCOPE ? [] : [takeScopeSlot(state, unit.jobId, unit.scope)]),
  ];
}

/**
 * Sends the successor the intent planned, if any. Every run of the unit sends it again (a
 * crash may have come between pin and send): the successor takes a duplicate as a duplicate.
 */
export async function sendSuccessor(
  context: EngineContext,
  successor: SpawnedUnit | undefined,
): Promise<PlannedUnit | undefined> {
  if (!successor) return undefined;
  const unit = planned(successor);
  await context.queue.send([{ id: unit.unitId, body: unit.body }]);
  return unit;
}
