// `lethe restore <jobId> [--dry-run] [--json]`: undo a completed deletion inside its restore
// window, or show what would come back. Wiring only: the engine decides and refuses.
import type { Command } from 'commander';
import type { RestoreReport } from '../lib/engine/restore-deletion.js';
import { formatNumber } from './progress.js';
import type { Target } from './target.js';

export interface RestoreCommandDeps {
  readonly target: () => Promise<Target>;
  readonly print: (json: boolean, value: Record<string, unknown>, text: string) => void;
}

/** Registers `restore` on the program. */
export function registerRestoreCommand(program: Command, deps: RestoreCommandDeps): void {
  program
    .command('restore <jobId>')
    .description('undo a completed deletion inside its restore window (objects, then rows)')
    .option('--dry-run', 'print what would come back, conflict or stay gone; write nothing')
    .option('--json', 'print JSON')
    .action(async (jobId: string, options: { dryRun?: boolean; json?: boolean }) => {
      const { engine } = await deps.target();
      const report = await engine.restore(jobId, { dryRun: options.dryRun === true });
      deps.print(options.json === true, { ...report }, formatRestoreReport(report));
    });
}

/** The report as text: what came back, what did not and why, what never can. */
export function formatRestoreReport(report: RestoreReport): string {
  const t = report.totals;
  const verb = report.dryRun ? 'would restore' : 'restored';
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
