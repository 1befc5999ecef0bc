// Units: one message's worth of work (a cascade plan, a page of rows, a page of keys).
// A unit is written as `planned` in the transaction that spawns it (the outbox), its
// message is sent after the commit, and it is settled exactly once by a transaction
// guarded on its status. A unit whose guards say "not yet" is `waiting`: it is not settled,
// its message is sent again with a delay, and each check is claimed by compare-and-set on
// `nextCheckAt`, so one waiting unit never has more than one live chain of messages.
//
// Item  JOB#<jobId> / UNIT#<unitId>
//   { type: 'unit', jobId, unitId, kind, status: 'planned' | 'waiting' | 'done' | 'failed',
//     scope, body (the message), plannedAt, settledAt?, error?, failures?, manifests?, unlocated?,
//     ranInline? (true: the worker ran it right after the commit that planned it, no message),
//     waitReason?, heldAs? (the counter label while it waits on a hold), nextCheckAt?,
//     waitingSince?, waits?, pinnedAt? (when its intent was pinned, in the same transaction),
//     resends? (sweeper re-sends the queue accepted), redeliveryResentAt? (when a redelivered
//     parent's message last claimed its re-send), lastSentAt?
//     (when its latest message the queue accepted became, or becomes, visible — written only
//     after the queue accepted it; kept for cascade units, which watermarks read),
//     gsi1pk: PENDING#<n> and gsi1sk: <plannedAt, or nextCheckAt while waiting, or the time
//     of a sweeper's claim> while not settled (sparse index) }
import type { WorkMessage } from '../engine/work-message.js';
import { TransactionCancelledError } from '../errors.js';
import type { Expression, Item, TransactItem } from '../ports/document-store.js';
import { backoffDelay, sleep } from '../retry.js';
import { addCount, type Counts } from './counters.js';
import { settleOnJob } from './jobs.js';
import { fnv1a } from './shard-of.js';
import type { StateContext } from './state-context.js';
import { PENDING_BUCKETS, stateIndex, stateKeys } from './state-keys.js';
import { updateIf } from './update-if.js';

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
  /** True when it settled in a run the worker started itself, with no queue message. */
  readonly ranInline?: boolean | undefined;
  /** Why the unit waits (guards), while it is `waiting`. */
  readonly waitReason?: string | undefined;
  /** While it waits on a hold: the relation label its `held` counter is kept under. */
  readonly heldAs?: string | undefined;
  /** While it waits: when its next check is due (ISO-8601). */
  readonly nextCheckAt?: string | undefined;
  readonly waitingSince?: string | undefined;
  /** When a run pinned the unit's intent (intents.ts); absent: it has none yet. */
  readonly pinnedAt?: string | undefined;
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
    ranInline: item.ranInline === true ? true : undefined,
    waitReason: item.waitReason as string | undefined,
    heldAs: item.heldAs as string | undefined,
    nextCheckAt: item.nextCheckAt as string | undefined,
    waitingSince: item.waitingSince as string | undefined,
    pinnedAt: item.pinnedAt as string | undefined,
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

/**
 * The condition that the unit is still exactly as it was read: planned, or waiting for the
 * same check. Whoever moves it on (settling it, or claiming its next check) knows which
 * waiting and held counters to move, and two runs never both do.
 */
function stillAsRead(unit: Unit): Expression {
  if (unit.status === 'waiting' && unit.nextCheckAt === undefined) {
    return {
      expression: '#status = :waiting AND attribute_not_exists(nextCheckAt)',
      names: { '#status': 'status' },
      values: { ':waiting': 'waiting' },
    };
  }
  return unit.status === 'waiting'
    ? {
        expression: '#status = :waiting AND nextCheckAt = :seenCheck',
        names: { '#status': 'status' },
        values: { ':waiting': 'waiting', ':seenCheck': unit.nextCheckAt },
      }
    : {
        expression: '#status = :planned',
        names: { '#status': 'status' },
        values: { ':planned': 'planned' },
      };
}

/** What settling (or re-checking) a unit takes off the job's waiting and held gauges. */
export function leavingWait(unit: Unit): { waiting: number; counts: Counts } {
  const counts: Counts = {};
  if (unit.heldAs !== undefined) addCount(counts, unit.heldAs, 'held', -1);
  return { waiting: unit.status === 'waiting' ? -1 : 0, counts };
}

/**
 * Settles a unit once: the condition refuses a second settlement of the same unit, and a
 * settlement based on a stale read (the unit started waiting meanwhile).
 */
export function settleUnit(
  state: StateContext,
  unit: Unit,
  outcome: {
    status: 'done' | 'failed';
    error?: string | undefined;
    spawned: readonly string[];
    failures?: readonly unknown[] | undefined;
    manifests?: readonly unknown[] | undefined;
    unlocated?: readonly unknown[] | undefined;
    /** True when the worker ran it right after the commit that planned it (no queue message). */
    ranInline?: boolean | undefined;
  },
): TransactItem {
  const extra = [
    ...(outcome.error ? ['#error = :error'] : []),
    ...(outcome.ranInline ? ['ranInline = :ranInline'] : []),
    ...(outcome.failures?.length ? ['failures = :failures'] : []),
    ...(outcome.manifests?.length ? ['manifests = :manifests'] : []),
    ...(outcome.unlocated?.length ? ['unlocated = :unlocated'] : []),
  ];
  return {
    kind: 'update',
    table: state.table,
    key: stateKeys.unit(unit.jobId, unit.unitId),
    update: {
      expression: `SET #status = :status, settledAt = :now, spawned = :spawned${extra.map((e) => `, ${e}`).join('')} REMOVE gsi1pk, gsi1sk, waitReason, heldAs, nextCheckAt`,
      names: { '#status': 'status', ...(outcome.error ? { '#error': 'error' } : {}) },
      values: {
        ':status': outcome.status,
        ':now': state.now().toISOString(),
        ':spawned': outcome.spawned,
        ...(outcome.error ? { ':error': outcome.error } : {}),
        ...(outcome.ranInline ? { ':ranInline': true } : {}),
        // Kept small: the first 100 permanent per-key failures, with key and reason.
        ...(outcome.failures?.length ? { ':failures': outcome.failures.slice(0, 100) } : {}),
        // And the first 100 manifests that could not be read, with key and reason.
        ...(outcome.manifests?.length ? { ':manifests': outcome.manifests.slice(0, 100) } : {}),
        // And the object groups whose keys could not be rendered, with the reason.
        ...(outcome.unlocated?.length ? { ':unlocated': outcome.unlocated } : {}),
      },
    },
    condition: stillAsRead(unit),
  };
}

export interface Wait {
  /** The relation label the unit's counters are kept under. */
  readonly label: string;
  readonly reason: string;
  /** True when a hold (not another guard) makes it wait. */
  readonly held: boolean;
  readonly delaySeconds: number;
}

/**
 * Marks a unit waiting until its next check, claiming that check: returns the claimed check
 * time (ISO-8601), or undefined when another run claimed it (or settled the unit) first —
 * that run sends the next message, this one must not. Moves the job's `waiting` and `held`
 * gauges by exactly this transition. The check resets `resends`: a unit that is alive and
 * waiting never runs out of sweeper re-sends. The claim is not a send: the caller records
 * the check's message with {@link recordCheckSent} once the queue accepted it, or gives the
 * check back with {@link releaseCheck} when it did not.
 */
export async function markWaiting(
  state: StateContext,
  unit: Unit,
  wait: Wait,
): Promise<string | undefined> {
  const now = state.now();
  const nextCheckAt = new Date(now.getTime() + wait.delaySeconds * 1000).toISOString();
  const leaving = leavingWait(unit);
  const counts = leaving.counts;
  if (wait.held) addCount(counts, wait.label, 'held', 1);
  const items: TransactItem[] = [
    {
      kind: 'update',
      table: state.table,
      key: stateKeys.unit(unit.jobId, unit.unitId),
      update: {
        expression: `SET #status = :waitingStatus, waitReason = :reason, nextCheckAt = :next, gsi1sk = :gsi, resends = :zero, waitingSince = if_not_exists(waitingSince, :now), waits = if_not_exists(waits, :zero) + :one${wait.held ? ', heldAs = :label' : ' REMOVE heldAs'}`,
        names: { '#status': 'status' },
        values: {
          ':waitingStatus': 'waiting',
          ':reason': wait.reason.slice(0, 1000),
          ':next': nextCheckAt,
          ':gsi': `${nextCheckAt}#${unit.jobId}#${unit.unitId}`,
          ':zero': 0,
          ':one': 1,
          ':now': now.toISOString(),
          ...(wait.held ? { ':label': wait.label } : {}),
        },
      },
      condition: stillAsRead(unit),
    },
    settleOnJob(state, unit.jobId, {
      planned: 0,
      settled: 0,
      failed: 0,
      waiting: leaving.waiting + 1,
      counts,
      waitReason: wait.reason.slice(0, 1000),
      holdReason: wait.held ? wait.reason.slice(0, 1000) : undefined,
    }),
  ];
  for (let attempt = 0; ; attempt++) {
    try {
      await state.docs.transact(items);
      return nextCheckAt;
    } catch (error) {
      if (!(error instanceof TransactionCancelledError)) throw error;
      if (error.reasons[0] === 'ConditionalCheckFailed') return undefined;
      // A conflict on the busy job item: try again, a few times.
      if (attempt >= 8) throw error;
      await sleep(backoffDelay(attempt, { baseMs: 10, maxMs: 500 }));
    }
  }
}

/** An update whose condition may fail because the unit moved on: false then, not an error. */
async function updateUnlessMoved(
  state: StateContext,
  jobId: string,
  unitId: string,
  update: Expression,
  condition: Expression,
): Promise<boolean> {
  return updateIf(state.docs, {
    table: state.table,
    key: stateKeys.unit(jobId, unitId),
    update,
    condition,
  });
}

/**
 * Records that the queue accepted a message of a still-planned unit (`lastSentAt`, the time
 * it became visible). Written only after the send: the sweeper's watermark counts a planned
 * cascade as dispatched only on this record. False when the unit is no longer planned (it
 * ran meanwhile, which says more than this record would).
 */
export function recordPlannedSent(
  state: StateContext,
  jobId: string,
  unitId: string,
  sentAt: Date,
): Promise<boolean> {
  return updateUnlessMoved(
    state,
    jobId,
    unitId,
    { expression: 'SET lastSentAt = :at', values: { ':at': sentAt.toISOString() } },
    {
      expression: '#status = :planned',
      names: { '#status': 'status' },
      values: { ':planned': 'planned' },
    },
  );
}

/**
 * Records that the queue accepted the message of the check claimed at `nextCheckAt` (it
 * becomes visible then). False when the check is no longer the unit's current one.
 */
export function recordCheckSent(state: StateContext, unit: Unit, nextCheckAt: string) {
  return updateUnlessMoved(
    state,
    unit.jobId,
    unit.unitId,
    { expression: 'SET lastSentAt = :at', values: { ':at': nextCheckAt } },
    {
      expression: '#status = :waiting AND nextCheckAt = :check',
      names: { '#status': 'status' },
      values: { ':waiting': 'waiting', ':check': nextCheckAt },
    },
  );
}

/**
 * Gives back a check claimed at `nextCheckAt` whose message the queue did not accept: the
 * check falls due now, so the next delivery of the unit's message runs it (rather than
 * taking itself for an early duplicate), and the sweeper counts the unit's wait from now.
 * False when the check is no longer the unit's current one.
 */
export function releaseCheck(state: StateContext, unit: Unit, nextCheckAt: string) {
  const now = state.now().toISOString();
  return updateUnlessMoved(
    state,
    unit.jobId,
    unit.unitId,
    {
      expression: 'SET nextCheckAt = :now, gsi1sk = :gsi',
      values: { ':now': now, ':gsi': `${now}#${unit.jobId}#${unit.unitId}` },
    },
    {
      expression: '#status = :waiting AND nextCheckAt = :check',
      names: { '#status': 'status' },
      values: { ':waiting': 'waiting', ':check': nextCheckAt },
    },
  );
}

/**
 * Claims the re-send of a still-planned unit by a redelivered message of the unit that
 * spawned it (`redeliveryResentAt`, an ISO 8601 time): true when this delivery may send it,
 * false when the unit is no longer planned or another delivery claimed it less than
 * `windowSeconds` ago. Without the claim, every copy of a settled parent's message sent each
 * of its planned children again, and the copies of those children, once settled, did the same
 * for theirs: with every message delivered twice and a slow queue, 44 copies of one finalize
 * were seen (2026-11-30). A claim given back (`releaseRedeliveryResend`) frees it at once.
 * Kept apart from `lastSentAt`, which is written only after the queue accepted a message.
 */
export function claimRedeliveryResend(
  state: StateContext,
  jobId: string,
  unitId: string,
  windowSeconds: number,
): Promise<boolean> {
  const now = state.now();
  const cutoff = new Date(now.getTime() - windowSeconds * 1000).toISOString();
  return updateUnlessMoved(
    state,
    jobId,
    unitId,
    { expression: 'SET redeliveryResentAt = :now', values: { ':now': now.toISOString() } },
    {
      expression:
        '#status = :planned AND (attribute_not_exists(redeliveryResentAt) OR redeliveryResentAt <= :cutoff)',
      names: { '#status': 'status' },
      values: { ':planned': 'planned', ':cutoff': cutoff },
    },
  );
}

/** Gives back a re-send claimed by `claimRedeliveryResend` whose message the queue refused. */
export function releaseRedeliveryResend(
  state: StateContext,
  jobId: string,
  unitId: string,
): Promise<boolean> {
  return updateUnlessMoved(
    state,
    jobId,
    unitId,
    { expression: 'REMOVE redeliveryResentAt' },
    { expression: 'attribute_exists(redeliveryResentAt)' },
  );
}
