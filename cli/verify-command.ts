// `lethe verify <jobId>`: re-discover what a completed job should have erased, from its root
// and every entity it cascaded, reading only and at a paced rate; record and print the outcome.
// Exit 1 when something was found, so scripts and the demo can rely on the status.
import type { Command } from 'commander';
import { CliUsageError } from './cli-error.js';
import { formatVerification } from './format-verification.js';
import type { Target } from './target.js';

export interface VerifyCommandDeps {
  readonly target: () => Promise<Target>;
  readonly print: (json: boolean, value: Record<string, unknown>, text: string) => void;
}

/** Registers `verify <jobId> [--json] [--rate <requests/s>]` on `program`. */
export function registerVerifyCommand(program: Command, deps: VerifyCommandDeps): void {
  program
    .command('verify <jobId>')
    .description(
      'after a job completed: find anything it should have erased that is still there (reads only)',
    )
    .option('--rate <requests>', 'read requests per second (default: the settings’, 50)')
    .option('--json', 'print JSON')
    .action(async (jobId: string, options: { rate?: string; json?: boolean }) => {
      const rate = options.rate === undefined ? undefined : Number(options.rate);
      if (rate !== undefined && !(Number.isInteger(rate) && rate >= 1 && rate <= 10_000))
        throw new CliUsageError(
          `--rate must be a whole number of requests per second from 1 to 10000, got "${options.rate}"`,
        );
      const { engine } = await deps.target();
      const { job, verification } = await engine.verify(jobId, {
        ...(rate === undefined ? {} : { requestsPerSecond: rate }),
        trigger: 'cli',
      });
      deps.print(
        options.json === true,
        { jobId, entity: job.entity, id: job.id, verification },
        [
          `job ${jobId}: ${job.entity} ${job.id}, ${job.outcome ?? job.status}`,
          formatVerification(verification),
          `${verification.requests} read requests`,
        ].join('\n'),
      );
      if (verification.findings > 0) process.exitCode = 1;
    });
}
