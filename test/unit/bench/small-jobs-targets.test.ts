import { describe, expect, it } from 'vitest';
import type { SmallJobsRecord } from '../../../bench/bench-results.js';
import {
  evaluateSmallJobsTargets,
  SMALL_JOBS_TARGET,
} from '../../../bench/small-jobs/small-jobs-targets.js';
import { targetsSection } from '../../../bench/targets.js';

function record(
  role: SmallJobsRecord['role'],
  arrival: SmallJobsRecord['arrival'],
  numbers: { jobsPerSecond: number; p99: number; requestsPerJob: number; hops?: number },
  latencyMs = 0,
): SmallJobsRecord {
  return {
    runner: role === 'lethe' ? 'lethe' : 'inline-cascade',
    label: role === 'lethe' ? 'lethe' : 'inline cascade',
    role,
    arrival,
    ...(arrival === 'steady' ? { arrivalPerSecond: 100 } : {}),
    n: 1_000,
    itemsPerJob: 31,
    latencyMs,
    concurrency: 40,
    status: 'ok',
    elapsedMs: 1_000,
    jobsPerSecond: numbers.jobsPerSecond,
    jobLatencyMs: {
      p50: numbers.p99 / 2,
      p95: numbers.p99 * 0.9,
      p99: numbers.p99,
      max: numbers.p99 + 1,
    },
    ...(numbers.hops === undefined
      ? {}
      : { queueHops: { median: numbers.hops, max: numbers.hops, longest: numbers.hops } }),
    requestsPerJob: numbers.requestsPerJob,
    notes: [],
  };
}

const verdicts = (rows: ReturnType<typeof evaluateSmallJobsTargets>) =>
  rows.map((row) => [row.target, row.where, row.verdict]);

describe('Function: evaluateSmallJobsTargets', () => {
  it('judges each lethe run against the inline cascade of the same arrival and latency', () => {
    // Arrange: lethe at 60% of the floor's jobs/s, p99 2.5×, 3 hops, 19 requests against 5
    const records = [
      record('baseline', 'burst', { jobsPerSecond: 200, p99: 400, requestsPerJob: 5 }),
      record('lethe', 'burst', { jobsPerSecond: 120, p99: 1_000, requestsPerJob: 19, hops: 3 }),
      record('baseline', 'steady', { jobsPerSecond: 100, p99: 50, requestsPerJob: 5 }),
      record('lethe', 'steady', { jobsPerSecond: 100, p99: 151, requestsPerJob: 21, hops: 4 }),
    ];

    // Act
    const rows = evaluateSmallJobsTargets(records);

    // Assess: jobs/s only for all at once; the steady run misses p99 (3.02×), hops and requests
    expect(verdicts(rows)).toEqual([
      [SMALL_JOBS_TARGET.jobsPerSecond, '1,000 jobs, all at once, +0 ms', 'met'],
      [SMALL_JOBS_TARGET.p99, '1,000 jobs, all at once, +0 ms', 'met'],
      [SMALL_JOBS_TARGET.hops, '1,000 jobs, all at once, +0 ms', 'met'],
      [SMALL_JOBS_TARGET.requests, '1,000 jobs, all at once, +0 ms', 'met'],
      [SMALL_JOBS_TARGET.p99, '1,000 jobs, 100/s, +0 ms', 'missed'],
      [SMALL_JOBS_TARGET.hops, '1,000 jobs, 100/s, +0 ms', 'missed'],
      [SMALL_JOBS_TARGET.requests, '1,000 jobs, 100/s, +0 ms', 'missed'],
    ]);
    expect(rows[0]?.measured).toBe('60% (120.0 vs 200.0 jobs/s)');
    expect(rows[6]?.measured).toBe('21.0 (limit 20.0; inline 5.0)');
  });

  it('misses jobs/s below half of the inline cascade', () => {
    // Arrange
    const records = [
      record('baseline', 'burst', { jobsPerSecond: 200, p99: 400, requestsPerJob: 5 }, 20),
      record('lethe', 'burst', { jobsPerSecond: 99, p99: 400, requestsPerJob: 5, hops: 1 }, 20),
    ];

    // Act
    const [jobsPerSecond] = evaluateSmallJobsTargets(records);

    // Assess
    expect(jobsPerSecond).toMatchObject({
      verdict: 'missed',
      where: '1,000 jobs, all at once, +20 ms',
    });
  });

  it('says not measured when the inline cascade or lethe did not finish', () => {
    // Arrange
    const failed: SmallJobsRecord = {
      ...record('baseline', 'burst', { jobsPerSecond: 0, p99: 0, requestsPerJob: 0 }),
      status: 'failed',
      reason: 'boom',
    };
    const records = [
      failed,
      record('lethe', 'burst', { jobsPerSecond: 1, p99: 1, requestsPerJob: 1, hops: 2 }),
    ];

    // Act
    const rows = evaluateSmallJobsTargets(records);

    // Assess: hops need only lethe's own run
    expect(verdicts(rows).map(([target, , verdict]) => [target, verdict])).toEqual([
      [SMALL_JOBS_TARGET.jobsPerSecond, 'not measured'],
      [SMALL_JOBS_TARGET.p99, 'not measured'],
      [SMALL_JOBS_TARGET.hops, 'met'],
      [SMALL_JOBS_TARGET.requests, 'not measured'],
    ]);
  });

  it('names the failed run and its reason on each target it left unjudged; the report lists it once', () => {
    // Arrange
    const lethe: SmallJobsRecord = {
      ...record('lethe', 'steady', { jobsPerSecond: 0, p99: 0, requestsPerJob: 0 }),
      status: 'failed',
      reason: 'ingest failed 3 times for one event',
    };
    const records = [
      record('baseline', 'steady', { jobsPerSecond: 39, p99: 30, requestsPerJob: 5 }),
      lethe,
    ];

    // Act
    const rows = evaluateSmallJobsTargets(records);
    const section = targetsSection(rows).join('\n');

    // Assess
    expect(rows.map((row) => [row.verdict, row.reason])).toEqual([
      ['not measured', 'the lethe run failed: ingest failed 3 times for one event'],
      ['not measured', 'the lethe run failed: ingest failed 3 times for one event'],
      ['not measured', 'the lethe run failed: ingest failed 3 times for one event'],
    ]);
    expect(section).toContain('Why some were not measured:');
    expect(
      section.match(/- \*\*1,000 jobs, 100\/s, \+0 ms\*\*: the lethe run failed: ingest failed/g),
    ).toHaveLength(1);
  });

  it('judges nothing without small-jobs records', () => {
    // Act & Assess
    expect(evaluateSmallJobsTargets([])).toEqual([]);
  });
});
