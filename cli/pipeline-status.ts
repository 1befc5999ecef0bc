// The pause switch as text: the flag, then one line per part that consumes work.
import type { PipelineStatus } from '../lib/engine/pause-pipeline.js';

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
