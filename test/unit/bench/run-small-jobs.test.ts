import { describe, expect, it } from 'vitest';
import type { SmallJobsRecord } from '../../../bench/bench-results.js';
import { smallJobsRecord, steadyRate } from '../../../bench/small-jobs/run-small-jobs.js';
import type { SmallJobsOutcome } from '../../../bench/small-jobs/small-jobs-types.js';
import { emptyUsage } from '../../../lib/cost/cost-model.js';

const base = {
  runner: 'lethe',
  label: 'lethe',
  role: 'lethe',
  arrival: 'burst',
  n: 4,
  itemsPerJob: 31,
  latencyMs: 0,
  concurrency: 40,
} as const;

function outcome(overrides: Partial<SmallJobsOutcome> = {}): SmallJobsOutcome {
  return {
    latenciesMs: [100, 200, 300, 400],
    elapsedMs: 2_000,
    usage: { ...emptyUsage(), requests: { 'sqs:SendMessage': 8, 'dynamodb:GetItem': 12 } },
    peakInFlight: 9,
    extraUsage: { lambdaInvocations: 6, lambdaGbSeconds: 0.5, eventBridgeEvents: 8 },
    hops: [
      { critical: 4, longest: 4, units: 5 },
      { critical: 3, longest: 4, units: 5 },
      { critical: 4, longest: 4, units: 5 },
      { critical: 4, longest: 5, units: 6 },
    ],
    notes: [],
    ...overrides,
  };
}

describe('Function: steadyRate', () => {
  it("is half the inline cascade's all-at-once jobs/s, in whole events a second", () => {
    // Act & Assess
    expect(steadyRate({ status: 'ok', jobsPerSecond: 251.7 } as SmallJobsRecord)).toBe(125);
    expect(steadyRate({ status: 'ok', jobsPerSecond: 1.2 } as SmallJobsRecord)).toBe(1);
  });

  it('falls back to 10/s when the inline run gave no rate', () => {
    // Act & Assess
    expect(steadyRate(undefined)).toBe(10);
    expect(steadyRate({ status: 'failed' } as SmallJobsRecord)).toBe(10);
  });
});

describe('Function: smallJobsRecord', () => {
  it('gives jobs/s, percentiles, hops, requests per job and the cost with Lambda and events', () => {
    // Act
    const record = smallJobsRecord(base, outcome(), { remaining: 0, neighboursIntact: true });

    // Assess
    expect(record).toMatchObject({
      status: 'ok',
      jobsPerSecond: 2,
      jobLatencyMs: { p50: 200, p95: 400, p99: 400, max: 400 },
      queueHops: { median: 4, max: 4, longest: 5 },
      requestsTotal: 20,
      requestsPerJob: 5,
      peakInFlight: 9,
    });
    expect(record.usage).toMatchObject({ lambdaInvocations: 6, eventBridgeEvents: 8 });
    expect(record.costPerMillionJobs?.eventbridge).toBeCloseTo((8 / 4) * 1.0, 10);
  });

  it('is incomplete when items are left behind, a neighbour is touched or a job was not seen', () => {
    // Act
    const left = smallJobsRecord(base, outcome(), { remaining: 3, neighboursIntact: false });
    const unseen = smallJobsRecord(base, outcome({ latenciesMs: [1, 2, 3] }), {
      remaining: 0,
      neighboursIntact: true,
    });

    // Assess
    expect(left).toMatchObject({
      status: 'incomplete',
      reason: '3 items left behind, neighbours touched',
    });
    expect(unseen).toMatchObject({ status: 'incomplete', reason: '3 of 4 jobs seen completing' });
  });
});
