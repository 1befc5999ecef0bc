// Issue #21's small-job targets, judged from the small-jobs records of one run: every lethe run
// against the inline cascade at the same size, arrival and added latency. Targets are not
// tests: a missed one is reported with its number.
import type { SmallJobsRecord } from '../bench-results.js';
import type { TargetRow } from '../targets.js';

const MIN_JOBS_PER_SECOND_SHARE = 0.5;
const MAX_P99_TIMES_INLINE = 3;
const MAX_QUEUE_HOPS = 3;
const MAX_REQUESTS_TIMES_INLINE = 2;
const MAX_REQUESTS_OVER_INLINE = 10;

/** The target labels, for the report's explanations of misses. */
export const SMALL_JOBS_TARGET = {
  jobsPerSecond: `small jobs/s ≥ ${MIN_JOBS_PER_SECOND_SHARE * 100}% of the inline cascade`,
  p99: `small-job p99 ≤ ${MAX_P99_TIMES_INLINE}× the inline cascade's p99`,
  hops: `small job ≤ ${MAX_QUEUE_HOPS} sequential queue hops`,
  requests: `small-job requests ≤ ${MAX_REQUESTS_TIMES_INLINE}× the inline cascade's + ${MAX_REQUESTS_OVER_INLINE}`,
} as const;

export function smallJobsWhere(run: SmallJobsRecord): string {
  const arrival = run.arrival === 'burst' ? 'all at once' : `${run.arrivalPerSecond}/s`;
  return `${run.n.toLocaleString('en-US')} jobs, ${arrival}, +${run.latencyMs} ms`;
}

const ok = (run: SmallJobsRecord | undefined): run is SmallJobsRecord => run?.status === 'ok';

function judge(target: string, where: string, measured: string, met: boolean): TargetRow {
  return { target, where, measured, verdict: met ? 'met' : 'missed' };
}

function notMeasured(target: string, where: string, reason?: string): TargetRow {
  return {
    target,
    where,
    measured: '—',
    verdict: 'not measured',
    ...(reason === undefined ? {} : { reason }),
  };
}

/** Which of the two runs a target compares failed, and why; undefined when neither did. */
function failureOf(
  lethe: SmallJobsRecord,
  inline: SmallJobsRecord | undefined,
): string | undefined {
  if (lethe.status !== 'ok') {
    return `the lethe run ${lethe.status}: ${lethe.reason ?? 'no reason recorded'}`;
  }
  if (inline && inline.status !== 'ok') {
    return `the inline cascade's run ${inline.status}: ${inline.reason ?? 'no reason recorded'}`;
  }
  return inline ? undefined : 'the inline cascade did not run at this size and latency';
}

/** One row per target and lethe run it applies to (jobs/s: all-at-once runs only). */
export function evaluateSmallJobsTargets(records: readonly SmallJobsRecord[]): TargetRow[] {
  const rows: TargetRow[] = [];
  for (const lethe of records.filter((run) => run.role === 'lethe')) {
    const where = smallJobsWhere(lethe);
    const inline = records.find(
      (run) =>
        run.role === 'baseline' &&
        run.n === lethe.n &&
        run.arrival === lethe.arrival &&
        run.latencyMs === lethe.latencyMs,
    );
    const compared = ok(lethe) && ok(inline);
    const failure = failureOf(lethe, inline);
    if (lethe.arrival === 'burst') {
      const ratio =
        compared && lethe.jobsPerSecond !== undefined && inline.jobsPerSecond !== undefined
          ? lethe.jobsPerSecond / inline.jobsPerSecond
          : undefined;
      rows.push(
        ratio === undefined || !compared
          ? notMeasured(SMALL_JOBS_TARGET.jobsPerSecond, where, failure)
          : judge(
              SMALL_JOBS_TARGET.jobsPerSecond,
              where,
              `${Math.round(ratio * 100)}% (${lethe.jobsPerSecond?.toFixed(1)} vs ${inline.jobsPerSecond?.toFixed(1)} jobs/s)`,
              ratio >= MIN_JOBS_PER_SECOND_SHARE,
            ),
      );
    }
    const p99 = lethe.jobLatencyMs?.p99;
    const inlineP99 = inline?.jobLatencyMs?.p99;
    rows.push(
      !compared || p99 === undefined || inlineP99 === undefined || inlineP99 <= 0
        ? notMeasured(SMALL_JOBS_TARGET.p99, where, failure)
        : judge(
            SMALL_JOBS_TARGET.p99,
            where,
            `${(p99 / inlineP99).toFixed(1)}× (${Math.round(p99)} vs ${Math.round(inlineP99)} ms)`,
            p99 <= MAX_P99_TIMES_INLINE * inlineP99,
          ),
    );
    const hops = lethe.queueHops?.max;
    rows.push(
      !ok(lethe) || hops === undefined
        ? notMeasured(SMALL_JOBS_TARGET.hops, where, failure)
        : judge(
            SMALL_JOBS_TARGET.hops,
            where,
            `${hops} (median ${lethe.queueHops?.median})`,
            hops <= MAX_QUEUE_HOPS,
          ),
    );
    const requests = lethe.requestsPerJob;
    const inlineRequests = inline?.requestsPerJob;
    if (!compared || requests === undefined || inlineRequests === undefined) {
      rows.push(notMeasured(SMALL_JOBS_TARGET.requests, where, failure));
    } else {
      const limit = MAX_REQUESTS_TIMES_INLINE * inlineRequests + MAX_REQUESTS_OVER_INLINE;
      rows.push(
        judge(
          SMALL_JOBS_TARGET.requests,
          where,
          `${requests.toFixed(1)} (limit ${limit.toFixed(1)}; inline ${inlineRequests.toFixed(1)})`,
          requests <= limit,
        ),
      );
    }
  }
  return rows;
}
