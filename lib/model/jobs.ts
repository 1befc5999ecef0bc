// Jobs: one per root deletion. The job item tracks units planned and settled (done or
// failed); the job completes when they are equal, by one conditional update, and its
// DeletionCompleted event is written as an outbox item in that same transaction.
//
// Item  JOB#<jobId> / JOB
//   { type: 'job', jobId, entity, id, tenantId?, requestId?, requester?, shard, seq,
//     status: 'running' | 'completed', outcome?: 'deleted' | 'blocked' | 'partial',
//     createdAt, updatedAt, completedAt?, planned, settled, failed,
//     waiting (units waiting on guards now), lastWaitReason?,
//     'c|<relation>|<kind>': number… (`held` is a gauge: units waiting on a hold now),
//     followUpOf? (the job whose deletion this one finishes), followUps?, lastFollowUpJobId?,
//     restoredAt? (set when `lethe restore` finished),
//     verification? (verification.ts),
//     replayOf? (the job whose deletion this one replays after a backup restore),
//     deadlineAt?, deadlineDays?, deadlineRiskAt? (set when requested), lastHoldReason? (the latest legal hold a
//     unit waited on), deadlineAtRiskAt?, deadlineRiskReason? (marked once by the sweeper),
//     deadlineMissedAt?, deadlineMissedReason? (marked once by the sweeper while running),
//     deadlineStatus?: 'met' | 'missed' | 'held', deadlineReason? (fixed at completion),
//     receipt?: { root, leafCount, keyId, signedAt } (receipts.ts, once signed),
//     gsi1pk: JOBS#<status>, gsi1sk: <createdAt>#<jobId> }
// Item  JOB#<jobId> / EVENT#DeletionCompleted   { detail, createdAt }   until published
import { ConditionFailedError, TransactionCancelledError } from '../errors.js';
import type { Expression, Item, TransactItem } from '../ports/document-store.js';
import { type Counts, counterAttribute, countsFromItem, totalOf } from './counters.js';
import { type DeadlineVerdict, deadlineRiskAt, deadlineVerdict } from './deadline-verdict.js';
import type { JobReceipt } from './receipts.js';
import type { StateContext } from './state-context.js';
import { stateIndex, stateKeys } from './state-keys.js';
import { type Verification, verificationFromItem } from './verification.js';

export type JobStatus = 'running' | 'completed';
export type JobOutcome = 'deleted' | 'blocked' | 'partial';

export interface Job {
  readonly jobId: string;
  readonly entity: string;
  readonly id: string;
  readonly tenantId?: string | undefined;
  readonly requestId?: string | undefined;
  readonly requester?: string | undefined;
  readonly status: JobStatus;
  readonly outcome?: JobOutcome | undefined;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly completedAt?: string | undefined;
  readonly planned: number;
  readonly settled: number;
  readonly failed: number;
  /** Units waiting on their guards right now (not settled, retried later). */
  readonly waiting: number;
  /** Of those, units waiting on a legal hold: the job shows "held" while this is > 0. */
  readonly held: number;
  /** Why the latest unit to wait is waiting. */
  readonly waitReason?: string | undefined;
  readonly counts: Counts;
  /** The job whose deletion this one finishes: a row it deleted was written again. */
  readonly followUpOf?: string | undefined;
  /** Follow-up jobs started because rows this job deleted were written again. */
  readonly followUps: number;
  readonly lastFollowUpJobId?: string | undefined;
  /** When `lethe restore` finished putting this job's deletion back (restores.ts). */
  readonly restoredAt?: string | undefined;
  /** The latest re-discovery recorded for the job (`lethe verify`, or the sweeper's). */
  readonly verification?: Verification | undefined;
  /** The job whose deletion this one replays (rows restored from a backup came back). */
  readonly replayOf?: string | undefined;
  /** When the deletion must be complete (ISO time); jobs written before deadlines lack it. */
  readonly deadlineAt?: string | undefined;
  /** The deadline in days from the request, as granted. */
  readonly deadlineDays?: number | undefined;
  /** The latest legal hold a unit of the job waited on: a lawful reason to miss the deadline. */
  readonly lastHoldReason?: string | undefined;
  /** When the sweeper found the job past 80% of its deadline, unfinished (once per job). */
  readonly deadlineAtRiskAt?: string | undefined;
  readonly deadlineRiskReason?: string | undefined;
  /** When the sweeper found the job past its deadline, still running (once per job). */
  readonly deadlineMissedAt?: string | undefined;
  readonly deadlineMissedReason?: string | undefined;
  /** Met, missed or held: fixed at completion. */
  readonly deadlineStatus?: DeadlineVerdict['status'] | undefined;
  readonly deadlineReason?: string | undefined;
  /** The signed receipt's summary, once the completed job's receipt is written. */
  readonly receipt?: JobReceipt | undefined;
}

export interface NewJob {
  readonly jobId: string;
  readonly entity: string;
  readonly id: string;
  readonly shard: number;
  readonly seq: number;
  readonly tenantId?: string | undefined;
  readonly requestId?: string | undefined;
  readonly requester?: string | undefined;
  /** Units written with the job (its root cascade). */
  readonly planned: number;
  readonly followUpOf?: string | undefined;
  readonly replayOf?: string | undefined;
  /** Days the deletion may take: the job's `deadlineAt` is its `createdAt` plus these. */
  readonly deadlineDays?: number | undefined;
}

export function newJobItem(job: NewJob, now: Date): Item {
  const createdAt = now.toISOString();
  return {
    ...stateKeys.job(job.jobId),
    type: 'job',
    ...job,
    status: 'running',
    createdAt,
    updatedAt: createdAt,
    settled: 0,
    failed: 0,
    ...(job.deadlineDays === undefined ? {} : deadlineTimes(now, job.deadlineDays)),
    gsi1pk: stateIndex.jobsByStatus('running'),
    gsi1sk: `${createdAt}#${job.jobId}`,
  };
}

/** When the deadline falls, and when the job is at risk (the sweeper filters on it). */
function deadlineTimes(createdAt: Date, days: number) {
  const deadlineAt = new Date(createdAt.getTime() + days * 86_400_000).toISOString();
  return {
    deadlineAt,
    deadlineRiskAt: deadlineRiskAt(createdAt.toISOString(), deadlineAt).toISOString(),
  };
}

export function jobFromItem(item: Item): Job {
  const counts = countsFromItem(item);
  return {
    jobId: String(item.jobId),
    entity: String(item.entity),
    id: String(item.id),
    tenantId: item.tenantId as string | undefined,
    requestId: item.requestId as string | undefined,
    requester: item.requester as string | undefined,
    status: item.status as JobStatus,
    outcome: item.outcome as JobOutcome | undefined,
    createdAt: String(item.createdAt),
    updatedAt: String(item.updatedAt),
    completedAt: item.completedAt as string | undefined,
    planned: Number(item.planned ?? 0),
    settled: Number(item.settled ?? 0),
    failed: Number(item.failed ?? 0),
    waiting: Number(item.waiting ?? 0),
    held: totalOf(counts, 'held'),
    waitReason:
      Number(item.waiting ?? 0) > 0 ? (item.lastWaitReason as string | undefined) : undefined,
    counts,
    followUpOf: item.followUpOf as string | undefined,
    followUps: Number(item.followUps ?? 0),
    lastFollowUpJobId: item.lastFollowUpJobId as string | undefined,
    ...(item.restoredAt === undefined ? {} : { restoredAt: String(item.restoredAt) }),
    verification: verificationFromItem(item),
    replayOf: item.replayOf as string | undefined,
    deadlineAt: item.deadlineAt as string | undefined,
    deadlineDays: item.deadlineDays === undefined ? undefined : Number(item.deadlineDays),
    lastHoldReason: item.lastHoldReason as string | undefined,
    deadlineAtRiskAt: item.deadlineAtRiskAt as string | undefined,
    deadlineRiskReason: item.deadlineRiskReason as string | undefined,
    deadlineMissedAt: item.deadlineMissedAt as string | undefined,
    deadlineMissedReason: item.deadlineMissedReason as string | undefined,
    deadlineStatus: item.deadlineStatus as DeadlineVerdict['status'] | undefined,
    deadlineReason: item.deadlineReason as string | undefined,
    receipt: item.receipt as JobReceipt | undefined,
  };
}

/** Counts a follow-up on the job it finishes, in the transaction that starts the follow-up. */
export function countFollowUp(
  state: StateContext,
  jobId: string,
  followUpJobId: string,
): TransactItem {
  return {
    kind: 'update',
    table: state.table,
    key: stateKeys.job(jobId),
    update: {
      expression: 'ADD followUps :one SET lastFollowUpJobId = :followUp',
      values: { ':one': 1, ':followUp': followUpJobId },
    },
    condition: { expression: 'attribute_exists(pk)' },
  };
}

export async function getJob(state: StateContext, jobId: string): Promise<Job | undefined> {
  const item = await state.docs.get(state.table, stateKeys.job(jobId));
  return item ? jobFromItem(item) : undefined;
}

/** Adds `attribute = :attribute` to an update's SET clauses when `value` is defined. */
function setDefined(
  sets: string[],
  values: Record<string, unknown>,
  attribute: string,
  value: unknown,
): void {
  if (value === undefined) return;
  sets.push(`${attribute} = :${attribute}`);
  values[`:${attribute}`] = value;
}

/**
 * The ADD that settles one unit on the job: units planned and settled, and its counts. A unit
 * that starts or stops waiting moves the `waiting` gauge (and its `held` counter) the same way.
 */
export function settleOnJob(
  state: StateContext,
  jobId: string,
  delta: {
    planned: number;
    settled: number;
    failed: number;
    counts: Counts;
    waiting?: number | undefined;
    waitReason?: string | undefined;
    /** A unit starts waiting on a legal hold: remembered as a lawful reason to miss the deadline. */
    holdReason?: string | undefined;
  },
): TransactItem {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {
    ':planned': delta.planned,
    ':settled': delta.settled,
    ':failed': delta.failed,
    ':now': state.now().toISOString(),
  };
  const adds = ['planned :planned', 'settled :settled', '#failed :failed'];
  names['#failed'] = 'failed';
  if (delta.waiting) {
    adds.push('waiting :waiting');
    values[':waiting'] = delta.waiting;
  }
  const sets = ['updatedAt = :now'];
  setDefined(sets, values, 'lastWaitReason', delta.waitReason);
  setDefined(sets, values, 'lastHoldReason', delta.holdReason);
  let i = 0;
  for (const [relation, byKind] of Object.entries(delta.counts)) {
    for (const [kind, n] of Object.entries(byKind)) {
      if (!n) continue;
      names[`#c${i}`] = counterAttribute(relation, kind as never);
      values[`:c${i}`] = n;
      adds.push(`#c${i} :c${i}`);
      i++;
    }
  }
  const update: Expression = {
    expression: `ADD ${adds.join(', ')} SET ${sets.join(', ')}`,
    names,
    values,
  };
  return { kind: 'update', table: state.table, key: stateKeys.job(jobId), update };
}

export function outcomeOf(job: Job): JobOutcome {
  if (totalOf(job.counts, 'blocked') > 0) return 'blocked';
  // An unreadable manifest, or objects whose keys could not be rendered, leave keys unknown:
  // the deletion is not proven whole.
  if (
    job.failed > 0 ||
    totalOf(job.counts, 'objectsFailed') > 0 ||
    totalOf(job.counts, 'manifestsUnreadable') > 0 ||
    totalOf(job.counts, 'objectsUnlocated') > 0
  )
    return 'partial';
  return 'deleted';
}

/** What the caller that completed a job gets: the event's detail and the job as it now is. */
export interface JobCompletion {
  readonly detail: Record<string, unknown>;
  /** The job read before completing it, with what the completion set. */
  readonly job: Job;
}

/**
 * A job whose units have all settled, read consistently, with what its completion will set:
 * `job` is as it will be once completed (status, outcome, completedAt), `detail` its
 * DeletionCompleted event's. Undefined while a unit is outstanding or once it completed.
 */
export async function settledJob(
  state: StateContext,
  jobId: string,
): Promise<JobCompletion | undefined> {
  const job = await getJob(state, jobId);
  if (job?.status !== 'running' || job.planned !== job.settled) return undefined;
  const now = state.now();
  const completedAt = now.toISOString();
  const outcome = outcomeOf(job);
  const deadline = deadlineVerdict({ ...job, completedAt }, now);
  const detail = {
    jobId,
    entity: job.entity,
    id: job.id,
    tenantId: job.tenantId,
    requestId: job.requestId,
    outcome,
    counts: job.counts,
    totals: {
      rowsDeleted: totalOf(job.counts, 'rowsDeleted'),
      rowsNulled: totalOf(job.counts, 'rowsNulled'),
      objectsDeleted: totalOf(job.counts, 'objectsDeleted'),
      blocked: totalOf(job.counts, 'blocked'),
      failedUnits: job.failed,
    },
    timings: {
      requestedAt: job.createdAt,
      completedAt,
      durationMs: now.getTime() - Date.parse(job.createdAt),
    },
    ...(deadline ? { deadline: { deadlineAt: job.deadlineAt, ...deadline } } : {}),
  };
  return {
    detail,
    job: {
      ...job,
      status: 'completed',
      outcome,
      completedAt,
      updatedAt: completedAt,
      ...(deadline ? { deadlineStatus: deadline.status, deadlineReason: deadline.reason } : {}),
    },
  };
}

/**
 * Completes a job `settledJob` found settled, in one transaction conditional on it still
 * being running with those counts: the job's status, outcome and deadline verdict, its
 * DeletionCompleted event as an outbox item, and `sealed` when given — the receipt summary
 * the job keeps and the items that store the receipt. True for the one caller that wins;
 * false when the condition failed (another caller completed it, or a unit was planned since).
 * A write DynamoDB cancelled for contention or throttling throws (retryable), so the caller's
 * message comes back and tries again — returning quietly there would leave the job running
 * with nothing left to run.
 */
export async function completeSettledJob(
  state: StateContext,
  completion: JobCompletion,
  sealed?: { readonly receipt: JobReceipt; readonly items: readonly TransactItem[] },
): Promise<boolean> {
  const { job, detail } = completion;
  const completedAt = job.completedAt ?? job.updatedAt;
  const sets = [
    '#status = :completed',
    'outcome = :outcome',
    'completedAt = :now',
    'updatedAt = :now',
    'gsi1pk = :gsi',
  ];
  const values: Record<string, unknown> = {
    ':completed': 'completed',
    ':outcome': job.outcome,
    ':now': completedAt,
    ':gsi': stateIndex.jobsByStatus('completed'),
  };
  setDefined(sets, values, 'deadlineStatus', job.deadlineStatus);
  setDefined(sets, values, 'deadlineReason', job.deadlineReason);
  setDefined(sets, values, 'receipt', sealed?.receipt);
  try {
    await state.docs.transact([
      {
        kind: 'update',
        table: state.table,
        key: stateKeys.job(job.jobId),
        update: { expression: `SET ${sets.join(', ')}`, names: { '#status': 'status' }, values },
        condition: {
          expression: '#status = :running AND planned = :planned AND settled = :planned',
          names: { '#status': 'status' },
          values: { ':running': 'running', ':planned': job.planned },
        },
      },
      {
        kind: 'put',
        table: state.table,
        item: {
          ...stateKeys.outboxEvent(job.jobId, 'DeletionCompleted'),
          type: 'outbox-event',
          detailType: 'DeletionCompleted',
          detail,
          createdAt: completedAt,
          jobId: job.jobId,
          gsi1pk: stateIndex.outbox(),
          gsi1sk: `${completedAt}#${job.jobId}`,
        },
      },
      ...(sealed?.items ?? []),
    ]);
    return true;
  } catch (error) {
    if (error instanceof TransactionCancelledError && error.retryable) throw error;
    if (error instanceof TransactionCancelledError || error instanceof ConditionFailedError)
      return false;
    throw error;
  }
}
