// The sweeper's share of re-discovery: `verifyAfterMinutes` after a job completed, verify it
// once and record the outcome. Once even under concurrent or crashed runs: the walk only
// reads, and the record is a conditional write (no verification yet), so a run that crashed
// before recording is simply repeated and a second run that lost the race records nothing.
import { stateIndex } from '../../model/state-keys.js';
import { JobRestoredError } from '../../model/verification.js';
import type { Key } from '../../ports/document-store.js';
import { verifyAndRecord } from '../verify-deletion.js';
import { hasBudget, type SweepContext } from './sweep-context.js';

/** Verifications one run may make: each walks a whole deletion again. */
const VERIFICATIONS_PER_RUN = 2;
/** Completed jobs one run looks at for one that is due. */
const JOBS_LOOKED_AT = 100;

export interface VerifyReport {
  readonly jobsVerified: number;
  /** Findings of the verifications this run recorded (what the alarm watches). */
  readonly findings: number;
  /** Verifications that threw (a store error, a graph that no longer names the entity): tried again next run. */
  readonly failed: number;
}

export async function verifyCompletedJobs(sweep: SweepContext): Promise<VerifyReport> {
  const { engine } = sweep;
  const after = engine.settings.verifyAfterMinutes;
  if (after === 0) return { jobsVerified: 0, findings: 0, failed: 0 };
  const dueBefore = sweep.now.getTime() - after * 60_000;
  let jobsVerified = 0;
  let findings = 0;
  let failed = 0;
  let looked = 0;
  let startKey: Key | undefined;
  do {
    // Completed jobs, oldest first; the collector moves them on once verified.
    const page = await engine.docs.query({
      table: engine.state.table,
      index: stateIndex.name,
      keyCondition: {
        expression: 'gsi1pk = :pk',
        values: { ':pk': stateIndex.jobsByStatus('completed') },
      },
      limit: 25,
      startKey,
    });
    for (const job of page.items) {
      looked++;
      // Restored (its items are back on purpose): nothing to re-discover, ever.
      if (job.verification !== undefined || job.restoredAt !== undefined) continue;
      const completedAt = Date.parse(String(job.completedAt));
      if (!(completedAt <= dueBefore)) continue;
      if (jobsVerified >= VERIFICATIONS_PER_RUN || !hasBudget(sweep))
        return { jobsVerified, findings, failed };
      // The walk reads at its own paced rate (verifyRequestsPerSecond); it counts against
      // the run's budget, which is checked before each job, not inside a walk.
      // One job that cannot be verified must not stop the sweep, nor the jobs behind it.
      const outcome = await verifyAndRecord(engine, String(job.jobId), {
        once: true,
        trigger: 'sweeper',
      }).catch((error: unknown) => (error instanceof JobRestoredError ? null : undefined));
      // Being restored right now: not a failure, and not due.
      if (outcome === null) continue;
      if (outcome === undefined) failed++;
      if (!outcome?.recorded) continue;
      jobsVerified++;
      findings += outcome.verification.findings;
    }
    startKey = page.lastKey;
  } while (startKey && looked < JOBS_LOOKED_AT && hasBudget(sweep));
  return { jobsVerified, findings, failed };
}
