// A restore as an operator runs it, under the faults the deletion had: `lethe restore <jobId>`
// starts it from one process (a pool's engine, its clients carrying the fault plan's
// middleware), started again while the start itself fails, as one would re-run the command;
// its units then run on the pipeline's workers (every pool, with the plan's crash points and
// delivery chaos), a crashed invocation's batch coming back as on Lambda. Then the sweeper
// publishes what a crash left in the outbox, the restore is run a second time on the same
// job (faults off), and the independent checker judges both.
import { createEngine } from '../../../lib/engine/create-engine.js';
import type { RestoreReport } from '../../../lib/engine/restore-deletion.js';
import { sleep } from '../../../lib/retry.js';
import type { SeededDataset } from '../../../local/example-dataset.js';
import { type FaultPlan, RESTORE_CRASH_POINTS } from './fault-plan.js';
import type { HandlerFailure, Reality } from './independent-checker.js';
import { explainError, runInvocation } from './injected.js';
import type { ReliabilityPipeline } from './reliability-pipeline.js';
import { checkRestore, type RestoreCheckReport, snapshotData } from './restore-checker.js';

export interface RestoreRunResult {
  readonly check: RestoreCheckReport;
  /** Starts of `restore` until one went through (1 when nothing failed). */
  readonly runs: number;
  /** Restore units that died at an injected restore crash point (the queue brought them back). */
  readonly crashes: number;
  readonly failures: readonly HandlerFailure[];
  readonly seconds: number;
  readonly report?: RestoreReport;
  /** Set when the restore did not finish within the time allowed. */
  readonly error?: string;
}

export interface RestoreRunOptions {
  readonly pipeline: ReliabilityPipeline;
  readonly jobId: string;
  readonly dataset: SeededDataset;
  /** What the deletion's checker found gone and nulled. */
  readonly deleted: Reality;
  /** Armed while the restore runs, as it was while the deletion ran. */
  readonly faults?: FaultPlan;
  readonly timeoutMs: number;
  readonly log?: (line: string) => void;
}

export async function runRestore(options: RestoreRunOptions): Promise<RestoreRunResult> {
  const { pipeline, jobId, faults } = options;
  const pool = pipeline.pools[0];
  if (!pool) throw new Error('the pipeline has no pool');
  const failures: HandlerFailure[] = [];
  const workerFailuresBefore = pipeline.failures.length;
  const crashesBefore = restoreCrashes(faults);
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  // Progress is read with clean clients: the faults are the restore's, not the watcher's.
  const watcher = createEngine({
    graph: pipeline.graph,
    clients: pipeline.clean,
    settings: pipeline.settings,
    workQueueUrl: pipeline.workQueueUrl,
  });
  let report: RestoreReport | undefined;
  let runs = 0;
  faults?.arm();
  pipeline.start();
  try {
    let startedRestore = false;
    while (!startedRestore && Date.now() < deadline) {
      runs++;
      const run = await runInvocation(() => pool.engine.restore(jobId));
      if (run.error === undefined && !run.crashed) {
        startedRestore = true;
        break;
      }
      const failure: HandlerFailure = {
        where: 'restore',
        process: pool.name,
        message: String((run.error as Error)?.message ?? run.error),
        explained: run.crashed ? 'crash (restore)' : explainError(run.error),
      };
      failures.push(failure);
      options.log?.(
        `restore start ${runs}: ${failure.explained ?? 'UNEXPLAINED'}: ${failure.message.slice(0, 160)}`,
      );
      // Not a fault the plan injected (a refusal, a bug): starting again would only repeat it.
      if (failure.explained === undefined) break;
      await sleep(Math.min(1000, 50 * runs));
    }
    while (startedRestore && Date.now() < deadline) {
      const progress = await watcher.restoreProgress(jobId);
      if (progress?.status === 'restored') {
        report = await watcher.restore(jobId);
        break;
      }
      await sleep(250);
    }
  } finally {
    faults?.disarm();
    await pipeline.stop();
  }
  // The restore's units failed on the workers like any unit: their errors are the restore's.
  failures.push(...pipeline.failures.slice(workerFailuresBefore));
  const seconds = (Date.now() - started) / 1000;
  // The deployed sweeper publishes an event a crash left in the outbox; here one run of it.
  await pool.engine.sweep();
  const { clean: clients, graph, settings } = pipeline;
  const before = await snapshotData(clients, graph, settings, jobId);
  const second = report ? await pool.engine.restore(jobId) : undefined;
  const after = await snapshotData(clients, graph, settings, jobId);
  const check = await checkRestore({
    clients,
    graph,
    settings,
    dataset: options.dataset,
    jobId,
    deleted: options.deleted,
    events: pipeline.events.events,
    failures,
    first: report,
    second,
    before,
    after,
  });
  return {
    check,
    runs,
    crashes: restoreCrashes(faults) - crashesBefore,
    failures,
    seconds,
    ...(report
      ? { report }
      : { error: `the restore did not finish (${runs} starts, ${seconds.toFixed(0)} s)` }),
  };
}

/** Restore crash points the plan made the engine reach so far. */
function restoreCrashes(faults: FaultPlan | undefined): number {
  return RESTORE_CRASH_POINTS.reduce(
    (n, point) => n + (faults?.injected[`crash.${point}`] ?? 0),
    0,
  );
}
