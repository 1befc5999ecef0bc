// Percentiles of per-job latencies, nearest rank: p99 of 1,000 jobs is the 990th fastest, a
// latency some job really had (no interpolation between two jobs).

/** Latency percentiles and maximum of a set of jobs, in milliseconds. */
export interface LatencySummary {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * The nearest-rank percentile `p` (0 < p ≤ 100) of `values` (any order). Throws `RangeError`
 * on an empty list or a `p` outside (0, 100].
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError('percentile of no values');
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[rank - 1] as number;
}

/** p50, p95, p99 and max of `latenciesMs`; throws `RangeError` when it is empty. */
export function summarizeLatencies(latenciesMs: readonly number[]): LatencySummary {
  return {
    p50: percentile(latenciesMs, 50),
    p95: percentile(latenciesMs, 95),
    p99: percentile(latenciesMs, 99),
    max: percentile(latenciesMs, 100),
  };
}
