// Issue 17 §3, a restore's units under at-least-once delivery: every restore message handed
// over twice (twins at once, or an older copy after its step moved on), and — by hand, in a
// fixed order — each step's messages in reverse with every message delivered so far handed
// over again after each step (stale messages of earlier steps). Each time the independent
// checker (support/restore-checker.ts) finds every deleted row back equal to the seeded item,
// the restore counted and finished once, and a second restore changing nothing.
import { describe, expect, inject, it } from 'vitest';
import { createEngine } from '../../lib/engine/create-engine.js';
import { sleep } from '../../lib/retry.js';
import { type ExampleDatasetSize, SMALL_SIZE } from '../../local/example-dataset.js';
import { checkDeletion, queueDepth } from './support/independent-checker.js';
import { createPrng } from './support/prng.js';
import { createReliabilityPipeline, type PipelineOptions } from './support/reliability-pipeline.js';
import { checkRestore, snapshotData } from './support/restore-checker.js';
import { runRestore } from './support/restore-run.js';

// Small pages, so that each step has several units to deliver out of order.
const SIZE: ExampleDatasetSize = { ...SMALL_SIZE, projects: 2 };
const SETTINGS = { pageSize: 20, rowPagesPerUnit: 1 };

async function deletedAcme(options: Omit<PipelineOptions, 'stack'>) {
  const pipeline = await createReliabilityPipeline({ stack: inject('localStack'), ...options });
  const dataset = await pipeline.seed(SIZE);
  pipeline.start();
  const jobId = await pipeline.requestDeletion({ entity: 'organization', id: 'acme' });
  await pipeline.waitForCompletion(jobId, 90_000);
  await pipeline.stop();
  const deletion = await checkDeletion(pipeline.checkInput(jobId, dataset));
  expect(deletion.checks.filter((c) => !c.ok)).toEqual([]);
  return { pipeline, dataset, jobId, deleted: deletion.reality };
}

describe('Restore: every message twice, out of order', () => {
  it('restores every row once when each restore message is delivered twice, some copies after their step moved on', async () => {
    // Prepare: the pipeline hands every message over twice: a third as twins in the same
    // invocation, the rest as an older copy put back with a delay of 1–3 s.
    const { pipeline, dataset, jobId, deleted } = await deletedAcme({
      label: 'restore-twice-each',
      delivery: { prng: createPrng(41).fork('delivery'), concurrentShare: 0.3, maxDelaySeconds: 3 },
      settings: SETTINGS,
    });
    const restoreBodies = () =>
      [...pipeline.deliveries.entries()].filter(([body]) => JSON.parse(body).type === 'restore');

    // Act: the restore; then the copies still on their way, delivered after it finished.
    const run = await runRestore({ pipeline, jobId, dataset, deleted, timeoutMs: 90_000 });
    const finished = await snapshotData(pipeline.clean, pipeline.graph, pipeline.settings, jobId);
    pipeline.start();
    for (let quiet = 0; quiet < 3; ) {
      const depth = await queueDepth(pipeline.clean, pipeline.workQueueUrl);
      quiet = depth.visible + depth.inFlight + depth.delayed === 0 ? quiet + 1 : 0;
      await sleep(500);
    }
    await pipeline.stop();
    const late = await snapshotData(pipeline.clean, pipeline.graph, pipeline.settings, jobId);
    const delivered = restoreBodies();
    await pipeline.destroy();

    // Assess: the restore's units went through the queue, each twice; the late copies
    // changed nothing.
    expect(delivered.length).toBeGreaterThan(3);
    expect(delivered.filter(([, times]) => times < 2).map(([body]) => body)).toEqual([]);
    expect(run.error).toBeUndefined();
    expect(run.check.checks.filter((c) => !c.ok)).toEqual([]);
    expect(late).toEqual(finished);
  });

  it('restores every row once when each step’s messages come in reverse, twice at once, and every earlier message comes back after each step', async () => {
    // Prepare: an engine whose queue the test holds, on clean clients.
    const { pipeline, dataset, jobId, deleted } = await deletedAcme({
      label: 'restore-by-hand',
      settings: SETTINGS,
    });
    const sent: string[] = [];
    const engine = createEngine({
      graph: pipeline.graph,
      settings: pipeline.settings,
      clients: pipeline.clean,
      events: pipeline.events,
      queue: {
        send: async (messages) => {
          for (const m of messages) sent.push(m.body);
        },
      },
    });

    // Act
    await engine.restore(jobId);
    const history: string[] = [];
    let steps = 0;
    while (sent.length > 0) {
      steps++;
      for (const body of sent.splice(0).reverse()) {
        history.push(body);
        await Promise.all([engine.handleMessage(body), engine.handleMessage(body)]);
      }
      // Stale copies: every message so far again, now that the step moved on.
      for (const body of history) await engine.handleMessage(body);
    }
    const first = await engine.restore(jobId);
    await engine.sweep();
    const before = await snapshotData(pipeline.clean, pipeline.graph, pipeline.settings, jobId);
    const second = await engine.restore(jobId);
    const after = await snapshotData(pipeline.clean, pipeline.graph, pipeline.settings, jobId);
    const check = await checkRestore({
      clients: pipeline.clean,
      graph: pipeline.graph,
      settings: pipeline.settings,
      dataset,
      jobId,
      deleted,
      events: pipeline.events.events,
      failures: [],
      first,
      second,
      before,
      after,
    });
    await pipeline.destroy();

    // Assess
    expect(steps).toBeGreaterThan(3);
    expect(history.every((body) => JSON.parse(body).type === 'restore')).toBe(true);
    expect(first.status).toBe('restored');
    expect(check.checks.filter((c) => !c.ok)).toEqual([]);
  });
});
