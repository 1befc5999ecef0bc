// One sweeper run: what events miss, the sweeper finds. Watermarks over tombstones, lost
// and stale units, interrupted intents, stalled jobs, the outbox, retention policies and
// garbage collection — each bounded, all together within the run's read budget, so a run's
// cost does not grow with the size of the tables. Paused, it does nothing.
import { readPause } from '../../model/control.js';
import { recordSweep } from '../../model/sweep-record.js';
import type { EngineContext } from '../engine-context.js';
import { applyRetention } from './apply-retention.js';
import { checkDeadlines } from './check-deadlines.js';
import { collectGarbage } from './collect-garbage.js';
import { detectStalledJobs } from './detect-stalls.js';
import { publishOutbox } from './publish-outbox.js';
import { finishStaleIntents, resendStaleUnits } from './recover-pending.js';
import { hasBudget, meteredDocuments, type SweepContext } from './sweep-context.js';
import { type ShardReport, sweepShard } from './sweep-tombstones.js';
import { verifyCompletedJobs } from './verify-completed.js';

export interface SweepOptions {
  /** Watermarks are kept per sweeper name. */
  readonly sweeper?: string;
  readonly budget?: number;
  readonly now?: Date;
  /**
   * Real time after which the run starts no new work and reports `more`: a Lambda passes a
   * point well inside its timeout, so a slow sweep ends on its own instead of being killed.
   */
  readonly deadline?: Date;
}

export interface SweepReport {
  readonly paused: boolean;
  readonly shards: readonly ShardReport[];
  /** Highest sequence minus watermark, summed over shards. */
  readonly lag: number;
  readonly oldestPendingTombstoneAgeSeconds: number;
  readonly unitsResent: number;
  readonly intentsFinished: number;
  readonly jobsRedispatched: number;
  readonly jobsStalled: number;
  /** Running jobs found with every unit settled and completed (their completion write was lost). */
  readonly jobsCompleted: number;
  /** Running jobs found past 80% of their deadline this run: one DeletionDeadlineAtRisk each. */
  readonly deadlinesAtRisk: number;
  /** Running jobs found past their deadline this run (marked missed, or held by a legal hold). */
  readonly deadlinesMissed: number;
  readonly eventsPublished: number;
  /**
   * Messages and events this run could not send (the queue or the event bus refused): none
   * of them counts as sent, dispatched or published; the next run tries again.
   */
  readonly sendsFailed: number;
  readonly retentionRequested: number;
  readonly jobsCollected: number;
  /** Completed jobs this run re-discovered and recorded a verification for (`verifyAfterMinutes`). */
  readonly jobsVerified: number;
  /** Findings of those verifications: things the jobs should have erased, still present. */
  readonly verificationFindings: number;
  /** Verifications that failed this run (retried next run); the sweeper logs them. */
  readonly verificationsFailed: number;
  readonly itemsRead: number;
  /** True when the run stopped at its budget or a batch limit: run again soon. */
  readonly more: boolean;
}

export async function sweep(
  context: EngineContext,
  options: SweepOptions = {},
): Promise<SweepReport> {
  const meter = { itemsRead: 0, budget: options.budget ?? context.settings.sweepBudget };
  const docs = meteredDocuments(context.docs, meter);
  const engine: EngineContext = { ...context, docs, state: { ...context.state, docs } };
  const pause = await readPause(engine.state);
  const run: SweepContext = {
    engine,
    meter,
    now: options.now ?? context.state.now(),
    sweeper: options.sweeper ?? 'main',
    ...(!pause.paused && pause.updatedAt ? { resumedAt: pause.updatedAt } : {}),
    ...(options.deadline ? { deadline: options.deadline.getTime() } : {}),
    sends: { failed: 0 },
  };
  const empty = {
    shards: [],
    lag: 0,
    oldestPendingTombstoneAgeSeconds: 0,
    unitsResent: 0,
    intentsFinished: 0,
    jobsRedispatched: 0,
    jobsStalled: 0,
    jobsCompleted: 0,
    deadlinesAtRisk: 0,
    deadlinesMissed: 0,
    eventsPublished: 0,
    sendsFailed: 0,
    retentionRequested: 0,
    jobsCollected: 0,
    jobsVerified: 0,
    verificationFindings: 0,
    verificationsFailed: 0,
  };
  if (pause.paused)
    return noted(run, { paused: true, ...empty, itemsRead: meter.itemsRead, more: false });

  const shards: ShardReport[] = [];
  for (let shard = 0; shard < context.settings.shards && hasBudget(run); shard++)
    shards.push(await sweepShard(run, shard));
  const unitsResent = hasBudget(run) ? await resendStaleUnits(run) : 0;
  const intentsFinished = hasBudget(run) ? await finishStaleIntents(run) : 0;
  const stalls = hasBudget(run)
    ? await detectStalledJobs(run)
    : { redispatched: 0, stalled: 0, completed: 0 };
  const deadlines = hasBudget(run) ? await checkDeadlines(run) : { atRisk: 0, missed: 0 };
  const eventsPublished = hasBudget(run) ? await publishOutbox(run) : 0;
  const retention = hasBudget(run) ? await applyRetention(run) : { requested: 0, more: true };
  const verified = hasBudget(run)
    ? await verifyCompletedJobs(run)
    : { jobsVerified: 0, findings: 0, failed: 0 };
  const garbage = hasBudget(run) ? await collectGarbage(run) : { jobs: 0, more: true };
  const lag = shards.reduce((sum, s) => sum + s.lag, 0);
  return noted(run, {
    paused: false,
    shards,
    lag,
    oldestPendingTombstoneAgeSeconds: Math.max(0, ...shards.map((s) => s.oldestPendingAgeSeconds)),
    unitsResent,
    intentsFinished,
    jobsRedispatched: stalls.redispatched,
    jobsStalled: stalls.stalled,
    jobsCompleted: stalls.completed,
    deadlinesAtRisk: deadlines.atRisk,
    deadlinesMissed: deadlines.missed,
    eventsPublished,
    sendsFailed: run.sends.failed,
    retentionRequested: retention.requested,
    jobsCollected: garbage.jobs,
    jobsVerified: verified.jobsVerified,
    verificationFindings: verified.findings,
    verificationsFailed: verified.failed,
    itemsRead: meter.itemsRead,
    more:
      !hasBudget(run) ||
      shards.length < context.settings.shards ||
      shards.some((s) => s.stoppedAt === undefined && s.lag > 0) ||
      retention.more ||
      garbage.more,
  });
}

/**
 * Records the run for the status page and `lethe status`. Best effort: a sweep that did its
 * work is not failed, nor retried, for the sake of the record of it.
 */
async function noted(run: SweepContext, report: SweepReport): Promise<SweepReport> {
  await recordSweep(run.engine.state, {
    at: run.engine.state.now().toISOString(),
    sweeper: run.sweeper,
    paused: report.paused,
    lag: report.lag,
    oldestPendingTombstoneAgeSeconds: report.oldestPendingTombstoneAgeSeconds,
    more: report.more,
    itemsRead: report.itemsRead,
  }).catch(() => undefined);
  return report;
}
