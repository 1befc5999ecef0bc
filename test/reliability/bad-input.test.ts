// Issue #9, part 4: a corpus of malformed events and messages through the real handlers. Each
// bad record gets a clear reason — in the response, or logged and then in the DLQ — the rest
// of its batch proceeds, and nothing outside the graph (or outside the deletion) is deleted.
import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord, SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { describe, expect, inject, it, vi } from 'vitest';
import { type ExampleDatasetSize, SMALL_SIZE } from '../../local/example-dataset.js';
import { localLambdaContext } from '../../local/lambda-context.js';
import { localObservability } from '../../local/local-runtime.js';
import { toSqsRecord } from '../../local/sqs-poller.js';
import { badDeletionRequests, badWorkMessages } from './support/bad-input-corpus.js';
import { checkDeletion, listBucket, scanTable } from './support/independent-checker.js';
import {
  createReliabilityPipeline,
  type ReliabilityPipeline,
} from './support/reliability-pipeline.js';
import { writeResult } from './support/results.js';

const SIZE: ExampleDatasetSize = { ...SMALL_SIZE, projects: 2 };

/** A Powertools logger that prints nothing and keeps what the handlers log. */
function recordingObservability() {
  const base = localObservability('SILENT');
  const logger = new Logger({ serviceName: 'lethe-reliability', logLevel: 'SILENT' });
  const error = vi.spyOn(logger, 'error');
  const warn = vi.spyOn(logger, 'warn');
  const lines = () =>
    [...error.mock.calls, ...warn.mock.calls].map(
      ([message, attributes]) =>
        ({ message, ...(attributes as object) }) as { message: unknown; [key: string]: unknown },
    );
  return { observability: () => ({ ...base, logger }), lines };
}

/** A table and a bucket next to the graph's, with the same kind of keys: nothing may touch them. */
async function outsideTheGraph(pipeline: ReliabilityPipeline) {
  const name = `${pipeline.prefix}-outside`;
  await pipeline.clean.dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'orgId', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'orgId', KeyType: 'HASH' }],
    }),
  );
  await pipeline.clean.s3.send(new CreateBucketCommand({ Bucket: name }));
  const keys = ['projects/acme-p01/uploads/file-0000.dat', 'artifacts/acme-p01/x.bin', 'x'];
  for (const key of keys)
    await pipeline.clean.s3.send(new PutObjectCommand({ Bucket: name, Key: key, Body: 'keep' }));
  for (const orgId of ['acme', 'acmex'])
    await pipeline.clean.documents.send(new PutCommand({ TableName: name, Item: { orgId } }));
  return async () => ({
    rows: (await scanTable(pipeline.clean, name)).length,
    objects: (await listBucket(pipeline.clean, name)).length,
    expected: { rows: 2, objects: keys.length },
  });
}

async function tombstoneOf(pipeline: ReliabilityPipeline, entity: string, id: string) {
  const { Item } = await pipeline.clean.documents.send(
    new GetCommand({
      TableName: pipeline.settings.stateTableName,
      Key: { pk: `DELETED#${entity}#${id}`, sk: 'TOMBSTONE' },
    }),
  );
  return Item;
}

describe('Bad input: deletion requests into ingest', () => {
  it('refuses each malformed request with a clear reason and starts only the good ones', async () => {
    // Prepare
    const recording = recordingObservability();
    const pipeline = await createReliabilityPipeline({
      stack: inject('localStack'),
      label: 'bad-ingest',
      observability: recording.observability,
    });
    const ingest = pipeline.pools[0]?.ingest;
    if (!ingest) throw new Error('no ingest handler');
    const corpus = badDeletionRequests();
    const eventOf = (detail: unknown, envelope: Record<string, unknown> = {}) => ({
      version: '0',
      id: randomUUID(),
      'detail-type': 'EntityDeleted',
      source: 'lethe.reliability',
      account: '000000000000',
      time: new Date().toISOString(),
      region: 'us-east-1',
      resources: [],
      detail,
      ...envelope,
    });
    const queueRecord = (body: string, i: number): SQSRecord =>
      toSqsRecord(
        {
          messageId: `m-${i}`,
          receiptHandle: `r-${i}`,
          body,
          receiveCount: 1,
          sentTimestamp: Date.now(),
          md5OfBody: '',
        },
        'arn:aws:sqs:us-east-1:000000000000:ingest',
        'us-east-1',
      );

    // Act: every request as an EventBridge event, then all of them in one SQS batch with two good ones.
    const direct = await Promise.all(
      corpus.map(async (bad) => {
        const outcome = await ingest(
          eventOf(bad.detail, bad.envelope) as never,
          localLambdaContext('lethe-ingest'),
        ).then(
          (result) => ({ accepted: result }),
          (error: unknown) => ({
            reason: `${(error as { code?: string }).code}: ${String((error as Error).message)}`,
          }),
        );
        return { bad, outcome };
      }),
    );
    const good = [
      JSON.stringify({ entity: 'project', id: 'acme-p01' }),
      JSON.stringify(eventOf({ entity: 'project', id: 'acme-p02' })),
    ];
    const bodies = [
      good[0] ?? '',
      ...corpus.map((bad) =>
        bad.envelope
          ? JSON.stringify(eventOf(bad.detail, bad.envelope))
          : JSON.stringify(bad.detail),
      ),
      good[1] ?? '',
    ];
    const batch = (await ingest(
      { Records: bodies.map(queueRecord) } as never,
      localLambdaContext('lethe-ingest'),
    )) as SQSBatchResponse;
    const stream = (id: string, table: string, eventName = 'REMOVE'): DynamoDBRecord =>
      ({
        eventID: randomUUID(),
        eventName,
        eventSource: 'aws:dynamodb',
        eventSourceARN: `arn:aws:dynamodb:us-east-1:000000000000:table/${table}/stream/2026-01-01T00:00:00.000`,
        dynamodb: { Keys: { orgId: { S: id } }, SequenceNumber: randomUUID() },
      }) as DynamoDBRecord;
    const streamBatch = (await ingest(
      {
        Records: [
          stream('acmex', `${pipeline.prefix}-outside`),
          stream('acmex', pipeline.graph.tables.memberships?.name ?? ''),
          stream('acmex', pipeline.graph.tables.organizations?.name ?? '', 'DROP'),
          stream('acmex\u200b', pipeline.graph.tables.organizations?.name ?? ''),
        ],
      } as never,
      localLambdaContext('lethe-ingest'),
    )) as SQSBatchResponse;

    // Assess
    const tombstones = await Promise.all(
      corpus.map((bad) => {
        const detail = bad.detail as { entity?: unknown; id?: unknown };
        // An id too long to be a key cannot have been tombstoned.
        const id = String(detail.id);
        return id.length > 512 ? undefined : tombstoneOf(pipeline, String(detail.entity), id);
      }),
    );
    const goodJobs = await Promise.all(
      ['acme-p01', 'acme-p02'].map((id) => tombstoneOf(pipeline, 'project', id)),
    );
    writeResult(
      'bad-input-ingest.json',
      direct.map(({ bad, outcome }) => ({ name: bad.name, ...outcome })),
    );
    await pipeline.destroy();
    for (const { bad, outcome } of direct) {
      expect({ name: bad.name, outcome }).toEqual({
        name: bad.name,
        outcome: { reason: expect.stringMatching(bad.reason) },
      });
    }
    expect(batch.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      corpus.map((_, i) => `m-${i + 1}`).sort(),
    );
    expect(streamBatch.batchItemFailures).toHaveLength(4);
    expect(tombstones.filter(Boolean)).toEqual([]);
    expect(goodJobs.every(Boolean)).toBe(true);
    // Each refused record of a batch was logged with its code and reason.
    const refused = recording.lines().filter((l) => l.message === 'deletion request not accepted');
    expect(refused.length).toBeGreaterThanOrEqual(corpus.length * 2 + 4);
    expect(refused.every((l) => typeof l.code === 'string' && l.error !== undefined)).toBe(true);
  });
});

describe('Bad input: work messages into the worker', () => {
  it('fails each bad record alone, dead-letters it with a clear reason, and the deletion completes', async () => {
    // Prepare
    const recording = recordingObservability();
    const pipeline = await createReliabilityPipeline({
      stack: inject('localStack'),
      label: 'bad-worker',
      observability: recording.observability,
      // Long enough that no good unit outlives its visibility on a loaded machine: a good
      // message received twice and still running would otherwise be dead-lettered.
      settings: { maxReceiveCount: 2, visibilityTimeoutSeconds: 6 },
    });
    const dataset = await pipeline.seed(SIZE);
    const outside = await outsideTheGraph(pipeline);
    const jobId = await pipeline.requestDeletion({ entity: 'organization', id: 'acme' });
    const corpus = badWorkMessages(jobId);
    const pool = pipeline.pools[0];
    if (!pool) throw new Error('no pool');

    // Act: first one invocation by hand — the job's first message amid the whole corpus...
    const [root] = await pipeline.consumer.receive(pipeline.workQueueUrl, {
      max: 1,
      waitSeconds: 1,
      visibilityTimeoutSeconds: 30,
    });
    if (!root) throw new Error('the first message was not sent');
    const records = [
      ...corpus.map((bad, i) =>
        toSqsRecord(
          {
            messageId: `bad-${i}`,
            receiptHandle: `r-${i}`,
            body: bad.body,
            receiveCount: 1,
            sentTimestamp: Date.now(),
            md5OfBody: '',
          },
          pipeline.queueArn,
          'us-east-1',
        ),
      ),
      toSqsRecord(root, pipeline.queueArn, 'us-east-1'),
    ];
    const response = await pipeline.invokeWorker(pool, records);
    await pipeline.consumer.deleteBatch(pipeline.workQueueUrl, [root.receiptHandle]);
    // ...then the corpus on the queue, among the messages of the rest of the deletion.
    for (const bad of corpus) {
      await pipeline.clean.sqs.send(
        new SendMessageCommand({ QueueUrl: pipeline.workQueueUrl, MessageBody: bad.body }),
      );
    }
    pipeline.start();
    await pipeline.waitForCompletion(jobId, 90_000);
    await pipeline.stop();

    // Assess
    const reasonOf = (body: string) =>
      pipeline.failures.find((f) => f.body === body && f.explained === undefined)?.message;
    const corpusBodies = new Set(corpus.map((bad) => bad.body));
    const report = await checkDeletion({
      ...pipeline.checkInput(jobId, dataset),
      failures: pipeline.failures.filter((f) => !corpusBodies.has(f.body ?? '')),
      badInput: (body) => (corpusBodies.has(body) ? reasonOf(body) : undefined),
    });
    const outsideNow = await outside();
    writeResult(
      'bad-input-worker.json',
      corpus.map((bad) => ({ name: bad.name, reason: reasonOf(bad.body) })),
    );
    await pipeline.destroy();
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      corpus.map((_, i) => `bad-${i}`).sort(),
    );
    for (const bad of corpus) {
      expect({ name: bad.name, reason: reasonOf(bad.body) }).toEqual({
        name: bad.name,
        reason: expect.stringMatching(bad.reason),
      });
    }
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.deadLetters.map((l) => l.body).sort()).toEqual([...corpusBodies].sort());
    expect(outsideNow.rows).toBe(outsideNow.expected.rows);
    expect(outsideNow.objects).toBe(outsideNow.expected.objects);
    // Each failure was logged as an error (not retryable) with its code.
    const logged = recording.lines().filter((l) => l.code === 'INVALID_MESSAGE');
    expect(logged.length).toBeGreaterThanOrEqual(corpus.length * 3);
  });
});
