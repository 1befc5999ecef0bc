import { describe, expect, it } from 'vitest';
import type { SmallJobsRecord } from '../../../bench/bench-results.js';
import { smallJobsSection } from '../../../bench/small-jobs/small-jobs-report.js';
import { emptyUsage } from '../../../lib/cost/cost-model.js';

function record(
  role: SmallJobsRecord['role'],
  arrival: SmallJobsRecord['arrival'],
  latencyMs: number,
): SmallJobsRecord {
  const lethe = role === 'lethe';
  return {
    runner: lethe ? 'lethe' : 'inline-cascade',
    label: lethe ? 'lethe' : 'inline cascade',
    role,
    arrival,
    ...(arrival === 'steady' ? { arrivalPerSecond: 90 } : {}),
    n: 200,
    itemsPerJob: 31,
    latencyMs,
    concurrency: 40,
    status: 'ok',
    elapsedMs: 2_500,
    jobsPerSecond: 80,
    jobLatencyMs: { p50: 120, p95: 300, p99: 450, max: 12_345 },
    ...(lethe ? { queueHops: { median: 4, max: 4, longest: 4 } } : {}),
    requestsTotal: lethe ? 6_000 : 1_000,
    requestsPerJob: lethe ? 30 : 5,
    peakInFlight: 41,
    usage: {
      ...emptyUsage(),
      requests: lethe
        ? { 'sqs:ReceiveMessage': 2_000, 'dynamodb:TransactWriteItems': 4_000 }
        : {
            'dynamodb:Query': 400,
            'dynamodb:BatchWriteItem': 200,
            's3:ListObjectsV2': 200,
            's3:DeleteObjects': 200,
          },
    },
    costPerMillionJobs: { s3: 1, sqs: 2, dynamodb: 3, lambda: 4, eventbridge: 5, total: 15 },
    notes: lethe ? ['800 work messages in 100 worker batches'] : [],
  };
}

describe('Function: smallJobsSection', () => {
  it('has a table per added latency with jobs/s, latency percentiles, hops and requests per job', () => {
    // Arrange
    const records = [0, 20].flatMap((latency) => [
      record('baseline', 'burst', latency),
      record('lethe', 'burst', latency),
      record('baseline', 'steady', latency),
      record('lethe', 'steady', latency),
    ]);

    // Act
    const markdown = smallJobsSection(records).join('\n');

    // Assess
    expect(markdown).toContain('## Small jobs: many small deletions');
    expect(markdown).toContain('### +0 ms per request');
    expect(markdown).toContain('### +20 ms per request');
    expect(markdown).toContain(
      '| lethe | all at once | 200 | 2,500 ms | 80.0 | 120 ms | 300 ms | 450 ms | 12.3 s | 4 / 4 | 30.0 | 41 | ok |',
    );
    expect(markdown).toContain('| inline cascade | 90/s steady | 200 |');
    expect(markdown).toContain('| 0 (no queue) | 5.0 |');
    expect(markdown).toContain(
      '| lethe | all at once | 0 ms | dynamodb:TransactWriteItems 20.0, sqs:ReceiveMessage 10.0 |',
    );
    // Cost from the +0 ms runs only: four rows
    expect(markdown.match(/\| \*\*\$15\.00\*\* \|/g)).toHaveLength(4);
    expect(markdown).toContain(
      '- lethe, all at once, +0 ms: 800 work messages in 100 worker batches',
    );
  });

  it('shows a failed run with its reason and no numbers', () => {
    // Arrange
    const failed: SmallJobsRecord = {
      ...record('lethe', 'burst', 0),
      status: 'failed',
      reason: 'stalled',
    };

    // Act
    const markdown = smallJobsSection([record('baseline', 'burst', 0), failed]).join('\n');

    // Assess
    expect(markdown).toContain(
      '| lethe | all at once | 200 | — | — | — | — | — | — | 4 / 4 | — | 41 | **failed**: stalled |',
    );
  });

  it('says how to run it when the suite was not run', () => {
    // Act
    const markdown = smallJobsSection([]).join('\n');

    // Assess: the method is there, the numbers are not
    expect(markdown).toContain('inline cascade');
    expect(markdown).toContain('Not run (`--small-jobs none`');
  });
});
