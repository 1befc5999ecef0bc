import type { DeleteObjectsCommandInput } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { totalOf } from '../../../lib/model/counters.js';
import { sleep } from '../../../lib/retry.js';
import { boardFootprint, boardGraph, seedBoard } from '../support/board-graph.js';
import { createPipelineHarness, type PipelineHarness } from '../support/pipeline-harness.js';
import { runUntil } from './engine-test-support.js';

/** Holds back the first DeleteObjects call that names `key` for `ms`, on the real S3 client. */
function delayFirstDeleteOf(pipeline: PipelineHarness, key: string, ms: number) {
  let delayed = false;
  pipeline.clients.s3.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as DeleteObjectsCommandInput;
      const names = input.Delete?.Objects?.some((o) => o.Key === key) === true;
      if (context.commandName === 'DeleteObjectsCommand' && names && !delayed) {
        delayed = true;
        await sleep(ms);
      }
      return next(args);
    },
    { step: 'initialize', name: 'delayFirstDelete' },
  );
}

describe('Engine: completing a job', () => {
  it('completes the job when its last unit settles, even when that unit planned its successor first', async () => {
    // Prepare: one card, three attachments, one key per prefix unit; the first unit's delete
    // answers late, so the two units it planned (one after the other) settle before it.
    const pipeline = await createPipelineHarness('lastsettle', {
      graph: boardGraph(),
      settings: { objectPageSize: 1, prefixPagesPerUnit: 1 },
    });
    const seeded = await seedBoard(pipeline, {
      cards: 1,
      attachmentsPerCard: 3,
      commentsPerCard: 2,
      mentionsPerCard: 1,
      blobs: 1,
    });
    const [firstKey] = seeded.attachments.c1 ?? [];
    delayFirstDeleteOf(pipeline, firstKey ?? '', 3_000);

    // Act: run the workers until every unit has settled (and the messages in flight are done),
    // with no sweep at all.
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'card', id: 'c1' });
    await runUntil(pipeline, jobId, (job) => job.planned > 1 && job.settled === job.planned);
    const job = await pipeline.engine.getJob(jobId);

    // Assess
    expect(job).toMatchObject({ planned: 7, settled: 7, status: 'completed', outcome: 'deleted' });
    expect(totalOf(job?.counts ?? {}, 'objectsDeleted')).toBe(3);
    expect(pipeline.events.events.filter((e) => e.detailType === 'DeletionCompleted')).toHaveLength(
      1,
    );
    expect((await boardFootprint(pipeline, seeded)).cards).toEqual([]);
    expect(pipeline.handlerErrors).toEqual([]);
  });
});
