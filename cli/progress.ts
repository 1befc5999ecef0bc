// A one-line live progress bar for long work, redrawn in place on a terminal and printed
// as plain lines otherwise (CI logs, pipes).

import { totalOf } from '../lib/model/counters.js';
import type { Job } from '../lib/model/jobs.js';

const WIDTH = 28;

export function formatNumber(n: number): string {
  return n.toLocaleString('en-US');
}

export function progressLine(job: Job): string {
  const ratio = job.planned === 0 ? 0 : job.settled / job.planned;
  const filled = Math.round(ratio * WIDTH);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}`;
  const state = job.status === 'completed' ? `done (${job.outcome})` : 'running';
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
