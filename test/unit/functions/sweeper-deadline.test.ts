// A sweep under load can outlast its Lambda's timeout; the handler gives it a deadline well
// inside the invocation's time, so it stops starting new work and ends on its own.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { ScheduledEvent } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { createSweeperHandler } from '../../../functions/sweeper.js';
import { exampleGraph } from '../../../infra/example-graph.js';
import type { Engine } from '../../../lib/engine/create-engine.js';
import type { SweepOptions } from '../../../lib/engine/sweep/sweep.js';
import { localLambdaContext } from '../../../local/lambda-context.js';

function quiet() {
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
  const metrics = new Metrics({ namespace: 'Test', serviceName: 'test' });
  vi.unstubAllEnvs();
  return { logger: new Logger({ logLevel: 'SILENT' }), metrics };
}

const scheduled = { time: '2026-11-22T00:00:00Z' } as ScheduledEvent;

describe('Handler: sweeper', () => {
  it('gives the sweep a deadline at half the time the invocation has left', async () => {
    // Prepare
    const seen: SweepOptions[] = [];
    const engine = {
      sweep: async (options: SweepOptions = {}) => {
        seen.push(options);
        return {
          oldestPendingTombstoneAgeSeconds: 0,
          more: false,
          jobsVerified: 0,
          verificationFindings: 0,
          verificationsFailed: 0,
          deadlinesAtRisk: 0,
        };
      },
    } as unknown as Engine;
    const handler = createSweeperHandler(exampleGraph(), { engine, ...quiet() });
    const before = Date.now();

    // Act
    await handler(scheduled, localLambdaContext('lethe-sweeper', 60_000));

    // Assess
    const deadline = seen[0]?.deadline?.getTime() ?? 0;
    expect(deadline).toBeGreaterThanOrEqual(before + 29_000);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 30_000);
  });
});
