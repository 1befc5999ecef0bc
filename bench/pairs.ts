// The pairs of lethe and a lethe variant whose ratio is a target, and how often they run.

/**
 * Per suite, the lethe variant whose ratio to lethe is a target (issue 18: receipts cost ≤ 5%;
 * issue 17: the restore log ≤ 10%). The two differ by a few percent, less than what running
 * first costs, so the bench runs each pair several times in alternating order
 * (`BenchResults.pairPasses`).
 */
export const PAIRED_BASELINES = {
  objects: 'lethe-without-receipt-leaves',
  rows: 'lethe-without-restore-log',
} as const;

/**
 * Most passes the row pair runs, whatever `--pair-passes` says: lethe's row run restores what
 * it deleted, minutes at 100,000 rows, and the restore log's target has a 10% margin.
 */
export const ROW_PAIR_PASSES = 2;

/**
 * Whether lethe runs before its variant in pass `pass` (1-based): passes alternate, lethe
 * first in odd passes (A-B, B-A, A-B, …).
 */
export function letheRunsFirst(pass: number): boolean {
  return pass % 2 === 1;
}
