// Deferrals: when a job's cascade reaches an entity that another job already tombstoned, the
// entity belongs to that job (its owner) and the reaching job defers: its cascade unit waits
// for the owner's finalize of the entity and then deletes and counts nothing for it. The
// waiting unit leaves a waiter item in the owner's partition, so the owner's finalize can wake
// it when it settles; without that wake it still finds out at its next guard re-check.
//
// Item  JOB#<ownerJobId> / WAITER#<entity>#<id>#<jobId>
//   { type: 'waiter', entity, id, jobId, unitId, body, createdAt }   jobId: the waiting job
import type { Item } from '../ports/document-store.js';
import { getJob } from './jobs.js';
import { getScope, scopeIdOf } from './scopes.js';
import type { StateContext } from './state-context.js';
import { stateKeys } from './state-keys.js';
import { getUnit } from './units.js';

export interface Waiter {
  readonly entity: string;
  readonly id: string;
  /** The waiting (deferring) job and its unit. */
  readonly jobId: string;
  readonly unitId: string;
  /** The unit's message, sent again to wake it. */
  readonly body: string;
}

/**
 * What the owner job did with the entity:
 * - `deleted`: its finalize of the entity settled and erased it;
 * - `kept`: its finalize settled without erasing it (its scope was blocked, or it failed);
 * - `pending`: the owner is running and its finalize of the entity has not settled yet;
 * - `abandoned`: the owner is gone or completed without ever settling that finalize.
 */
export type OwnerOutcome = 'deleted' | 'kept' | 'pending' | 'abandoned';

/** Records a waiter in the owner's partition (idempotent: one item per waiting job). */
export async function putWaiter(
  state: StateContext,
  ownerJobId: string,
  waiter: Waiter,
): Promise<void> {
  const item: Item = {
    ...stateKeys.waiter(ownerJobId, waiter.entity, waiter.id, waiter.jobId),
    type: 'waiter',
    ...waiter,
    createdAt: state.now().toISOString(),
  };
  await state.docs.put(state.table, item);
}

/** The waiters on the owner's finalize of one entity (one consistent Query). */
export async function listWaiters(
  state: StateContext,
  ownerJobId: string,
  entity: string,
  id: string,
): Promise<Waiter[]> {
  const page = await state.docs.query({
    table: state.table,
    keyCondition: {
      expression: 'pk = :pk AND begins_with(sk, :waiter)',
      values: {
        ':pk': stateKeys.jobPartition(ownerJobId),
        ':waiter': stateKeys.waiterPrefix(entity, id),
      },
    },
    consistent: true,
  });
  return page.items.map((item) => ({
    entity: String(item.entity),
    id: String(item.id),
    jobId: String(item.jobId),
    unitId: String(item.unitId),
    body: String(item.body),
  }));
}

/**
 * Reads what the owner did with the entity. The job is read before its finalize unit: a
 * job seen running whose finalize is not settled is `pending` (the next check sees more), and
 * a job seen completed has settled every unit it ever will, so no finalize means `abandoned`.
 * An owner that completed before the deferring job was requested (`requestedAt`) is
 * `abandoned` whatever it did: rows found under the entity now came back after it (a backup
 * restore, a writer that skipped guardedPut), and only the deferring job will erase them.
 */
export async function ownerOutcome(
  state: StateContext,
  ownerJobId: string,
  target: { entity: string; id: string; finalizeUnitId: string; requestedAt?: string | undefined },
): Promise<OwnerOutcome> {
  const { entity, id } = target;
  const job = await getJob(state, ownerJobId);
  if (
    target.requestedAt !== undefined &&
    job?.completedAt !== undefined &&
    job.completedAt < target.requestedAt
  )
    return 'abandoned';
  const finalize = await getUnit(state, ownerJobId, target.finalizeUnitId);
  if (finalize?.status === 'failed') return 'kept';
  if (finalize?.status === 'done') {
    const scope = await getScope(state, ownerJobId, scopeIdOf(entity, id));
    return scope?.blocked ? 'kept' : 'deleted';
  }
  return job?.status === 'running' ? 'pending' : 'abandoned';
}
