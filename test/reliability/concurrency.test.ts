// Issue #9, part 3: two worker pools and two sweepers on the same queue and state table. Each
// pool is its own "process" (its own SDK clients, engine, handlers and poller). Both sweepers
// run every 300 ms under the same sweeper name and are told to act at once: re-send every
// unsettled unit (up to maxResends) and finish every pinned intent themselves — so the same
// unit runs in two pools and two sweepers at the same time, and watermarks race.
import { describe, expect, inject, it } from 'vitest';
import { CHAOS_TEST_SIZE } from './support/chaos-run.js';
import { FaultPlan } from './support/fault-plan.js';
import { checkDeletion } from './support/independent-checker.js';
import { createReliabilityPipeline } from './support/reliability-pipeline.js';
import { writeResult } from './support/results.js';

describe('Concurrency: two worker pools and two sweepers', () => {
  it('deletes exactly what it must and completes the job once', async () => {
    // Prepare
    // One worker invocation dies right after its first intent is written: that intent stays
    // pinned until the queue brings the batch back (the 5 s visibility timeout), so the
    // sweepers (every 300 ms, recovery after 0 s) always have one to finish, however loaded
    // the machine. The rest are pinned only while a slow DeleteObjects is in flight.
    const faults = new FaultPlan({ seed: 1, rates: {}, ensure: { 'crash.after-intent': 1 } });
    const pipeline = await createReliabilityPipeline({
      stack: inject('localStack'),
      label: 'concurrency',
      pools: 2,
      sweepers: 2,
      sweepEveryMs: 300,
      faults,
      batchSize: 5,
      // Slow enough that pinned intents and unsettled units are there for the sweepers to find.
      slowCommands: { DeleteObjectsCommand: 400, BatchWriteItemCommand: 150 },
      settings: {
        pageSize: 50,
        objectPageSize: 100,
        resendAfterSeconds: 0,
        intentRecoveryAfterSeconds: 0,
      },
    });
    const dataset = await pipeline.seed(CHAOS_TEST_SIZE);

    // Act
    faults.arm();
    pipeline.start();
    const jobId = await pipeline.requestDeletion({ entity: 'organization', id: 'acme' });
    await pipeline.waitForCompletion(jobId, 150_000);
    await pipeline.stop();
    faults.disarm();

    // Assess
    const report = await checkDeletion(pipeline.checkInput(jobId, dataset));
    const activity = Object.fromEntries(pipeline.activity);
    writeResult('concurrency.json', {
      activity,
      outcomes: pipeline.outcomes,
      faults: faults.injected,
      failures: pipeline.failures.length,
      units: report.units,
      checks: report.checks,
    });
    await pipeline.destroy();
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    // Both pools took work from the queue; both sweepers ran and re-sent; the sweepers
    // finished pinned intents; units were run more than once at the same time. Which sweeper
    // finishes the intents a run leaves pinned is a race (1 or 2 each when both do): on a
    // loaded machine one sweeper can lose every one of them, so they are counted together.
    expect(faults.injected['crash.after-intent']).toBe(1);
    for (const pool of ['pool-1', 'pool-2']) {
      expect(activity[pool]?.received).toBeGreaterThan(0);
      expect(activity[pool]?.unitsResent).toBeGreaterThan(0);
    }
    const finished = ['pool-1', 'pool-2'].reduce(
      (n, pool) => n + (activity[pool]?.intentsFinished ?? 0),
      0,
    );
    expect(finished).toBeGreaterThan(0);
    expect(pipeline.outcomes.duplicate).toBeGreaterThan(0);
  });
});
