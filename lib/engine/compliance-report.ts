// The compliance report: every deletion requested in a period, read by the jobs' time index
// (gsi1: JOBS#<status> sorted by `createdAt#jobId`) — never a Scan — one page at a time, so a
// period of millions of jobs streams through in constant memory. Totals need a pass of their
// own (they come first in the output), so a report reads the index twice.
import { createHash } from 'node:crypto';
import { totalOf } from '../model/counters.js';
import { type DeadlineVerdict, deadlineVerdict } from '../model/deadline-verdict.js';
import { type Job, jobFromItem } from '../model/jobs.js';
import type { StateContext } from '../model/state-context.js';
import { stateIndex } from '../model/state-keys.js';
import type { Item, Key } from '../ports/document-store.js';

/** The period of a report: jobs requested at or after `since` and before `until`. */
export interface ReportPeriod {
  readonly since: Date;
  /** @default now */
  readonly until?: Date | undefined;
  /** Print the SHA-256 (hex) of each id instead of the id. */
  readonly hideIds?: boolean | undefined;
  /** Jobs read per index page. @default 500 */
  readonly pageSize?: number | undefined;
}

/** One deletion of the report (`--json` shape, version 1). */
export interface ReportDeletion {
  readonly jobId: string;
  readonly entity: string;
  /** The id, or absent with `hideIds`. */
  readonly id?: string;
  /** SHA-256 of the id (hex), with `hideIds`. */
  readonly idSha256?: string;
  readonly requester?: string;
  readonly requestedAt: string;
  readonly completedAt?: string;
  readonly status: Job['status'];
  readonly outcome?: Job['outcome'];
  readonly deadlineAt?: string;
  /** Met, missed, held (a legal hold: lawful) or open (running, in time); absent for jobs without a deadline. */
  readonly deadline?: DeadlineVerdict;
  readonly counts: {
    readonly rowsDeleted: number;
    readonly rowsNulled: number;
    readonly objectsDeleted: number;
    readonly failedUnits: number;
  };
  readonly receiptRoot?: string;
  readonly verification?: { readonly verifiedAt: string; readonly findings: number };
  readonly followUpOf?: string;
  readonly replayOf?: string;
  /** When `lethe restore` put this deletion back: its items exist again, on purpose. */
  readonly restoredAt?: string;
}

/** The totals at the top of a report. */
export interface ReportTotals {
  readonly requests: number;
  readonly completed: number;
  readonly completedWithinDeadline: number;
  readonly held: number;
  readonly missed: number;
  /** Running and still inside their deadline. */
  readonly open: number;
  /** Verified by `lethe verify` with no findings. */
  readonly verified: number;
  /** Jobs written before deadlines existed. */
  readonly withoutDeadline: number;
}

/** Job statuses the time index holds a job under: collected jobs move to `expiring`. */
const INDEXED_STATUSES = ['running', 'completed', 'expiring'] as const;

/** The row of one job, as of `now`. */
export function reportDeletion(job: Job, now: Date, hideIds = false): ReportDeletion {
  const verdict = deadlineVerdict(job, now);
  return {
    jobId: job.jobId,
    entity: job.entity,
    ...(hideIds
      ? { idSha256: createHash('sha256').update(job.id, 'utf8').digest('hex') }
      : { id: job.id }),
    ...(job.requester !== undefined ? { requester: job.requester } : {}),
    requestedAt: job.createdAt,
    ...(job.completedAt !== undefined ? { completedAt: job.completedAt } : {}),
    status: job.status,
    ...(job.outcome !== undefined ? { outcome: job.outcome } : {}),
    ...(job.deadlineAt !== undefined ? { deadlineAt: job.deadlineAt } : {}),
    ...(verdict !== undefined
      ? { deadline: verdict.reason === undefined ? { status: verdict.status } : verdict }
      : {}),
    counts: {
      rowsDeleted: totalOf(job.counts, 'rowsDeleted'),
      rowsNulled: totalOf(job.counts, 'rowsNulled'),
      objectsDeleted: totalOf(job.counts, 'objectsDeleted'),
      failedUnits: job.failed,
    },
    ...(job.receipt !== undefined ? { receiptRoot: job.receipt.root } : {}),
    ...(job.verification !== undefined ? { verification: job.verification } : {}),
    ...(job.restoredAt !== undefined ? { restoredAt: job.restoredAt } : {}),
    ...(job.followUpOf !== undefined ? { followUpOf: job.followUpOf } : {}),
    ...(job.replayOf !== undefined ? { replayOf: job.replayOf } : {}),
  };
}

/** Jobs of one index partition requested in the period, oldest first, a page at a time. */
async function* jobsIn(
  state: StateContext,
  status: string,
  from: string,
  to: string,
  pageSize: number,
): AsyncGenerator<Item> {
  let startKey: Key | undefined;
  do {
    const page = await state.docs.query({
      table: state.table,
      index: stateIndex.name,
      keyCondition: {
        expression: 'gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to',
        values: { ':pk': stateIndex.jobsByStatus(status), ':from': from, ':to': to },
      },
      limit: pageSize,
      startKey,
    });
    yield* page.items;
    startKey = page.lastKey;
  } while (startKey);
}

/** Merges sorted streams by `gsi1sk`, holding one item of each. */
async function* mergeByTime(streams: AsyncGenerator<Item>[]): AsyncGenerator<Item> {
  const heads = await Promise.all(streams.map((s) => s.next()));
  for (;;) {
    let pick = -1;
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i];
      if (head === undefined || head.done) continue;
      const best = pick >= 0 ? heads[pick] : undefined;
      if (best === undefined || best.done || String(head.value.gsi1sk) < String(best.value.gsi1sk))
        pick = i;
    }
    const chosen = heads[pick];
    const stream = streams[pick];
    if (chosen === undefined || chosen.done || stream === undefined) return;
    yield chosen.value;
    heads[pick] = await stream.next();
  }
}

/**
 * Every job requested in the period, oldest first, read page by page from the time index.
 * A job that moves between statuses while the report reads may be seen twice or not at all;
 * the report says what the index held as it read.
 */
export async function* reportJobs(state: StateContext, period: ReportPeriod): AsyncGenerator<Job> {
  const from = period.since.toISOString();
  // `<until>#<jobId>` sorts after `<until>`: a job requested at `until` itself is left out.
  const to = (period.until ?? state.now()).toISOString();
  const pageSize = period.pageSize ?? 500;
  let previous: string | undefined;
  for await (const item of mergeByTime(
    INDEXED_STATUSES.map((status) => jobsIn(state, status, from, to, pageSize)),
  )) {
    // A job seen under two statuses (it completed while we read) is reported once: its two
    // copies share `createdAt#jobId`, so the merge yields them one after the other.
    const key = String(item.gsi1sk);
    if (key === previous) continue;
    previous = key;
    yield jobFromItem(item);
  }
}

/** Adds one deletion to running totals. */
export function addToTotals(totals: ReportTotals, row: ReportDeletion): ReportTotals {
  const status = row.deadline?.status;
  return {
    requests: totals.requests + 1,
    completed: totals.completed + (row.status === 'completed' ? 1 : 0),
    completedWithinDeadline: totals.completedWithinDeadline + (status === 'met' ? 1 : 0),
    held: totals.held + (status === 'held' ? 1 : 0),
    missed: totals.missed + (status === 'missed' ? 1 : 0),
    open: totals.open + (status === 'open' ? 1 : 0),
    verified:
      totals.verified + (row.verification !== undefined && row.verification.findings === 0 ? 1 : 0),
    withoutDeadline: totals.withoutDeadline + (row.deadline === undefined ? 1 : 0),
  };
}

export const EMPTY_TOTALS: ReportTotals = {
  requests: 0,
  completed: 0,
  completedWithinDeadline: 0,
  held: 0,
  missed: 0,
  open: 0,
  verified: 0,
  withoutDeadline: 0,
};

/** The totals of a period: one pass over the time index. */
export async function reportTotals(
  state: StateContext,
  period: ReportPeriod,
  now = state.now(),
): Promise<ReportTotals> {
  let totals = EMPTY_TOTALS;
  for await (const job of reportJobs(state, period))
    totals = addToTotals(totals, reportDeletion(job, now));
  return totals;
}

/** The deletions of a period, oldest first: a second pass, streamed. */
export async function* reportDeletions(
  state: StateContext,
  period: ReportPeriod,
  now = state.now(),
): AsyncGenerator<ReportDeletion> {
  for await (const job of reportJobs(state, period))
    yield reportDeletion(job, now, period.hideIds === true);
}
