// No resurrection after a job has passed: a row whose id is tombstoned, written again by a
// writer that did not use guardedPut, is erased by a follow-up job — unless the job that
// deletes that id still runs and has not reached the row yet, in which case it will. The
// follow-up reuses the id's tombstone (deleted is deleted), is linked to the job it finishes
// (`followUpOf`) and counted on it (`followUps`, `lastFollowUpJobId`), so `status` shows both.
import { randomUUID } from 'node:crypto';
import { TransactionCancelledError } from '../errors.js';
import type { Entity } from '../graph/graph-types.js';
import { countFollowUp, getJob, newJobItem } from '../model/jobs.js';
import { JOB_SCOPE } from '../model/scopes.js';
import { stateKeys } from '../model/state-keys.js';
import type { TombstoneLookup } from '../model/tombstones.js';
import { getUnit, type PlannedUnit, putPlannedUnit } from '../model/units.js';
import type { TransactItem } from '../ports/document-store.js';
import { deadlineDaysOf } from './deadline-of.js';
import { type EngineContext, reachCrashPoint } from './engine-context.js';
import { sendPlanned } from './handle-work-message.js';
import type { DeletionRequested } from './request-deletion.js';
import { type CascadeMessage, encodeWorkMessage, unitIdOf } from './work-message.js';

/** Who asks for a follow-up (the job's `requester`): the stream consumer saw the row again. */
export const FOLLOW_UP_REQUESTER = 'row-after-tombstone';

/** The follow-up's requester when `lethe verify --erase` asks for it (erase-findings.ts). */
export const VERIFY_FOLLOW_UP_REQUESTER = 'verify-findings';

const MAX_ATTEMPTS = 10;

/**
 * Whether `jobId` will still read the entity's own row: it runs, and the unit that erases the
 * row (the entity's finalize) has neither pinned what it erases nor settled.
 */
async function stillAhead(
  context: EngineContext,
  jobId: string,
  entity: string,
  id: string,
): Promise<boolean> {
  const job = await getJob(context.state, jobId);
  if (job?.status !== 'running') return false;
  const unitId = unitIdOf({ v: 1, jobId, type: 'finalize', entity, id });
  const unit = await getUnit(context.state, jobId, unitId);
  if (unit && unit.status !== 'planned' && unit.status !== 'waiting') return false;
  const intent = await context.docs.get(context.state.table, stateKeys.intent(jobId, unitId), true);
  return intent === undefined;
}

/**
 * Makes sure a row of `entity` with the tombstoned `id`, seen after it was written, is erased
 * (or, with `requester` `verify-findings`, what re-discovery found under that entity):
 * returns the job that will do it — the deleting job (or its latest follow-up) when it has not
 * reached the row yet, else a new follow-up job (`created: true`). Concurrent callers for one
 * id start one follow-up: the latest is kept per id on the deleting job, by compare-and-set.
 */
export async function requestFollowUp(
  context: EngineContext,
  entity: Entity,
  id: string,
  tombstone: TombstoneLookup,
  requester: string = FOLLOW_UP_REQUESTER,
): Promise<DeletionRequested> {
  const { state } = context;
  const origin = tombstone.jobId;
  const markerKey = stateKeys.followUp(origin, entity.name, id);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const marker = await context.docs.get(state.table, markerKey, true);
    const latest = typeof marker?.latestJobId === 'string' ? marker.latestJobId : undefined;
    const current = latest ?? origin;
    if (await stillAhead(context, current, entity.name, id)) {
      return { jobId: current, created: false, shard: tombstone.shard, seq: tombstone.seq };
    }
    const jobId = randomUUID();
    const message: CascadeMessage = { v: 1, jobId, type: 'cascade', entity: entity.name, id };
    const root: PlannedUnit = {
      unitId: unitIdOf(message),
      message,
      body: encodeWorkMessage(message),
      scope: JOB_SCOPE,
    };
    const originExists = (await getJob(state, origin)) !== undefined;
    // The tombstone must still be there: once it expired, the id may be written again.
    const tombstoneStays: TransactItem = {
      kind: 'check',
      table: state.table,
      key: stateKeys.tombstoneLookup(entity.name, id),
      condition: { expression: 'attribute_exists(pk)' },
    };
    const items: TransactItem[] = [
      {
        kind: 'put',
        table: state.table,
        item: newJobItem(
          {
            jobId,
            entity: entity.name,
            id,
            shard: tombstone.shard,
            seq: tombstone.seq,
            requester,
            requestId: origin,
            followUpOf: origin,
            deadlineDays: deadlineDaysOf(entity, context.settings),
            planned: 1,
          },
          state.now(),
        ),
        condition: { expression: 'attribute_not_exists(pk)' },
      },
      putPlannedUnit(state, jobId, root),
      {
        kind: 'update',
        table: state.table,
        key: markerKey,
        update: {
          expression:
            'SET latestJobId = :job, #type = :type, #entity = :entity, #id = :id ADD #count :one',
          names: { '#type': 'type', '#entity': 'entity', '#id': 'id', '#count': 'count' },
          values: {
            ':job': jobId,
            ':type': 'follow-up',
            ':entity': entity.name,
            ':id': id,
            ':one': 1,
            ...(latest === undefined ? {} : { ':latest': latest }),
          },
        },
        // Compare-and-set on the latest follow-up: a caller that won first makes us re-read.
        condition: {
          expression:
            latest === undefined ? 'attribute_not_exists(latestJobId)' : 'latestJobId = :latest',
        },
      },
      ...(originExists ? [countFollowUp(state, origin, jobId)] : []),
      tombstoneStays,
    ];
    try {
      await context.docs.transact(items);
    } catch (error) {
      if (!(error instanceof TransactionCancelledError)) throw error;
      if (error.reasons[items.indexOf(tombstoneStays)] === 'ConditionalCheckFailed') {
        return { jobId: current, created: false, shard: tombstone.shard, seq: tombstone.seq };
      }
      continue;
    }
    reachCrashPoint(context, 'after-tombstone', root.unitId);
    await sendPlanned(context, [root]);
    return { jobId, created: true, shard: tombstone.shard, seq: tombstone.seq };
  }
  throw new TransactionCancelledError(['TooManyConflicts']);
}
