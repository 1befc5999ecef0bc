// A one-line live progress bar for long work, redrawn in place on a terminal and printed
// as plain lines otherwise (CI logs, pipes).

import { totalOf } from '../lib/model/counters.js';
import type { Job } from '../lib/model/jobs.js';
import { resolveSettings } from '../lib/settings.js';

const WIDTH = 28;

export function formatNumber(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * When a waiting unit checks its guards again, as the CLI says it: the setting and its default
 * (taken from the settings schema; the deployed pipeline may set another).
 */
export const RECHECK_EVERY = `every guardRecheckSeconds (${resolveSettings().guardRecheckSeconds} s by default)`;

/** How a job stands in one word or three: done, running, or held / waiting with how many units. */
export function jobState(job: Job): string {
  if (job.status === 'completed') return `done (${job.outcome})`;
  if (job.held > 0) return `held (${job.held} of ${job.waiting} waiting unit(s) on a legal hold)`;
  if (job.waiting > 0) return `waiting (${job.waiting} unit(s) on their guards)`;
  return 'running';
}

/**
 * Why a running job waits, for `lethe status`: the latest unit's reason and when the units
 * check again. Undefined when nothing waits.
 */
export function waitLine(job: Job): string | undefined {
  if (job.status === 'completed' || job.waiting === 0) return undefined;
  const reason = job.waitReason ?? 'no reason recorded';
  return `waiting: ${reason}; the unit(s) check again ${RECHECK_EVERY}`;
}

/**
 * What `lethe delete` prints: `started job <id>` for a new job; for an entity already
 * tombstoned, the job it has and how that job stands (`jobState`), so an entity deleted long
 * ago does not read as one being deleted now.
 */
export function requestedLine(
  requested: { readonly jobId: string; readonly created: boolean },
  existing: Job | undefined,
): string {
  if (requested.created) return `started job ${requested.jobId}`;
  if (existing?.status === 'completed') {
    return `already deleted: job ${requested.jobId}, ${jobState(existing)} at ${existing.completedAt ?? existing.updatedAt}`;
  }
  const state = existing ? jobState(existing) : 'its job item is gone (collected)';
  return `already being deleted: job ${requested.jobId}, ${state}`;
}

export function progressLine(job: Job): string {
  const ratio = job.planned === 0 ? 0 : job.settled / job.planned;
  const filled = Math.round(ratio * WIDTH);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}`;
  const state = jobState(job);
  return `${bar} ${String(Math.round(ratio * 100)).padStart(3)}%  units ${job.settled}/${job.planned}  rows ${formatNumber(totalOf(job.counts, 'rowsDeleted'))}  objects ${formatNumber(totalOf(job.counts, 'objectsDeleted'))}  ${state}`;
}

export class ProgressBar {
  private last = '';
  private lastPrinted = 0;
  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  update(line: string): void {
    if (this.stream.isTTY) {
      this.stream.write(`\r${line.padEnd(this.last.length)}`);
    } else if (Date.now() - this.lastPrinted > 2000 || line.includes('done')) {
      this.stream.write(`${line}\n`);
      this.lastPrinted = Date.now();
    }
    this.last = line;
  }

  finish(): void {
    if (this.stream.isTTY && this.last) this.stream.write('\n');
    this.last = '';
  }
}
