// `lethe replay --since <time>`: after a table was restored from a backup taken at <time>,
// requests again every deletion whose tombstone is newer, in sequence order, as new jobs
// linked to the originals. `--dry-run` lists them with what `plan` says each would erase now.
import type { Command } from 'commander';
import { replayCandidates, requestReplay } from '../lib/engine/replay-deletions.js';
import { parseTime } from './parse-time.js';
import type { Target } from './target.js';

interface ReplayOptions {
  readonly since: string;
  readonly dryRun?: boolean;
  readonly json?: boolean;
}

/** Registers `replay` on the program; `target` resolves the pipeline the way other commands do. */
export function registerReplayCommand(
  program: Command,
  target: () => Promise<Target>,
  jsonVersion: number,
): void {
  program
    .command('replay')
    .description(
      'after a backup restore: request again every deletion whose tombstone is newer than --since',
    )
    .requiredOption('--since <time>', 'the backup’s time, ISO-8601 with a zone')
    .option('--dry-run', 'list the deletions and what plan says each would erase; request nothing')
    .option('--json', 'print JSON')
    .action(async (options: ReplayOptions) => {
      const since = parseTime('--since', options.since);
      const { engine } = await target();
      const replays: Record<string, unknown>[] = [];
      for await (const candidate of replayCandidates(engine.context, since)) {
        const base = {
          entity: candidate.entity,
          id: candidate.id,
          replayOf: candidate.jobId,
          deletedAt: candidate.deletedAt,
          shard: candidate.shard,
          seq: candidate.seq,
        };
        if (options.dryRun) {
          const plan = await engine.plan(candidate.entity, candidate.id);
          replays.push({ ...base, totals: plan.totals });
          if (!options.json)
            process.stdout.write(
              `would replay ${candidate.entity} ${candidate.id} (job ${candidate.jobId}, deleted ${candidate.deletedAt}): ${plan.totals.rowsDeleted} rows, ${plan.totals.rowsNulled} nulled, ${plan.totals.objectsDeleted} objects\n`,
            );
          continue;
        }
        const result = await requestReplay(engine.context, candidate, since);
        replays.push({ ...base, jobId: result.jobId, created: result.created });
        if (!options.json)
          process.stdout.write(
            `${result.created ? 'replaying' : 'already replayed'} ${candidate.entity} ${candidate.id}: job ${result.jobId} (replay of ${candidate.jobId})\n`,
          );
      }
      if (options.json)
        process.stdout.write(
          `${JSON.stringify({ version: jsonVersion, since: since.toISOString(), dryRun: options.dryRun === true, replays }, null, 2)}\n`,
        );
      else if (replays.length === 0)
        process.stdout.write(`no deletion has a tombstone newer than ${since.toISOString()}\n`);
    });
}
