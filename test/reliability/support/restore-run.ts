// A restore as an operator runs it, under the faults the deletion had: `lethe restore <jobId>`
// in one process (a pool's engine, its clients carrying the fault plan's middleware and its
// crash points), run again after every crash or failure until it finishes — as one would
// re-run the command. Then the sweeper publishes what a crash left in the outbox, the restore
// is run a second time on the same job (faults off), and the independent checker judges both.
import type { RestoreReport } from '../../../lib/engine/restore-deletion.js';
import { sleep } from '../../../lib/retry.js';
import type { SeededDataset } from '../../../local/example-dataset.js';
import type { FaultPlan } from './fault-plan.js';
import type { HandlerFailure, Reality } from './independent-checker.js';
import { explainError, runInvocation } from './injected.js';
import type { ReliabilityPipeline } from './reliability-pipeline.js';
import { checkRestore, type RestoreCheckReport, snapshotData } from './restore-checker.js';

export interface RestoreRunResult {
  readonly check: RestoreCheckReport;
  /** Runs of `restore` until one finished (1 when nothing failed). */
  readonly runs: number;
  /** Runs that died at an injected crash point. */
  readonly crashes: number;
  readonly failures: readonly HandlerFailure[];
  readonly seconds: number;
  readonly report?: RestoreReport;
  /** Set when no run finished within the time allowed. */
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
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  let report: RestoreReport | undefined;
  let runs = 0;
  let crashes = 0;
  faults?.arm();
  try {
    while (!report && Date.now() < deadline) {
      runs++;
      const run = await runInvocation(() => pool.engine.restore(jobId));
      if (run.error === undefined && !run.crashed) {
        report = run.result;
        break;
      }
      if (run.crashed) crashes++;
      const failure: HandlerFailure = {
        where: 'restore',
        process: pool.name,
        message: String((run.error as Error)?.message ?? run.error),
        explained: run.crashed ? 'crash (restore)' : explainError(run.error),
      };
      failures.push(failure);
      options.log?.(
        `restore run ${runs}: ${failure.explained ?? 'UNEXPLAINED'}: ${failure.message.slice(0, 160)}`,
      );
      // Not a fault the plan injected (a refusal, a bug): running it again would only repeat it.
      if (failure.explained === undefined) break;
      await sleep(Math.min(1000, 50 * runs));
    }
  } finally {
    faults?.disarm();
  }
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
    crashes,
    failures,
    seconds,
    ...(report
      ? { report }
      : { error: `no restore run finished (${runs} runs, ${seconds.toFixed(0)} s)` }),
  };
}
