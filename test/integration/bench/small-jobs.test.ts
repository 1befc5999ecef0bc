import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { SmallJobsRecord } from '../../../bench/bench-results.js';
import { type DelayProxy, startDelayProxy } from '../../../bench/delay-proxy.js';
import { createRequestCounter } from '../../../bench/request-counter.js';
import { runSmallJobs } from '../../../bench/small-jobs/run-small-jobs.js';
import {
  type AwsClients,
  createAwsClients,
  destroyAwsClients,
} from '../../../lib/adapters/aws-clients.js';

// The small-jobs suite end to end on the emulators, with three users: both runners delete
// through the counting proxies, lethe through ingest, the queue and the worker, and every run
// is verified from outside. Numbers are not judged here (no timing in tests), only that each
// run completes, is counted and has its hops read back.
describe('Function: runSmallJobs', () => {
  const { endpoints, region } = inject('localStack');
  const counter = createRequestCounter();
  let proxies: DelayProxy[] = [];
  let direct: AwsClients;
  let records: SmallJobsRecord[] = [];

  beforeAll(async () => {
    proxies = [
      await startDelayProxy({ upstream: endpoints.s3, counter }),
      await startDelayProxy({ upstream: endpoints.dynamodb, counter }),
    ];
    direct = createAwsClients({ region, endpoints });
    const [s3Proxy, dynamoProxy] = proxies;
    records = await runSmallJobs(
      {
        region,
        emulatorEndpoints: endpoints,
        proxiedEndpoints: {
          s3: s3Proxy?.endpoint ?? '',
          sqs: s3Proxy?.endpoint ?? '',
          dynamodb: dynamoProxy?.endpoint ?? '',
        },
        counter,
        direct,
        setDelay: (ms) => {
          for (const proxy of proxies) proxy.setDelay(ms);
        },
        log: () => undefined,
      },
      3,
      [0],
    );
  }, 600_000);

  afterAll(async () => {
    destroyAwsClients(direct);
    await Promise.all(proxies.map((proxy) => proxy.close()));
  });

  it('runs lethe and the inline cascade, all at once and at a steady rate, each verified', () => {
    // Assess
    expect(
      records.map((run) => [run.runner, run.arrival, run.status, run.reason, run.verification]),
    ).toEqual([
      ['inline-cascade', 'burst', 'ok', undefined, { remaining: 0, neighboursIntact: true }],
      ['lethe', 'burst', 'ok', undefined, { remaining: 0, neighboursIntact: true }],
      ['inline-cascade', 'steady', 'ok', undefined, { remaining: 0, neighboursIntact: true }],
      ['lethe', 'steady', 'ok', undefined, { remaining: 0, neighboursIntact: true }],
    ]);
    const [inlineBurst, , inlineSteady, letheSteady] = records;
    expect(inlineSteady?.arrivalPerSecond).toBe(letheSteady?.arrivalPerSecond);
    expect(inlineSteady?.arrivalPerSecond).toBe(
      Math.max(1, Math.floor((inlineBurst?.jobsPerSecond ?? 0) / 2)),
    );
  });

  it('counts the inline cascade at two Queries, one BatchWriteItem, one list and one DeleteObjects a job', () => {
    // Assess
    const inline = records.filter((run) => run.runner === 'inline-cascade');
    for (const run of inline) {
      expect(run.usage?.requests).toEqual({
        'dynamodb:Query': 6,
        'dynamodb:BatchWriteItem': 3,
        's3:ListObjectsV2': 3,
        's3:DeleteObjects': 3,
      });
      expect(run.requestsPerJob).toBe(5);
      expect(run.queueHops).toBeUndefined();
    }
  });

  it("reads lethe's queue hops back from every job's units and counts its queue traffic", () => {
    // Assess
    for (const run of records.filter((r) => r.runner === 'lethe')) {
      expect(run.jobLatencyMs).toBeDefined();
      // Ingest's message is one hop; the units after it run inline unless a budget ran out.
      expect(run.queueHops?.max).toBeGreaterThanOrEqual(1);
      expect(run.queueHops?.max).toBeLessThanOrEqual(run.queueHops?.longest ?? 0);
      expect(run.usage?.requests['sqs:ReceiveMessage']).toBeGreaterThan(0);
      expect(run.usage?.requests['s3:DeleteObjects']).toBeGreaterThanOrEqual(3);
      expect(run.usage?.eventBridgeEvents).toBe(6);
      expect(run.costPerMillionJobs?.total).toBeGreaterThan(0);
    }
  });
});
