// Issue #9, part 2: every message is handed to the worker twice, and out of order. Each batch
// is shuffled; each message's second delivery is either a twin in the same invocation (run
// concurrently with it) or an older copy put back on the queue with a delay of 1–4 s, so it
// arrives after newer messages were handled. No other fault: this isolates delivery.
import { describe, expect, inject, it } from 'vitest';
import { CHAOS_TEST_SIZE, startOverlappingJob } from './support/chaos-run.js';
import { checkDeletion, queryPartition } from './support/independent-checker.js';
import { createPrng } from './support/prng.js';
import { createReliabilityPipeline } from './support/reliability-pipeline.js';
import { writeResult } from './support/results.js';

/** Three projects, each with two pages of rows and of prefix keys (at 50 and 100 a page). */
const OVERLAP_SIZE = {
  ...CHAOS_TEST_SIZE,
  artifactsPerProject: 60,
  snapshotsPerProject: 6,
  alertsPerProject: 5,
  members: 60,
};

describe('Delivery: every message twice, out of order', () => {
  it('settles every unit exactly once and deletes exactly what it must', async () => {
    // Prepare
    const pipeline = await createReliabilityPipeline({
      stack: inject('localStack'),
      label: 'delivery',
      delivery: { prng: createPrng(29).fork('delivery'), concurrentShare: 0.3, maxDelaySeconds: 4 },
      // One page a unit, so each relation's rows are a chain of units delivered out of order.
      settings: { pageSize: 50, rowPagesPerUnit: 1, objectPageSize: 100 },
    });
    const dataset = await pipeline.seed(CHAOS_TEST_SIZE);

    // Act
    pipeline.start();
    const jobId = await pipeline.requestDeletion({ entity: 'organization', id: 'acme' });
    await pipeline.waitForCompletion(jobId, 150_000);
    await pipeline.stop();

    // Assess
    const report = await checkDeletion(pipeline.checkInput(jobId, dataset));
    const units = (
      await queryPartition(pipeline.clean, pipeline.settings.stateTableName, `JOB#${jobId}`)
    ).filter((item) => String(item.sk).startsWith('UNIT#'));
    // A unit the worker ran inline settled with no message of its own; every other unit's
    // message came (at least) twice.
    const queued = units.filter((u) => u.ranInline !== true);
    const deliveredOnce = queued.filter((u) => (pipeline.deliveries.get(String(u.body)) ?? 0) < 2);
    writeResult('delivery.json', {
      units: units.length,
      deliveries: [...pipeline.deliveries.values()].reduce((sum, n) => sum + n, 0),
      outcomes: pipeline.outcomes,
      failures: pipeline.failures.length,
      checks: report.checks,
    });
    await pipeline.destroy();
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(units.length).toBeGreaterThan(50);
    expect(deliveredOnce.map((u) => u.unitId)).toEqual([]);
    expect(queued.length).toBeLessThan(units.length);
    // Settled once each, by exactly one of its deliveries (or its inline run); the others
    // found it settled.
    expect(pipeline.outcomes.done).toBe(queued.length);
    expect(pipeline.outcomes.duplicate).toBeGreaterThan(0);
  });

  it('completes two overlapping jobs on a shared subtree, each item counted by exactly one', async () => {
    // Prepare
    const pipeline = await createReliabilityPipeline({
      stack: inject('localStack'),
      label: 'overlap',
      delivery: { prng: createPrng(31).fork('delivery'), concurrentShare: 0.3, maxDelaySeconds: 4 },
      settings: { pageSize: 50, objectPageSize: 100, guardRecheckSeconds: 2 },
    });
    // Smaller than the run above: the overlap is the point, not the volume.
    const dataset = await pipeline.seed(OVERLAP_SIZE);

    // Act: a project is deleted; its organization a moment later, while the project's job runs.
    pipeline.start();
    const projectJob = await startOverlappingJob(pipeline, dataset);
    const orgJob = await pipeline.requestDeletion({ entity: 'organization', id: 'acme' });
    await pipeline.waitForCompletion(orgJob, 150_000);
    await pipeline.waitForCompletion(projectJob, 150_000);
    await pipeline.stop();

    // Assess: both completed, deleted; their counters together equal what is gone.
    const report = await checkDeletion(pipeline.checkInput(orgJob, dataset, [projectJob]));
    const deferred = (
      await queryPartition(pipeline.clean, pipeline.settings.stateTableName, `JOB#${orgJob}`)
    ).filter((item) => String(item.body ?? '').includes(`"owner":"${projectJob}"`));
    writeResult('delivery-overlap.json', { outcomes: pipeline.outcomes, checks: report.checks });
    await pipeline.destroy();
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.checks.map((c) => c.name)).toContain('overlapping job 1 completed exactly once');
    // The organization's cascade met the project another job owned, and deferred to it.
    expect(deferred.map((u) => u.unitId)).toEqual([
      `cascade|project|${dataset.target.projectIds[0]}`,
    ]);
  });
});
