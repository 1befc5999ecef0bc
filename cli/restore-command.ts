// `lethe restore <jobId> [--dry-run] [--no-wait] [--json]`: undo a completed deletion inside
// its restore window, or show what would come back. The restore runs as units on the work
// queue (the pipeline's workers run them); by default the command waits for it, a second
// apart, showing its progress on stderr. Wiring only: the engine decides and refuses.
import type { Command } from 'commander';
import {
  awaitRestore,
  type RestoreProgress,
  type RestoreReport,
} from '../lib/engine/restore-deletion.js';
import { isPaused } from '../lib/model/control.js';
import { formatNumber, ProgressBar } from './progress.js';
import type { Target } from './target.js';

export interface RestoreCommandDeps {
  readonly target: () => Promise<Target>;
  readonly print: (json: boolean, value: Record<string, unknown>, text: string) => void;
  /** Between two reads of a running restore's progress. @default 1000 */
  readonly pollMs?: number;
}

/** Registers `restore` on the program. */
export function registerRestoreCommand(program: Command, deps: RestoreCommandDeps): void {
  program
    .command('restore <jobId>')
    .description(
      'undo a completed deletion inside its restore window: tombstones, objects, rows parents first, pointers',
    )
    .option('--dry-run', 'print what would come back, conflict or stay gone; write nothing')
    .option('--no-wait', 'return once the restore started (watch it with `lethe status <jobId>`)')
    .option('--json', 'print JSON')
    .action(
      async (jobId: string, options: { dryRun?: boolean; json?: boolean; wait?: boolean }) => {
        const { engine } = await deps.target();
        const json = options.json === true;
        let report = await engine.restore(jobId, { dryRun: options.dryRun === true });
        if (report.status === 'running' && options.wait !== false) {
          const bar = json ? undefined : new ProgressBar(process.stderr);
          let paused = false;
          if (!json)
            process.stderr.write(
              `restoring job ${jobId} on the work queue; Ctrl-C stops waiting, not the restore\n`,
            );
          report = await awaitRestore(engine.context, jobId, {
            pollMs: deps.pollMs ?? 1000,
            onProgress: (progress) => {
              bar?.update(formatRestoreProgress(progress, { paused }));
              // For the next line (a poll later); a failed read leaves the hint as it was.
              if (bar) {
                void isPaused(engine.context.state).then(
                  (now) => {
                    paused = now;
                  },
                  () => undefined,
                );
              }
            },
          });
          bar?.finish();
        }
        deps.print(json, { ...report }, formatRestoreReport(report));
      },
    );
}

/**
 * One line: where a restore is (step i of n, units left in it, totals so far). With `paused`
 * (the pipeline's pause flag), a running restore says it waits for `lethe resume`.
 */
export function formatRestoreProgress(
  p: RestoreProgress,
  options: { paused?: boolean } = {},
): string {
  const totals = `${formatNumber(p.restored)} back, ${formatNumber(p.conflicts)} conflicts, ${formatNumber(p.skipped)} skipped, ${formatNumber(p.tombstonesLifted)} tombstones lifted`;
  if (p.status === 'restored') return `restore: restored at ${p.restoredAt ?? '?'}; ${totals}`;
  // The lift is one unit with no log entries to count down.
  const where =
    p.step === 0
      ? 'lifting the tombstones'
      : `${formatNumber(p.outstanding)} ${p.outstanding === 1 ? 'unit' : 'units'} left in it`;
  const paused = options.paused ? ' — the pipeline is paused: it goes on after `lethe resume`' : '';
  return `restore: running, step ${p.step + 1} of ${p.steps} (${p.stepName}), ${where}; ${totals}${paused}`;
}

/** The report as text: what came back, what did not and why, what never can. */
export function formatRestoreReport(report: RestoreReport): string {
  const t = report.totals;
  if (report.status === 'running') {
    return [
      `restore of job ${report.jobId} (${report.entity} "${report.id}") is running on the work queue`,
      `  so far: ${formatNumber(t.rowsRestored)} rows, ${formatNumber(t.pointersRestored)} set-null pointers, ${formatNumber(t.objectsRestored)} objects`,
      `  watch it with: lethe status ${report.jobId}`,
    ].join('\n');
  }
  const verb =
    report.status !== 'restored'
      ? 'would restore'
      : report.dryRun
        ? 'nothing would change: already restored'
        : 'restored';
  const lines = [
    `${verb} job ${report.jobId} (${report.entity} "${report.id}"): ${formatNumber(t.rowsRestored)} rows, ${formatNumber(t.pointersRestored)} set-null pointers, ${formatNumber(t.objectsRestored)} objects`,
    `  conflicts (newer data kept): ${formatNumber(t.conflicts)}; skipped: ${formatNumber(t.skipped)}; expired: ${formatNumber(t.expired)}`,
    `  window ends ${report.windowEndsAt}${report.dryRun ? '' : `; tombstones lifted: ${report.tombstonesLifted}`}`,
  ];
  for (const r of report.relations) {
    lines.push(
      `  ${r.relation} (${r.kind}): ${formatNumber(r.restored)}/${formatNumber(r.logged)} back, ${r.conflicts} conflicts, ${r.skipped} skipped`,
    );
  }
  for (const r of report.notRestorable) {
    lines.push(
      `  not restorable: ${r.relation}: ${formatNumber(r.objects)} objects (unversioned bucket)`,
    );
  }
  for (const s of report.skips) lines.push(`  ${s.reason}: ${s.entity} ${s.key}`);
  return lines.join('\n');
}
