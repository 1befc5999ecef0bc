import { describe, expect, it } from 'vitest';
import { deadlineLine, formatDuration } from '../../../cli/deadline-line.js';
import type { Job } from '../../../lib/model/jobs.js';

const job = {
  jobId: 'j1',
  entity: 'project',
  id: 'p1',
  status: 'running',
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
  planned: 3,
  settled: 1,
  failed: 0,
  waiting: 1,
  held: 1,
  counts: {},
  followUps: 0,
  deadlineAt: '2026-12-01T00:00:00.000Z',
} as const satisfies Job;

describe('Function: deadlineLine', () => {
  it('shows the time left while a job runs inside its deadline, and the risk once marked', () => {
    const now = new Date('2026-11-28T21:30:00.000Z');
    expect(deadlineLine(job, now)).toBe('deadline 2026-12-01T00:00:00.000Z: 2d 2h left');
    expect(
      deadlineLine(
        {
          ...job,
          deadlineAtRiskAt: now.toISOString(),
          deadlineRiskReason: '1 unit(s) held: audit',
        },
        now,
      ),
    ).toBe('deadline 2026-12-01T00:00:00.000Z: 2d 2h left — AT RISK: 1 unit(s) held: audit');
  });

  it('shows met, or missed and held with why', () => {
    expect(
      deadlineLine(
        { ...job, status: 'completed', completedAt: '2026-11-02T00:00:00.000Z' },
        new Date('2026-12-05T00:00:00.000Z'),
      ),
    ).toBe('deadline 2026-12-01T00:00:00.000Z: met');
    expect(
      deadlineLine(
        { ...job, deadlineMissedReason: 'legal hold: held by tenant:t1: audit' },
        new Date('2026-12-05T00:00:00.000Z'),
      ),
    ).toBe('deadline 2026-12-01T00:00:00.000Z: held (legal hold: held by tenant:t1: audit)');
  });

  it('says nothing for a job without a deadline', () => {
    const { deadlineAt: _, ...old } = job;
    expect(deadlineLine(old, new Date())).toBeUndefined();
  });
});

describe('Function: formatDuration', () => {
  it('prints days and hours, hours and minutes, or minutes', () => {
    expect(formatDuration(3 * 86_400_000 + 5 * 3_600_000)).toBe('3d 5h');
    expect(formatDuration(3_600_000 + 5 * 60_000)).toBe('1h 05m');
    expect(formatDuration(12 * 60_000)).toBe('12m');
    expect(formatDuration(-1)).toBe('0m');
  });
});
