import { describe, expect, it } from 'vitest';
import { totalOf } from '../../../lib/model/counters.js';
import { SMALL_SIZE } from '../../../local/example-dataset.js';
import { createPipelineHarness } from '../support/pipeline-harness.js';

describe('Method: plan (the dry run)', () => {
  it('predicts exactly what deleting an organization then does, per relation', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('plan');
    const dataset = await pipeline.seed(SMALL_SIZE);

    // Act
    const plan = await pipeline.engine.plan('organization', 'acme');
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'acme' });
    const job = await pipeline.run(jobId);

    // Assess
    expect(plan.totals.rowsDeleted).toBe(dataset.expected.rowsDeleted);
    expect(plan.totals.rowsDeleted).toBe(totalOf(job.counts, 'rowsDeleted'));
    expect(plan.totals.rowsNulled).toBe(totalOf(job.counts, 'rowsNulled'));
    expect(plan.totals.objectsDeleted).toBe(totalOf(job.counts, 'objectsDeleted'));
  });

  it('counts every row of an entity whose table has a sort key (its whole partition)', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('plansk');
    await pipeline.seed(SMALL_SIZE);

    // Act
    const plan = await pipeline.engine.plan('membership', 'acme');
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'membership', id: 'acme' });
    const job = await pipeline.run(jobId);

    // Assess
    expect(plan.totals.rowsDeleted).toBe(SMALL_SIZE.members);
    expect(totalOf(job.counts, 'rowsDeleted')).toBe(SMALL_SIZE.members);
  });

  it('fails when a row cannot be read, instead of under-counting', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('planfail');
    await pipeline.seed({ ...SMALL_SIZE, projects: 1 });
    pipeline.clients.documents.middlewareStack.add(
      (next, context) => async (args) => {
        if (/^Get(Item)?Command$/.test(String(context.commandName)))
          throw new Error('injected: GetItem unavailable');
        return next(args);
      },
      { step: 'initialize', name: 'failGetItem' },
    );

    // Act
    const planning = pipeline.engine.plan('organization', 'acme');

    // Assess
    await expect(planning).rejects.toThrow('injected: GetItem unavailable');
  });
});
