// How `lethe status` words a job: a held or waiting job says so, and why, instead of a bare
// "running" (found by a fresh-user trial: a held job read as stuck).
import { describe, expect, it } from 'vitest';
import { jobState, progressLine, requestedLine, waitLine } from '../../../cli/progress.js';
import type { Job } from '../../../lib/model/jobs.js';

const running: Job = {
  jobId: 'j1',
  entity: 'organization',
  id: 'o1',
  shard: 0,
  seq: 1,
  status: 'running',
  createdAt: '2026-11-30T17:00:00.000Z',
  updatedAt: '2026-11-30T17:00:00.000Z',
  planned: 1,
  settled: 0,
  failed: 0,
  waiting: 0,
  held: 0,
  counts: {},
  followUps: 0,
} as unknown as Job;

describe('Function: jobState / waitLine', () => {
  it('says running, with no wait line, while nothing waits', () => {
    expect(jobState(running)).toBe('running');
    expect(waitLine(running)).toBeUndefined();
  });

  it('says held, and why, while a unit waits on a legal hold', () => {
    // Prepare
    const held = {
      ...running,
      waiting: 1,
      held: 1,
      waitReason: 'held by entity:organization:o1: litigation L-42',
    };

    // Act / Assess
    expect(jobState(held)).toBe('held (1 of 1 waiting unit(s) on a legal hold)');
    expect(progressLine(held)).toMatch(/units 0\/1 .* held \(1 of 1/);
    expect(waitLine(held)).toBe(
      'waiting: held by entity:organization:o1: litigation L-42; the unit(s) check again every guardRecheckSeconds (300 s by default)',
    );
  });

  it('says waiting for a guard other than a hold', () => {
    const waiting = { ...running, waiting: 2, held: 0, waitReason: 'retention: …' };
    expect(jobState(waiting)).toBe('waiting (2 unit(s) on their guards)');
    expect(waitLine(waiting)).toMatch(/^waiting: retention: …;/);
  });

  it('says done with the outcome once completed, with no wait line', () => {
    const done = { ...running, status: 'completed', outcome: 'deleted', settled: 1 } as Job;
    expect(jobState(done)).toBe('done (deleted)');
    expect(waitLine(done)).toBeUndefined();
  });
});

describe('Function: requestedLine', () => {
  it('says started for a new job', () => {
    expect(requestedLine({ jobId: 'j1', created: true }, undefined)).toBe('started job j1');
  });

  it('says already deleted, and when, for an entity whose job completed', () => {
    const done = {
      ...running,
      status: 'completed',
      outcome: 'deleted',
      completedAt: '2026-11-30T17:05:00.000Z',
    } as Job;

    expect(requestedLine({ jobId: 'j1', created: false }, done)).toBe(
      'already deleted: job j1, done (deleted) at 2026-11-30T17:05:00.000Z',
    );
  });

  it('says already being deleted, and how, for an entity whose job still runs', () => {
    expect(
      requestedLine({ jobId: 'j1', created: false }, { ...running, held: 1, waiting: 2 }),
    ).toBe('already being deleted: job j1, held (1 of 2 waiting unit(s) on a legal hold)');
  });
});
