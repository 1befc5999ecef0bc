import { describe, expect, it } from 'vitest';
import { deadlineRiskAt, deadlineVerdict } from '../../../lib/model/deadline-verdict.js';

const job = {
  status: 'running',
  createdAt: '2026-11-01T00:00:00.000Z',
  deadlineAt: '2026-11-11T00:00:00.000Z',
};
const before = new Date('2026-11-05T00:00:00.000Z');
const after = new Date('2026-11-12T00:00:00.000Z');

describe('Function: deadlineVerdict', () => {
  it('has no verdict for a job written before deadlines existed', () => {
    expect(
      deadlineVerdict({ status: 'completed', createdAt: job.createdAt }, after),
    ).toBeUndefined();
  });

  it('is open while a job runs inside its deadline, and met when it completed inside it', () => {
    expect(deadlineVerdict(job, before)).toEqual({ status: 'open' });
    expect(
      deadlineVerdict({ ...job, status: 'completed', completedAt: before.toISOString() }, after),
    ).toEqual({ status: 'met' });
  });

  it('is missed past the deadline, with what kept the job', () => {
    expect(deadlineVerdict({ ...job, waitReason: 'archive copy missing' }, after)).toEqual({
      status: 'missed',
      reason: 'archive copy missing',
    });
    expect(
      deadlineVerdict({ ...job, status: 'completed', completedAt: after.toISOString() }, after),
    ).toEqual({ status: 'missed', reason: 'completed after its deadline' });
  });

  it('is held — lawful — when a legal hold kept the job past its deadline', () => {
    expect(
      deadlineVerdict(
        { ...job, deadlineMissedReason: 'legal hold: held by tenant:t1: audit' },
        after,
      ),
    ).toEqual({ status: 'held', reason: 'legal hold: held by tenant:t1: audit' });
    expect(deadlineVerdict({ ...job, lastHoldReason: 'held by tenant:t1: audit' }, after)).toEqual({
      status: 'held',
      reason: 'legal hold: held by tenant:t1: audit',
    });
  });

  it('is missed when the sweeper found no hold at the deadline, even if one held the job earlier', () => {
    expect(
      deadlineVerdict(
        {
          ...job,
          lastHoldReason: 'held by tenant:t1: audit',
          deadlineMissedReason: 'running: 3 of 9 units settled',
        },
        after,
      ),
    ).toEqual({ status: 'missed', reason: 'running: 3 of 9 units settled' });
  });

  it('returns the verdict fixed at completion as it was recorded', () => {
    expect(
      deadlineVerdict(
        { ...job, status: 'completed', completedAt: after.toISOString(), deadlineStatus: 'met' },
        after,
      ),
    ).toEqual({ status: 'met', reason: undefined });
  });
});

describe('Function: deadlineRiskAt', () => {
  it('falls at 80% of the way from the request to the deadline', () => {
    expect(deadlineRiskAt(job.createdAt, job.deadlineAt).toISOString()).toBe(
      '2026-11-09T00:00:00.000Z',
    );
  });
});
