// Single faults aimed where they hurt most, each through SDK middleware on the pipeline's own
// clients: the write that completes a job, and the read of a manifest whose images are shared.
// The chaos runs meet these only by chance; here they are certain.
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { S3ServiceException } from '@aws-sdk/client-s3';
import { describe, expect, inject, it } from 'vitest';
import type { AwsClients } from '../../lib/adapters/aws-clients.js';
import {
  type ExampleDatasetSize,
  type SeededDataset,
  SMALL_SIZE,
} from '../../local/example-dataset.js';
import { checkDeletion } from './support/independent-checker.js';
import { markInjected } from './support/injected.js';
import {
  createReliabilityPipeline,
  type ReliabilityPipeline,
} from './support/reliability-pipeline.js';

const SIZE: ExampleDatasetSize = { ...SMALL_SIZE, projects: 2 };

function isCompletionWrite(input: unknown): boolean {
  const items = (input as { TransactItems?: { Update?: { UpdateExpression?: string } }[] })
    .TransactItems;
  return (items ?? []).some((i) => i.Update?.UpdateExpression?.includes('= :completed'));
}

/** Cancels the job's completion write while `cancel()` says so, as DynamoDB does under contention. */
function cancelCompletionWrites(clients: AwsClients, cancel: () => boolean) {
  const cancelled = { count: 0 };
  clients.dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      if (
        context.commandName === 'TransactWriteItemsCommand' &&
        isCompletionWrite(args.input) &&
        cancel()
      ) {
        cancelled.count++;
        throw markInjected(
          new TransactionCanceledException({
            message: 'injected: Transaction cancelled [TransactionConflict, None]',
            CancellationReasons: [{ Code: 'TransactionConflict' }, { Code: 'None' }],
            $metadata: { httpStatusCode: 400 },
          }),
          'dynamodb.txCancelled',
        );
      }
      return next(args);
    },
    { step: 'initialize', name: 'cancelCompletionWrites' },
  );
  return cancelled;
}

/** Deletes acme with the pipeline running, stops it, and checks the emulators directly. */
async function deleteAcmeAndCheck(pipeline: ReliabilityPipeline, dataset: SeededDataset) {
  pipeline.start();
  const jobId = await pipeline.requestDeletion({ entity: 'organization', id: 'acme' });
  await pipeline.waitForCompletion(jobId, 60_000).catch(() => undefined);
  await pipeline.stop();
  const report = await checkDeletion(pipeline.checkInput(jobId, dataset));
  await pipeline.destroy();
  return report;
}

describe('Fault: the write that completes a job is cancelled', () => {
  it('completes the job exactly once when the completion write meets a TransactionConflict', async () => {
    // Prepare
    const pipeline = await createReliabilityPipeline({
      stack: inject('localStack'),
      label: 'complete-conflict',
    });
    let first = true;
    const cancelled = cancelCompletionWrites(pipeline.pools[0]?.clients as AwsClients, () => {
      const now = first;
      first = false;
      return now;
    });
    const dataset = await pipeline.seed(SIZE);

    // Act
    const report = await deleteAcmeAndCheck(pipeline, dataset);

    // Assess
    expect(cancelled.count).toBe(1);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
  });

  it('is completed by the sweeper when the message that settled its last unit is dead-lettered', async () => {
    // Prepare: every completion write fails until the message carrying it is dead-lettered.
    const pipeline = await createReliabilityPipeline({
      stack: inject('localStack'),
      label: 'complete-dlq',
      settings: { maxReceiveCount: 2, visibilityTimeoutSeconds: 2 },
      sweepEveryMs: 500,
    });
    let failing = true;
    cancelCompletionWrites(pipeline.pools[0]?.clients as AwsClients, () => failing);
    const dataset = await pipeline.seed({ ...SIZE, projects: 1 });
    pipeline.start();
    const jobId = await pipeline.requestDeletion({ entity: 'organization', id: 'acme' });
    await expect
      .poll(() => pipeline.deadLetterCount(), { timeout: 60_000, interval: 500 })
      .toBeGreaterThan(0);

    // Act: the contention is over; only the sweeper is left to notice.
    failing = false;
    await pipeline.waitForCompletion(jobId, 30_000).catch(() => undefined);
    await pipeline.stop();

    // Assess
    const report = await checkDeletion(pipeline.checkInput(jobId, dataset));
    await pipeline.destroy();
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.deadLetters.length).toBeGreaterThan(0);
  });
});

describe('Fault: a manifest cannot be read for a while', () => {
  it('retries the unit instead of pinning the manifest as unreadable, so no image leaks', async () => {
    // Prepare: the first read of every manifest fails past the SDK's retries (SlowDown).
    const pipeline = await createReliabilityPipeline({
      stack: inject('localStack'),
      label: 'manifest-slow',
    });
    const failedOnce = new Set<string>();
    const clients = pipeline.pools[0]?.clients as AwsClients;
    clients.s3.middlewareStack.add(
      (next, context) => async (args) => {
        const key = (args.input as { Key?: string }).Key ?? '';
        if (context.commandName === 'GetObjectCommand' && !failedOnce.has(key)) {
          failedOnce.add(key);
          throw markInjected(
            new S3ServiceException({
              name: 'SlowDown',
              $fault: 'server',
              message: "injected: SlowDown past the SDK's retries",
              $metadata: { httpStatusCode: 503, attempts: 8 },
            }),
            's3.outage',
          );
        }
        return next(args);
      },
      { step: 'initialize', name: 'slowManifests' },
    );
    const dataset = await pipeline.seed(SIZE);

    // Act
    const report = await deleteAcmeAndCheck(pipeline, dataset);

    // Assess
    expect(failedOnce.size).toBeGreaterThan(0);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
  });
});
