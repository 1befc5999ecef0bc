import { describe, expect, it } from 'vitest';
import { SMALL_SIZE } from '../../../lib/local/example-dataset.js';
import { totalOf } from '../../../lib/model/counters.js';
import { createPipelineHarness } from '../support/pipeline-harness.js';

describe('Engine: deleting an organization of the example graph', () => {
  it('erases every descendant, nulls alerts, keeps the other tenant, and counts exactly', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('small');
    const dataset = await pipeline.seed(SMALL_SIZE);

    // Act
    const { jobId, created } = await pipeline.engine.requestDeletion({
      entity: 'organization',
      id: 'acme',
    });
    const job = await pipeline.run(jobId);
    const verification = await pipeline.verify(dataset);

    // Assess
    expect(created).toBe(true);
    expect(verification.checks.filter((c) => !c.ok)).toEqual([]);
    expect(job.outcome).toBe('deleted');
    expect(totalOf(job.counts, 'rowsDeleted')).toBe(dataset.expected.rowsDeleted);
    expect(totalOf(job.counts, 'rowsNulled')).toBe(dataset.expected.rowsNulled);
    expect(totalOf(job.counts, 'objectsDeleted')).toBe(dataset.expected.objectsDeleted);
    expect(totalOf(job.counts, 'objectsShared')).toBe(dataset.expected.objectsShared);
    expect(pipeline.events.events.filter((e) => e.detailType === 'DeletionCompleted')).toHaveLength(
      1,
    );
    expect(pipeline.handlerErrors).toEqual([]);
  });
});
