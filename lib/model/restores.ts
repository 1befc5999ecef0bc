// The restore record: one per restored job, beside the job. It says whether a restore ran,
// when it finished, and what it put back, counted once per log entry: the transaction that
// marks an entry restored also adds its outcome here. Finishing is one conditional update
// from `running` to `restored`, written with the DeletionRestored event (outbox) and the
// job's `restoredAt`, so the event is published exactly once.
//
// Item  JOB#<jobId> / RESTORE
//   { type: 'restore', jobId, status: 'running' | 'restored', startedAt, restoredAt?,
//     tombstonesLifted?, restored, conflicts, skipped }
import { TransactionCancelledError } from '../errors.js';
import type { TransactItem } from '../ports/document-store.js';
import type { RestoreOutcome } from './restore-log.js';
import type { StateContext } from './state-context.js';
import { stateIndex, stateKeys } from './state-keys.js';

export interface RestoreRecord {
  readonly jobId: string;
  readonly status: 'running' | 'restored';
  readonly startedAt: string;
  readonly restoredAt?: string | undefined;
  readonly tombstonesLifted: number;
  readonly restored: number;
  readonly conflicts: number;
  readonly skipped: number;
}

export const restoreRecordKey = (jobId: string) => ({ pk: `JOB#${jobId}`, sk: 'RESTORE' });

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
  };
}

/** Starts the record if there is none (a resumed restore keeps its own start). */
export async function startRestoreRecord(state: StateContext, jobId: string): Promise<void> {
  await state.docs.update({
    table: state.table,
    key: restoreRecordKey(jobId),
    update: {
      expression:
        'SET #type = :type, jobId = :job, #status = if_not_exists(#status, :running), startedAt = if_not_exists(startedAt, :now)',
      names: { '#type': 'type', '#status': 'status' },
      values: {
        ':type': 'restore',
        ':job': jobId,
        ':running': 'running',
        ':now': state.now().toISOString(),
      },
    },
  });
}

/** The ADD that counts one log entry's outcome on the record. */
export function countRestoreOutcome(
  state: StateContext,
  jobId: string,
  outcome: RestoreOutcome,
): TransactItem {
  return {
    kind: 'update',
    table: state.table,
    key: restoreRecordKey(jobId),
    update: {
      expression: 'ADD restored :r, conflicts :c, skipped :s',
      values: { ':r': outcome.restored, ':c': outcome.conflicts, ':s': outcome.skipped },
    },
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
 * Marks the restore finished, with its event in the outbox, and returns the event's detail.
 * Returns undefined when another run finished it first (nothing is written then).
 */
export async function finishRestoreRecord(
  state: StateContext,
  jobId: string,
  summary: Record<string, unknown>,
): Promise<Record<string, unknown> | undefined> {
  const now = state.now().toISOString();
  const detail = { ...summary, restoredAt: now };
  try {
    await state.docs.transact([
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
    ]);
    return detail;
  } catch (error) {
    if (error instanceof TransactionCancelledError && error.reasons[0] === 'ConditionalCheckFailed')
      return undefined;
    throw error;
  }
}
