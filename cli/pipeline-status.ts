// The pause switch as text: the flag, then one line per part that consumes work.
import type { PipelineStatus } from '../lib/engine/pause-pipeline.js';
import type { PipelineOverview } from '../lib/engine/pipeline-overview.js';

export function formatPipelineStatus(status: PipelineStatus): string {
  const flag = status.paused
    ? `paused${status.updatedAt ? ` since ${status.updatedAt}` : ''}${status.reason ? ` (${status.reason})` : ''}`
    : 'running (not paused)';
  const width = Math.max(0, ...status.parts.map((p) => p.resource.length));
  const parts = status.parts.map(
    (p) => `  ${p.part.padEnd(8)} ${p.resource.padEnd(width)}  ${p.state} (${p.reported})`,
  );
  return [flag, ...parts].join('\n');
}

/**
 * The dead-letter queue and the sweeper in one line, as the status page shows them. The lag
 * counts tombstones past the sweeper's watermark: ones no sweep has checked yet, completed
 * jobs' included, since the watermark moves only when a sweep runs. The line says so, or a
 * lag that grows after every job completed reads like something stuck.
 */
export function formatPipelineHealth(overview: PipelineOverview): string {
  const dlq = overview.deadLetters
    ? `${overview.deadLetters.visible} dead letter(s)`
    : 'dead letters unknown (give --dlq-url)';
  const { sweeper } = overview;
  const lag =
    sweeper.lag === 0
      ? 'sweeper lag 0'
      : `sweeper lag ${sweeper.lag} (tombstones no sweep has checked yet${
          sweeper.oldestPendingTombstoneAt
            ? `, oldest ${sweeper.oldestPendingTombstoneAgeSeconds}s`
            : ''
        }; the next sweep moves past those whose cascade was sent)`;
  const last = sweeper.lastSweep ? `last sweep ${sweeper.lastSweep.at}` : 'no sweep recorded yet';
  return `  ${dlq}; ${lag}; ${last}`;
}
