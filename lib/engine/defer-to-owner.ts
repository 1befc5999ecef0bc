// An entity reached by two jobs is deleted by one: the job whose tombstone it carries (its
// owner). Another job's cascade that reaches it defers: it waits for the owner's finalize of
// the entity, then settles counting nothing for it — its slot is given back to the parent's
// scope, or the parent's scope is blocked when the owner kept the entity (a restrict child, a
// failed unit), exactly as a finalize of its own would have done. An owner that completed
// without ever settling that finalize left the entity to whoever comes next: the deferring
// cascade then takes it over and deletes it itself — as it does when the owner completed
// before the deferring job was requested (a replay, a follow-up: the rows came back).
import { ConditionFailedError } from '../errors.js';
import { listWaiters, ownerOutcome, putWaiter } from '../model/deferrals.js';
import { getJob } from '../model/jobs.js';
import { stateKeys } from '../model/state-keys.js';
import type { Unit } from '../model/units.js';
import { UnitWaitError } from './check-guards.js';
import type { EngineContext } from './engine-context.js';
import type { UnitWork } from './unit-work.js';
import type { CascadeMessage } from './work-message.js';
import { unitIdOf } from './work-message.js';

/**
 * Settles a cascade unit whose entity another job owns: the work it commits (nothing counted,
 * no scope opened), or undefined when the owner abandoned the entity and this unit must
 * cascade it itself. Throws UnitWaitError while the owner's finalize is still to come.
 */
export async function deferToOwner(
  context: EngineContext,
  unit: Unit,
  message: CascadeMessage & { owner: string },
): Promise<UnitWork | undefined> {
  const { state } = context;
  // The waiter goes first: an owner that settles after this write finds it and wakes us; one
  // that settled before is seen settled by the read below.
  await putWaiter(state, message.owner, {
    entity: message.entity,
    id: message.id,
    jobId: unit.jobId,
    unitId: unit.unitId,
    body: unit.body,
  });
  const finalizeUnitId = unitIdOf({
    v: 1,
    jobId: message.owner,
    type: 'finalize',
    entity: message.entity,
    id: message.id,
  });
  const outcome = await ownerOutcome(state, message.owner, {
    entity: message.entity,
    id: message.id,
    finalizeUnitId,
    requestedAt: (await getJob(state, unit.jobId))?.createdAt,
  });
  switch (outcome) {
    case 'deleted':
      return { counts: {}, spawn: [] };
    case 'kept':
      return { counts: {}, spawn: [], block: true };
    case 'pending':
      throw new UnitWaitError(
        `deferred: ${message.entity} "${message.id}" is being deleted by job ${message.owner}`,
        false,
      );
    case 'abandoned':
      return undefined;
  }
}

/**
 * After a finalize settled: wakes the units of other jobs deferring to it, at once rather
 * than at their next re-check. Their check is made due (only while they wait; a unit still
 * `planned` is running its check now and sees the finalize settled), and their message sent.
 */
export async function wakeWaiters(
  context: EngineContext,
  jobId: string,
  entity: string,
  id: string,
): Promise<void> {
  const { state } = context;
  const waiters = await listWaiters(state, jobId, entity, id);
  if (waiters.length === 0) return;
  const now = state.now().toISOString();
  for (const waiter of waiters) {
    try {
      await state.docs.update({
        table: state.table,
        key: stateKeys.unit(waiter.jobId, waiter.unitId),
        update: { expression: 'SET nextCheckAt = :now', values: { ':now': now } },
        condition: {
          expression: '#status = :waiting',
          names: { '#status': 'status' },
          values: { ':waiting': 'waiting' },
        },
      });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }
  await context.queue.send(waiters.map((w) => ({ id: w.unitId, body: w.body })));
}
