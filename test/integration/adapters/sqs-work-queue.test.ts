// The SQS work queue against fauxqs, with entries refused through SDK middleware on the real
// client: a send says exactly which messages the queue did not accept.
import { describe, expect, it } from 'vitest';
import { createSqsWorkQueue } from '../../../lib/adapters/sqs-work-queue.js';
import { SendFailedError } from '../../../lib/ports/work-queue.js';
import { createPipelineHarness } from '../support/pipeline-harness.js';
import { injectSendFaults } from '../support/send-faults.js';

const messages = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ id: `unit-${i}`, body: `{"n":${i}}` }));

describe('Adapter: createSqsWorkQueue', () => {
  describe('Method: send', () => {
    it('names exactly the messages whose batch entries kept failing; the rest are on the queue', async () => {
      // Prepare: 23 messages (three batches), two of them refused in every attempt.
      const pipeline = await createPipelineHarness('sqspartial');
      const faults = injectSendFaults(pipeline.clients);
      faults.refusedBodies.add('"n":4}');
      faults.refusedBodies.add('"n":17}');
      const queue = createSqsWorkQueue(pipeline.clients, pipeline.workQueueUrl);

      // Act
      const error = await queue.send(messages(23)).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(SendFailedError);
      expect((error as SendFailedError).unsent).toEqual(['unit-4', 'unit-17']);
      const depth = await pipeline.consumer.depth(pipeline.workQueueUrl);
      expect(depth.visible).toBe(21);
    });

    it('names every message of a call that failed whole, with the SDK error as its cause', async () => {
      // Prepare
      const pipeline = await createPipelineHarness('sqsdown');
      const faults = injectSendFaults(pipeline.clients);
      faults.failing = true;
      const queue = createSqsWorkQueue(pipeline.clients, pipeline.workQueueUrl);

      // Act
      const error = await queue.send(messages(12)).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(SendFailedError);
      expect((error as SendFailedError).unsent).toHaveLength(12);
      expect((error as SendFailedError).cause).toMatchObject({ name: 'ServiceUnavailable' });
      expect((error as SendFailedError).retryable).toBe(true);
    });
  });
});
