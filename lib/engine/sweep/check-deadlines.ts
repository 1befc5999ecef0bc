// Deadlines: a running job past 80% of its deadline gets one DeletionDeadlineAtRisk event,
// naming what keeps its waiting units (the hold, or the guard); a running job past its
// deadline is marked missed once, with the reason, and whether a legal hold made it lawful.
// Each mark is a conditional write (set once per job), the event goes in the same transaction
// as its mark, through the outbox, so a crash never sends it twice or loses it.
import { ConditionFailedError, TransactionCancelledError } from '../../errors.js';
import { deadlineRiskAt, HOLD_PREFIX } from '../../model/deadline-verdict.js';
import { type Job, jobFromItem } from '../../model/jobs.js';
import { stateIndex, stateKeys } from '../../model/state-keys.js';
import type { Key, TransactItem } from '../../ports/document-store.js';
import { hasBudget, type SweepContext } from './sweep-context.js';

/** What one pass found: jobs newly at risk and newly past their deadline. */
export interface DeadlineReport {
  readonly atRisk: number;
  readonly missed: number;
}

const PAGE = 100;
/** Index pages of running jobs one run reads: bounds a run's reads when thousands run at once. */
const MAX_PAGES = 20;

/** Why the job is not finished: the hold or guard its units wait on, else its progress. */
export function riskReason(job: Job): string {
  if (job.held > 0 && job.waitReason !== undefined)
    return `${job.held} unit(s) held: ${job.waitReason}`;
  if (job.waiting > 0 && job.waitReason !== undefined)
    return `${job.waiting} unit(s) waiting: ${job.waitReason}`;
  return `running: ${job.settled} of ${job.planned} units settled`;
}

export async function checkDeadlines(sweep: SweepContext): Promise<DeadlineReport> {
  const { engine } = sweep;
  const report = { atRisk: 0, missed: 0 };
  let startKey: Key | undefined;
  let pages = 0;
  do {
    const page = await engine.docs.query({
      table: engine.state.table,
      index: stateIndex.name,
      keyCondition: {
        expression: 'gsi1pk = :pk',
        values: { ':pk': stateIndex.jobsByStatus('running') },
      },
      // Only jobs with a mark due come back: the others cost read capacity, not the budget.
      filter: {
        expression:
          '(deadlineRiskAt <= :now AND attribute_not_exists(deadlineAtRiskAt)) OR (deadlineAt < :now AND attribute_not_exists(deadlineMissedAt))',
        values: { ':now': sweep.now.toISOString() },
      },
      limit: PAGE,
      startKey,
    });
    for (const item of page.items) {
      if (!hasBudget(sweep)) return report;
      const job = jobFromItem(item);
      if (job.deadlineAt === undefined) continue;
      const now = sweep.now.getTime();
      if (
        job.deadlineAtRiskAt === undefined &&
        now >= deadlineRiskAt(job.createdAt, job.deadlineAt).getTime()
      ) {
        if (await markAtRisk(sweep, job)) report.atRisk++;
      }
      if (job.deadlineMissedAt === undefined && now > Date.parse(job.deadlineAt)) {
        if (await markMissed(sweep, job)) report.missed++;
      }
    }
    startKey = page.lastKey;
    pages++;
  } while (startKey && pages < MAX_PAGES && hasBudget(sweep));
  return report;
}

async function markAtRisk(sweep: SweepContext, job: Job): Promise<boolean> {
  const { engine } = sweep;
  const at = sweep.now.toISOString();
  const reason = riskReason(job);
  const event: TransactItem = {
    kind: 'put',
    table: engine.state.table,
    item: {
      ...stateKeys.outboxEvent(job.jobId, 'DeletionDeadlineAtRisk'),
      type: 'outbox-event',
      jobId: job.jobId,
      detailType: 'DeletionDeadlineAtRisk',
      detail: {
        jobId: job.jobId,
        entity: job.entity,
        id: job.id,
        requestedAt: job.createdAt,
        deadlineAt: job.deadlineAt,
        planned: job.planned,
        settled: job.settled,
        waiting: job.waiting,
        held: job.held,
        reason,
        ...(job.held > 0 && job.waitReason !== undefined ? { heldBy: job.waitReason } : {}),
      },
      createdAt: at,
      gsi1pk: stateIndex.outbox(),
      gsi1sk: `${at}#${job.jobId}`,
    },
  };
  return markOnce(sweep, job, 'deadlineAtRiskAt', 'deadlineRiskReason', reason, [event]);
}

async function markMissed(sweep: SweepContext, job: Job): Promise<boolean> {
  const held = job.held > 0 && job.waitReason !== undefined;
  const reason = held ? `${HOLD_PREFIX}${job.waitReason}` : riskReason(job);
  return markOnce(sweep, job, 'deadlineMissedAt', 'deadlineMissedReason', reason, []);
}

/** Sets a mark and its reason on a running job that lacks it; false when it is there already. */
async function markOnce(
  sweep: SweepContext,
  job: Job,
  attribute: 'deadlineAtRiskAt' | 'deadlineMissedAt',
  reasonAttribute: 'deadlineRiskReason' | 'deadlineMissedReason',
  reason: string,
  alongside: readonly TransactItem[],
): Promise<boolean> {
  const { engine } = sweep;
  const mark: TransactItem = {
    kind: 'update',
    table: engine.state.table,
    key: stateKeys.job(job.jobId),
    update: {
      expression: `SET ${attribute} = :now, ${reasonAttribute} = :reason`,
      values: { ':now': sweep.now.toISOString(), ':reason': reason.slice(0, 1000) },
    },
    condition: {
      expression: `attribute_not_exists(${attribute}) AND #status = :running`,
      names: { '#status': 'status' },
      values: { ':running': 'running' },
    },
  };
  try {
    await engine.docs.transact([mark, ...alongside]);
    return true;
  } catch (error) {
    if (error instanceof ConditionFailedError) return false;
    // Marked already, completed meanwhile, or a worker's settle won the job item: the next
    // run looks again — a busy job must not end the sweep.
    if (error instanceof TransactionCancelledError) return false;
    throw error;
  }
}
