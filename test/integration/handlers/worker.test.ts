import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createWorkerHandler } from '../../../functions/worker.js';
import {
  createHandlerPipeline,
  lambdaContext,
  quietObservability,
  sqsRecord,
} from './handler-fixtures.js';

describe('Function: createWorkerHandler', () => {
  it('settles the good records of a batch and reports only the bad one', async () => {
    // Prepare
    const pipeline = await createHandlerPipeline('worker');
    const observability = quietObservability();
    const handler = createWorkerHandler(pipeline.graph, {
      engine: pipeline.engine,
      ...observability,
    });
    const first = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'org-1' });
    const second = await pipeline.engine.requestDeletion({ entity: 'project', id: 'proj-9' });
    const received = await pipeline.receiveAll();
    const event: SQSEvent = {
      Records: [
        ...received.map((m) =>
          sqsRecord(
            {
              messageId: m.MessageId ?? '',
              body: m.Body ?? '',
              receiptHandle: m.ReceiptHandle ?? '',
            },
            pipeline.workQueueArn,
          ),
        ),
        sqsRecord({ messageId: 'bad-json', body: '{"v":1,"jobId":' }, pipeline.workQueueArn),
      ],
    };

    // Act
    const response = await handler(event, lambdaContext('lethe-worker'));

    // Assess
    expect(received).toHaveLength(2);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad-json' }] });
    for (const jobId of [first.jobId, second.jobId]) {
      const job = await pipeline.engine.getJob(jobId);
      expect(job?.settled).toBeGreaterThanOrEqual(1);
    }
    expect(observability.metricValues()).toMatchObject({
      unitsDone: 2,
      unitsFailed: 0,
      recordsRetried: 1,
    });
    expect(observability.tracer.isTracingEnabled()).toBe(false);
  });

  it('answers a batch where every record fails instead of throwing', async () => {
    // Prepare
    const pipeline = await createHandlerPipeline('worker-all-bad');
    const handler = createWorkerHandler(pipeline.graph, {
      engine: pipeline.engine,
      ...quietObservability(),
    });
    const event: SQSEvent = {
      Records: [
        sqsRecord({ messageId: 'not-json', body: 'not json' }, pipeline.workQueueArn),
        sqsRecord(
          { messageId: 'wrong-version', body: JSON.stringify({ v: 2, jobId: 'j' }) },
          pipeline.workQueueArn,
        ),
      ],
    };

    // Act
    const response = await handler(event, lambdaContext('lethe-worker'));

    // Assess
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual([
      'not-json',
      'wrong-version',
    ]);
  });

  it('treats a redelivered record as a duplicate, not as new work', async () => {
    // Prepare
    const pipeline = await createHandlerPipeline('worker-dup');
    const observability = quietObservability();
    const handler = createWorkerHandler(pipeline.graph, {
      engine: pipeline.engine,
      ...observability,
    });
    await pipeline.engine.requestDeletion({ entity: 'organization', id: 'org-dup' });
    const [message] = await pipeline.receiveAll();
    const record = sqsRecord(
      { messageId: message?.MessageId ?? '', body: message?.Body ?? '' },
      pipeline.workQueueArn,
    );

    // Act
    await handler({ Records: [record] }, lambdaContext('lethe-worker'));
    const again = await handler({ Records: [record] }, lambdaContext('lethe-worker'));

    // Assess
    expect(again).toEqual({ batchItemFailures: [] });
    expect(observability.metricValues()).toMatchObject({ unitsDone: 1, unitsDuplicate: 1 });
  });

  it('settles a batch already in flight when the pause lands, failing none of it', async () => {
    // Prepare: failing records while paused would walk them towards the DLQ
    const pipeline = await createHandlerPipeline('worker-paused');
    const observability = quietObservability();
    const handler = createWorkerHandler(pipeline.graph, {
      engine: pipeline.engine,
      ...observability,
    });
    const { jobId } = await pipeline.engine.requestDeletion({
      entity: 'organization',
      id: 'org-paused',
    });
    const [message] = await pipeline.receiveAll();
    await pipeline.engine.pause('maintenance');

    // Act
    const response = await handler(
      {
        Records: [
          sqsRecord(
            { messageId: message?.MessageId ?? '', body: message?.Body ?? '' },
            pipeline.workQueueArn,
          ),
        ],
      },
      lambdaContext('lethe-worker'),
    );

    // Assess
    expect(await pipeline.engine.isPaused()).toBe(true);
    expect(response).toEqual({ batchItemFailures: [] });
    expect(observability.metricValues()).toMatchObject({ unitsDone: 1, unitsFailed: 0 });
    expect((await pipeline.engine.getJob(jobId))?.settled).toBeGreaterThanOrEqual(1);
  });
});
