// Units: one message's worth of work (a cascade plan, a page of rows, a page of keys).
// A unit is written as `planned` in the transaction that spawns it (the outbox), its
// message is sent after the commit, and it is settled exactly once by a transaction
// guarded on its status.
//
// Item  JOB#<jobId> / UNIT#<unitId>
//   { type: 'unit', jobId, unitId, kind, status: 'planned' | 'waiting' | 'done' | 'failed',
//     scope, body (the message), plannedAt, settledAt?, error?, waitReason?,
//     gsi1pk: PENDING#<n> and gsi1sk: <plannedAt> while not settled (sparse index) }
import type { WorkMessage } from '../engine/work-message.js';
import type { Item, TransactItem } from '../ports/document-store.js';
import { fnv1a } from './shard-of.js';
import type { StateContext } from './state-context.js';
import { PENDING_BUCKETS, stateIndex, stateKeys } from './state-keys.js';

export type UnitStatus = 'planned' | 'waiting' | 'done' | 'failed';

export interface Unit {
  readonly jobId: string;
  readonly unitId: string;
  readonly kind: WorkMessage['type'];
  readonly status: UnitStatus;
  readonly scope: string;
  readonly body: string;
  readonly plannedAt: string;
  readonly settledAt?: string | undefined;
  readonly error?: string | undefined;
  readonly target?: UnitTarget | undefined;
  readonly spawned?: readonly string[] | undefined;
}

export interface PlannedUnit {
  readonly unitId: string;
  readonly message: WorkMessage;
  readonly body: string;
  /** The scope whose slot this unit occupies (see scopes.ts). */
  readonly scope: string;
  /** For prefix units: the prefix rendered from the row before it was deleted. */
  readonly target?: UnitTarget | undefined;
}

export interface UnitTarget {
  readonly bucket: string;
  readonly prefix: string;
}

export function plannedUnitItem(jobId: string, unit: PlannedUnit, now: Date): Item {
  const plannedAt = now.toISOString();
  return {
    ...stateKeys.unit(jobId, unit.unitId),
    type: 'unit',
    jobId,
    unitId: unit.unitId,
    kind: unit.message.type,
    status: 'planned',
    scope: unit.scope,
    body: unit.body,
    plannedAt,
    target: unit.target,
    gsi1pk: stateIndex.pendingUnits(fnv1a(unit.unitId) % PENDING_BUCKETS),
    gsi1sk: `${plannedAt}#${jobId}#${unit.unitId}`,
  };
}

export function putPlannedUnit(
  state: StateContext,
  jobId: string,
  unit: PlannedUnit,
): TransactItem {
  return {
    kind: 'put',
    table: state.table,
    item: plannedUnitItem(jobId, unit, state.now()),
    condition: { expression: 'attribute_not_exists(sk)' },
  };
}

export function unitFromItem(item: Item): Unit {
  return {
    jobId: String(item.jobId),
    unitId: String(item.unitId),
    kind: item.kind as Unit['kind'],
    status: item.status as UnitStatus,
    scope: String(item.scope),
    body: String(item.body),
    plannedAt: String(item.plannedAt),
    settledAt: item.settledAt as string | undefined,
    error: item.error as string | undefined,
    target: item.target as UnitTarget | undefined,
    spawned: item.spawned as string[] | undefined,
  };
}

export async function getUnit(
  state: StateContext,
  jobId: string,
  unitId: string,
): Promise<Unit | undefined> {
  const item = await state.docs.get(state.table, stateKeys.unit(jobId, unitId));
  return item ? unitFromItem(item) : undefined;
}

/** Settles a unit once: the condition refuses a second settlement of the same unit. */
export function settleUnit(
  state: StateContext,
  jobId: string,
  unitId: string,
  outcome: {
    status: 'done' | 'failed';
    error?: string | undefined;
    spawned: readonly string[];
    failures?: readonly unknown[] | undefined;
  },
): TransactItem {
  const extra = [
    ...(outcome.error ? ['#error = :error'] : []),
    ...(outcome.failures?.length ? ['failures = :failures'] : []),
  ];
  return {
    kind: 'update',
    table: state.table,
    key: stateKeys.unit(jobId, unitId),
    update: {
      expression: `SET #status = :status, settledAt = :now, spawned = :spawned${extra.map((e) => `, ${e}`).join('')} REMOVE gsi1pk, gsi1sk, waitReason`,
      names: { '#status': 'status', ...(outcome.error ? { '#error': 'error' } : {}) },
      values: {
        ':status': outcome.status,
        ':now': state.now().toISOString(),
        ':spawned': outcome.spawned,
        ...(outcome.error ? { ':error': outcome.error } : {}),
        // Kept small: the first 100 permanent per-key failures, with key and reason.
        ...(outcome.failures?.length ? { ':failures': outcome.failures.slice(0, 100) } : {}),
      },
    },
    condition: {
      expression: '#status IN (:planned, :waiting)',
      names: { '#status': 'status' },
      values: { ':planned': 'planned', ':waiting': 'waiting' },
    },
  };
}
