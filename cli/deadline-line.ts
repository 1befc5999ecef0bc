// How `lethe status` shows a job's deadline: the time left while it runs, met / missed / held
// (with why) once it is past or done.
import { deadlineVerdict } from '../lib/model/deadline-verdict.js';
import type { Job } from '../lib/model/jobs.js';

/** A duration in days, hours and minutes, e.g. `29d 23h`, `3h 05m`, `12m`. */
export function formatDuration(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${String(rest).padStart(2, '0')}m`;
  return `${rest}m`;
}

/** One line on the job's deadline at `now`, or undefined for a job without one. */
export function deadlineLine(job: Job, now: Date): string | undefined {
  const verdict = deadlineVerdict(job, now);
  if (verdict === undefined || job.deadlineAt === undefined) return undefined;
  const at = `deadline ${job.deadlineAt}`;
  switch (verdict.status) {
    case 'open': {
      const left = formatDuration(Date.parse(job.deadlineAt) - now.getTime());
      return `${at}: ${left} left${job.deadlineAtRiskAt ? ` — AT RISK: ${job.deadlineRiskReason ?? ''}` : ''}`;
    }
    case 'met':
      return `${at}: met`;
    default:
      return `${at}: ${verdict.status}${verdict.reason ? ` (${verdict.reason})` : ''}`;
  }
}
