// The restore record: one per restored job, beside the job. It says whether a restore ran,
// when it finished, and what it put back, counted once per log entry: the transaction that
// marks an entry restored also adds its outcome here. Finishing is one conditional update
// from `running` to `restored`, written with the DeletionRestored event (outbox) and the
// job's `restoredAt`, so the event is published exactly once.
//
//
// A restore runs as units on the work queue (handle-restore-message.ts), one step at a time:
// `lift` (step -1), then one step per rank group of the log (`ranks`, fixed at the start).
// `outstanding` counts the units of the current step not settled yet; the step moves on by
// one conditional update (from step s with nothing outstanding to s+1), so only one run sends
// the next step's messages, and `sentStep` records that the queue accepted them all.
// The restore's outbox item sits beside it: a planned unit on the pending index, whose body
// asks for the current step's unsettled units, so the sweeper re-sends it when the step
// stalls (a lost message, a crash between the advance and its sends).
//
// Item  JOB#<jobId> / RESTORE
//   { type: 'restore', jobId, status: 'running' | 'restored', startedAt, restoredAt?,
//     tombstonesLifted?, restored, conflicts, skipped,
//     step?, ranks?, outstanding?, sentStep?, gone? (string set: entries whose log item
//     expired before their unit ran) }   (records of restores before units lack step…)
// Item  JOB#<jobId> / RESTORE#SEND
//   { type: 'restore-send', jobId, unitId: 'restore', kind: 'restore',
//     status: 'planned' | 'done', body, plannedAt, resends?, kickedOutstanding? (the step's
//     outstanding units at its last re-send), gsi1pk?, gsi1sk? }
import type { TransactItem } from '../ports/document-store.js';
import type { RestoreOutcome } from './restore-log.js';
import { fnv1a } from './shard-of.js';
import type { StateContext } from './state-context.js';
import { PENDING_BUCKETS, stateIndex, stateKeys } from './state-keys.js';
import { transactIf, updateIf } from './update-if.js';

export interface RestoreRecord {
  readonly jobId: string;
  readonly status: 'running' | 'restored';
  readonly startedAt: string;
  readonly restoredAt?: string | undefined;
  readonly tombstonesLifted: number;
  readonly restored: number;
  readonly conflicts: number;
  readonly skipped: number;
  /**
   * The current step: -1 lifts the tombstones, i ≥ 0 restores the entries of rank `ranks[i]`.
   * Absent on a record a restore wrote before restores ran as units.
   */
  readonly step?: number | undefined;
  /** The ranks of the log's entries, ascending: one step each after the lift. */
  readonly ranks?: readonly number[] | undefined;
  /** Units of the current step not settled yet. */
  readonly outstanding?: number | undefined;
  /** The last step whose messages the queue accepted, all of them. */
  readonly sentStep?: number | undefined;
}

export const restoreRecordKey = (jobId: string) => ({ pk: `JOB#${jobId}`, sk: 'RESTORE' });

/** The restore's outbox item: a planned unit the sweeper re-sends while the restore runs. */
export const restoreSendKey = (jobId: string) => ({ pk: `JOB#${jobId}`, sk: 'RESTORE#SEND' });

export async function getRestoreRecord(
  state: StateContext,
  jobId: string,
): Promise<RestoreRecord | undefined> {
  const item = await state.docs.get(state.table, restoreRecordKey(jobId), true);
  if (!item) return undefined;
  return {
    jobId,
    status: item.status === 'restored' ? 'restored' : 'running',
    startedAt: String(item.startedAt),
    restoredAt: item.restoredAt === undefined ? undefined : String(item.restoredAt),
    tombstonesLifted: Number(item.tombstonesLifted ?? 0),
    restored: Number(item.restored ?? 0),
    conflicts: Number(item.conflicts ?? 0),
    skipped: Number(item.skipped ?? 0),
    step: item.step === undefined ? undefined : Number(item.step),
    ranks: Array.isArray(item.ranks) ? item.ranks.map(Number) : undefined,
    outstanding: item.outstanding === undefined ? undefined : Number(item.outstanding),
    sentStep: item.sentStep === undefined ? undefined : Number(item.sentStep),
  };
}

/** The outbox item, planned again (re-timed, resends reset) with the message of a step. */
function planSend(state: StateContext, jobId: string, body: string): TransactItem {
  const now = state.now().toISOString();
  return {
    kind: 'put',
    table: state.table,
    item: {
      ...restoreSendKey(jobId),
      type: 'restore-send',
      jobId,
      unitId: 'restore',
      kind: 'restore',
      status: 'planned',
      body,
      plannedAt: now,
      resends: 0,
      gsi1pk: stateIndex.pendingUnits(fnv1a(jobId) % PENDING_BUCKETS),
      gsi1sk: `${now}#${jobId}#restore`,
    },
  };
}

/**
 * Starts a restore run as units: the record goes to `running` at the lift step with its
 * ranks, and the lift's message is planned in the outbox, in one transaction. Returns false
 * when a restore of the job already started as units (or finished): nothing is written then.
 * A record an earlier, in-process restore left `running` is taken over with its counts.
 */
export async function beginRestoreUnits(
  state: StateContext,
  jobId: string,
  ranks: readonly number[],
  liftBody: string,
): Promise<boolean> {
  const now = state.now().toISOString();
  return transactIf(state.docs, [
    {
      kind: 'update',
      table: state.table,
      key: restoreRecordKey(jobId),
      update: {
        expression:
          'SET #type = :type, jobId = :job, #status = :running, startedAt = if_not_exists(startedAt, :now), #step = :lift, ranks = :ranks, outstanding = :zero',
        names: { '#type': 'type', '#status': 'status', '#step': 'step' },
        values: {
          ':type': 'restore',
          ':job': jobId,
          ':running': 'running',
          ':now': now,
          ':lift': -1,
          ':ranks': [...ranks],
          ':zero': 0,
        },
      },
      condition: {
        expression:
          'attribute_not_exists(#step) AND (attribute_not_exists(#status) OR #status = :running)',
        names: { '#step': 'step', '#status': 'status' },
      },
    },
    planSend(state, jobId, liftBody),
  ]);
}

/**
 * Moves the restore from step `from` (nothing outstanding) to `to` with `outstanding` units,
 * and plans `to`'s message in the outbox. Returns false when another run moved it first, or
 * `from` still has units outstanding: that run (or the last unit) sends what follows.
 */
export async function advanceRestoreStep(
  state: StateContext,
  jobId: string,
  move: { from: number; to: number; outstanding: number; body: string },
): Promise<boolean> {
  return transactIf(state.docs, [
    {
      kind: 'update',
      table: state.table,
      key: restoreRecordKey(jobId),
      update: {
        expression: 'SET #step = :to, outstanding = :count',
        names: { '#step': 'step' },
        values: { ':to': move.to, ':count': move.outstanding },
      },
      condition: {
        expression: '#status = :running AND #step = :from AND outstanding = :zero',
        names: { '#status': 'status', '#step': 'step' },
        values: { ':running': 'running', ':from': move.from, ':zero': 0 },
      },
    },
    planSend(state, jobId, move.body),
  ]);
}

/**
 * The sweeper re-sends the outbox item at most `maxResends` times; a re-send after which the
 * step moved on (fewer units outstanding than at the last one) earns its re-sends back, so
 * only re-sends that move nothing, in a row, run out.
 */
export async function creditRestoreResends(
  state: StateContext,
  jobId: string,
  outstanding: number,
): Promise<void> {
  await updateIf(state.docs, {
    table: state.table,
    key: restoreSendKey(jobId),
    update: {
      expression: 'SET resends = :zero, kickedOutstanding = :n',
      values: { ':zero': 0, ':n': outstanding },
    },
    condition: {
      expression:
        '#status = :planned AND (attribute_not_exists(kickedOutstanding) OR kickedOutstanding > :n)',
      names: { '#status': 'status' },
      values: { ':planned': 'planned' },
    },
  });
}

/** Records that the queue accepted every message of `step` (while it is still current). */
export async function markRestoreStepSent(
  state: StateContext,
  jobId: string,
  step: number,
): Promise<void> {
  await updateIf(state.docs, {
    table: state.table,
    key: restoreRecordKey(jobId),
    update: { expression: 'SET sentStep = :step', values: { ':step': step } },
    condition: {
      expression: '#step = :step',
      names: { '#step': 'step' },
    },
  });
}

/**
 * Takes the unit of an entry whose log item expired (TTL) before it ran off `step`'s
 * outstanding units, once per entry (the record keeps the entry in `gone`).
 */
export async function settleGoneEntry(
  state: StateContext,
  jobId: string,
  step: number,
  sk: string,
): Promise<boolean> {
  return updateIf(state.docs, {
    table: state.table,
    key: restoreRecordKey(jobId),
    update: {
      expression: 'ADD gone :sk, outstanding :minus',
      values: { ':sk': new Set([sk]), ':minus': -1 },
    },
    condition: {
      expression: '#step = :step AND NOT contains(gone, :one)',
      names: { '#step': 'step' },
      values: { ':step': step, ':one': sk },
    },
  });
}

/**
 * The ADD that counts one unit's outcome on the record and takes the unit off the
 * outstanding units of `step`, conditioned on the record being at that step.
 */
export function countRestoreOutcome(
  state: StateContext,
  jobId: string,
  outcome: RestoreOutcome,
  step: number,
): TransactItem {
  return {
    kind: 'update',
    table: state.table,
    key: restoreRecordKey(jobId),
    update: {
      expression: 'ADD restored :r, conflicts :c, skipped :s, outstanding :minus',
      values: {
        ':r': outcome.restored,
        ':c': outcome.conflicts,
        ':s': outcome.skipped,
        ':minus': -1,
        ':step': step,
      },
    },
    condition: { expression: '#step = :step', names: { '#step': 'step' } },
  };
}

export async function countLiftedTombstones(
  state: StateContext,
  jobId: string,
  lifted: number,
): Promise<void> {
  if (lifted === 0) return;
  await state.docs.update({
    table: state.table,
    key: restoreRecordKey(jobId),
    update: { expression: 'ADD tombstonesLifted :n', values: { ':n': lifted } },
  });
}

/**
 * Marks the restore finished, with its event in the outbox and its outbox unit done, and
 * returns the event's detail. Returns undefined when another run finished it first (nothing
 * is written then).
 */
export async function finishRestoreRecord(
  state: StateContext,
  jobId: string,
  summary: Record<string, unknown>,
): Promise<Record<string, unknown> | undefined> {
  const now = state.now().toISOString();
  const detail = { ...summary, restoredAt: now };
  const finished = await transactIf(state.docs, [
    {
      kind: 'update',
      table: state.table,
      key: restoreRecordKey(jobId),
      update: {
        expression: 'SET #status = :restored, restoredAt = :now',
        names: { '#status': 'status' },
        values: { ':restored': 'restored', ':now': now, ':running': 'running' },
      },
      condition: { expression: '#status = :running', names: { '#status': 'status' } },
    },
    {
      kind: 'update',
      table: state.table,
      key: stateKeys.job(jobId),
      update: { expression: 'SET restoredAt = :now', values: { ':now': now } },
    },
    {
      kind: 'put',
      table: state.table,
      item: {
        ...stateKeys.outboxEvent(jobId, 'DeletionRestored'),
        type: 'outbox-event',
        detailType: 'DeletionRestored',
        detail,
        createdAt: now,
        jobId,
        gsi1pk: stateIndex.outbox(),
        gsi1sk: `${now}#${jobId}`,
      },
    },
    {
      kind: 'update',
      table: state.table,
      key: restoreSendKey(jobId),
      update: {
        expression: 'SET #status = :done REMOVE gsi1pk, gsi1sk',
        names: { '#status': 'status' },
        values: { ':done': 'done' },
      },
    },
  ]);
  return finished ? detail : undefined;
}
