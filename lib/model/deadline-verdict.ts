// Whether a job keeps its deadline: met (completed in time), missed, held (past it because a
// legal hold kept a unit waiting — a lawful reason, not a failure) or open (running, in time).
// Pure: the completion fixes the verdict on the job, the report and status compute it the same
// way for jobs still running.

/** A job's deadline verdict; `reason` says why a deadline was missed or held. */
export interface DeadlineVerdict {
  readonly status: 'met' | 'missed' | 'held' | 'open';
  readonly reason?: string | undefined;
}

/** What the verdict reads of a job (a subset of `Job`, so old records without deadlines pass). */
export interface DeadlineFacts {
  readonly status: string;
  readonly createdAt: string;
  readonly completedAt?: string | undefined;
  readonly deadlineAt?: string | undefined;
  readonly deadlineStatus?: DeadlineVerdict['status'] | undefined;
  readonly deadlineReason?: string | undefined;
  readonly lastHoldReason?: string | undefined;
  readonly deadlineMissedReason?: string | undefined;
  readonly deadlineRiskReason?: string | undefined;
  readonly waitReason?: string | undefined;
  readonly planned?: number;
  readonly settled?: number;
}

/** How a reason names a legal hold: the one lawful reason to miss a deadline. */
export const HOLD_PREFIX = 'legal hold: ';

/** Share of its deadline a job may use before the sweeper calls it at risk. */
export const DEADLINE_RISK_FRACTION = 0.8;

/**
 * The verdict at `now` (for a completed job: at its completion), or undefined for a job
 * without a deadline. A verdict fixed at completion is returned as recorded.
 */
export function deadlineVerdict(job: DeadlineFacts, now: Date): DeadlineVerdict | undefined {
  if (job.deadlineAt === undefined) return undefined;
  if (job.deadlineStatus !== undefined && job.deadlineStatus !== 'open')
    return { status: job.deadlineStatus, reason: job.deadlineReason };
  const finishedAt = job.completedAt !== undefined ? Date.parse(job.completedAt) : now.getTime();
  if (finishedAt <= Date.parse(job.deadlineAt))
    return { status: job.completedAt !== undefined ? 'met' : 'open' };
  // The sweeper's mark says what kept the job when the deadline passed; without one (no sweep
  // ran in between), a hold the job waited on at all is taken as the reason.
  if (job.deadlineMissedReason !== undefined)
    return {
      status: job.deadlineMissedReason.startsWith(HOLD_PREFIX) ? 'held' : 'missed',
      reason: job.deadlineMissedReason,
    };
  if (job.lastHoldReason !== undefined)
    return { status: 'held', reason: `${HOLD_PREFIX}${job.lastHoldReason}` };
  const why =
    job.deadlineRiskReason ??
    job.waitReason ??
    (job.completedAt !== undefined ? 'completed after its deadline' : 'still running');
  return { status: 'missed', reason: why };
}

/** When a job becomes at risk: `DEADLINE_RISK_FRACTION` of the way from request to deadline. */
export function deadlineRiskAt(createdAt: string, deadlineAt: string): Date {
  const from = Date.parse(createdAt);
  return new Date(from + (Date.parse(deadlineAt) - from) * DEADLINE_RISK_FRACTION);
}
