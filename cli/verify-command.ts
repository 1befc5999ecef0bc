// `lethe verify <jobId>`: re-discover what a completed job should have erased, from its root
// and every entity it cascaded, reading only and at a paced rate; record and print the outcome.
// Exit 1 when something was found, so scripts and the demo can rely on the status. With
// `--erase`, a follow-up job then deletes again each entity a finding was under.
import type { Command } from 'commander';
import type { FindingErasure } from '../lib/engine/erase-findings.js';
import { CliUsageError } from './cli-error.js';
import { formatVerification } from './format-verification.js';
import type { Target } from './target.js';

export interface VerifyCommandDeps {
  readonly target: () => Promise<Target>;
  readonly print: (json: boolean, value: Record<string, unknown>, text: string) => void;
}

/** Registers `verify <jobId> [--json] [--rate <requests/s>] [--erase]` on `program`. */
export function registerVerifyCommand(program: Command, deps: VerifyCommandDeps): void {
  program
    .command('verify <jobId>')
    .description(
      'after a job completed: find anything it should have erased that is still there (reads only)',
    )
    .option('--rate <requests>', 'read requests per second (default: the settings’, 50)')
    .option(
      '--erase',
      'then erase what it found: a follow-up job deletes each entity it was found under again',
    )
    .option('--json', 'print JSON')
    .action(async (jobId: string, options: { rate?: string; json?: boolean; erase?: boolean }) => {
      const rate = options.rate === undefined ? undefined : Number(options.rate);
      if (rate !== undefined && !(Number.isInteger(rate) && rate >= 1 && rate <= 10_000))
        throw new CliUsageError(
          `--rate must be a whole number of requests per second from 1 to 10000, got "${options.rate}"`,
        );
      const { engine } = await deps.target();
      const { job, verification, owners } = await engine.verify(jobId, {
        ...(rate === undefined ? {} : { requestsPerSecond: rate }),
        trigger: 'cli',
      });
      const erasures =
        options.erase === true && verification.findings > 0
          ? await engine.eraseFindings(owners)
          : undefined;
      deps.print(
        options.json === true,
        { jobId, entity: job.entity, id: job.id, verification, ...(erasures ? { erasures } : {}) },
        [
          `job ${jobId}: ${job.entity} ${job.id}, ${job.outcome ?? job.status}`,
          formatVerification(verification),
          `${verification.requests} read requests`,
          ...(erasures ? formatErasures(jobId, erasures) : []),
        ].join('\n'),
      );
      if (verification.findings > 0) process.exitCode = 1;
    });
}

/** One line per owner deleted again, then what to run once the follow-ups completed. */
export function formatErasures(jobId: string, erasures: readonly FindingErasure[]): string[] {
  const lines = erasures.map((e) =>
    e.status === 'not-tombstoned'
      ? `${e.entity} ${e.id}: no longer tombstoned (its tombstone expired); delete it with \`lethe delete ${e.entity} ${e.id}\``
      : `${e.created ? 'erasing' : 'already erasing'}: follow-up job ${e.jobId} deletes ${e.entity} ${e.id} again`,
  );
  return [
    ...lines,
    `when they completed (lethe status <followUpJobId>), run \`lethe verify ${jobId}\` again`,
  ];
}
