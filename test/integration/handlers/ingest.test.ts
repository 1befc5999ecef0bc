import { randomUUID } from 'node:crypto';
import type {
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  EventBridgeEvent,
  SQSBatchResponse,
} from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createIngestHandler } from '../../../functions/ingest.js';
import type { EntityDeletedDetail } from '../../../functions/ingest-events.js';
import { graphFingerprint } from '../../../lib/graph/graph-fingerprint.js';
import {
  ACCOUNT,
  createHandlerPipeline,
  lambdaContext,
  quietObservability,
  sqsRecord,
} from './handler-fixtures.js';

function entityDeleted(
  detail: Record<string, unknown>,
  source = 'com.example.accounts',
): EventBridgeEvent<'EntityDeleted', Record<string, unknown>> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'EntityDeleted',
    source,
    account: ACCOUNT,
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [],
    detail,
  };
}

let sequence = 100_000_000_000_000_000_000n;

/** A REMOVE (or other) record as a DynamoDB stream event source mapping delivers it. */
function streamRecord(
  tableName: string,
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
  keys: Record<string, { S: string }>,
  image: Record<string, { S: string }> = keys,
): DynamoDBRecord {
  sequence += 1n;
  return {
    eventID: randomUUID().replaceAll('-', ''),
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    eventSourceARN: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${tableName}/stream/2025-01-01T00:00:00.000`,
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
      Keys: keys,
      ...(eventName === 'REMOVE' ? { OldImage: image } : { NewImage: image }),
      SequenceNumber: String(sequence),
      SizeBytes: 64,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

describe('Function: createIngestHandler', () => {
  describe('EventBridge EntityDeleted', () => {
    it('starts a job for the entity: tombstone, job and first message', async () => {
      // Prepare
      const pipeline = await createHandlerPipeline('ingest-eb');
      const handler = createIngestHandler(pipeline.graph, {
        engine: pipeline.engine,
        ...quietObservability(),
      });
      const detail: EntityDeletedDetail = {
        entity: 'organization',
        id: 'org-eb-1',
        tenantId: 'tenant-7',
        requestId: 'req-42',
        deletedAt: new Date().toISOString(),
      };

      // Act
      await handler(entityDeleted(detail), lambdaContext('lethe-ingest'));

      // Assess
      const tombstone = await pipeline.engine.getTombstone('organization', 'org-eb-1');
      expect(tombstone).toBeDefined();
      const job = await pipeline.engine.getJob(tombstone?.jobId ?? '');
      expect(job).toMatchObject({
        entity: 'organization',
        id: 'org-eb-1',
        tenantId: 'tenant-7',
        requestId: 'req-42',
        requester: 'eventbridge:com.example.accounts',
        status: 'running',
      });
      const messages = await pipeline.receiveAll();
      expect(messages.map((m) => JSON.parse(m.Body ?? '{}'))).toEqual([
        expect.objectContaining({ type: 'cascade', entity: 'organization', id: 'org-eb-1' }),
      ]);
    });

    it('returns the existing job when the same entity is deleted again', async () => {
      // Prepare
      const pipeline = await createHandlerPipeline('ingest-eb-again');
      const handler = createIngestHandler(pipeline.graph, {
        engine: pipeline.engine,
        ...quietObservability(),
      });
      const event = entityDeleted({ entity: 'project', id: 'proj-1' });

      // Act
      const first = await handler(event, lambdaContext('lethe-ingest'));
      const second = await handler(event, lambdaContext('lethe-ingest'));

      // Assess
      expect(first).toMatchObject({ created: true });
      expect(second).toMatchObject({ created: false, jobId: (first as { jobId: string }).jobId });
    });

    it('throws on an invalid event, so that it is retried and then dead-lettered', async () => {
      // Prepare
      const pipeline = await createHandlerPipeline('ingest-eb-bad');
      const handler = createIngestHandler(pipeline.graph, {
        engine: pipeline.engine,
        ...quietObservability(),
      });

      // Act
      const settle = (event: ReturnType<typeof entityDeleted>) =>
        handler(event, lambdaContext('i')).then(
          () => undefined,
          (error: unknown) => error,
        );
      const [missingId, unknown] = await Promise.all([
        settle(entityDeleted({ entity: 'project' })),
        settle(entityDeleted({ entity: 'planet', id: 'p' })),
      ]);

      // Assess
      expect(missingId).toMatchObject({ code: 'INVALID_EVENT' });
      expect(unknown).toMatchObject({ code: 'UNKNOWN_ENTITY' });
    });
  });

  describe('DynamoDB stream REMOVE', () => {
    it('tombstones the removed root entity and starts its job; a bad record fails alone', async () => {
      // Prepare
      const pipeline = await createHandlerPipeline('ingest-stream');
      const handler = createIngestHandler(pipeline.graph, {
        engine: pipeline.engine,
        streamEntities: ['organization'],
        ...quietObservability(),
      });
      const table = pipeline.graph.tables.organizations?.name ?? '';
      const removed = streamRecord(table, 'REMOVE', { orgId: { S: 'org-s-1' } });
      const foreign = streamRecord('someone-elses-table', 'REMOVE', { id: { S: 'x' } });
      const event: DynamoDBStreamEvent = { Records: [removed, foreign] };

      // Act
      const response = (await handler(
        event,
        lambdaContext('lethe-ingest'),
      )) as DynamoDBBatchResponse;

      // Assess
      expect(response.batchItemFailures).toEqual([
        { itemIdentifier: foreign.dynamodb?.SequenceNumber },
      ]);
      const tombstone = await pipeline.engine.getTombstone('organization', 'org-s-1');
      const job = await pipeline.engine.getJob(tombstone?.jobId ?? '');
      expect(job).toMatchObject({
        entity: 'organization',
        id: 'org-s-1',
        requester: `dynamodb-stream:${table}`,
        requestId: removed.eventID,
      });
    });

    it('records a removal made by DynamoDB TTL as requested by TTL, or skips it when told to', async () => {
      // Prepare
      const pipeline = await createHandlerPipeline('ingest-stream-ttl');
      const table = pipeline.graph.tables.organizations?.name ?? '';
      const byTtl = (id: string): DynamoDBRecord => ({
        ...streamRecord(table, 'REMOVE', { orgId: { S: id } }),
        userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
      });
      const starting = createIngestHandler(pipeline.graph, {
        engine: pipeline.engine,
        ...quietObservability(),
      });
      const ignoring = createIngestHandler(pipeline.graph, {
        engine: pipeline.engine,
        env: { LETHE_TTL_REMOVALS: 'ignore' },
        ...quietObservability(),
      });

      // Act
      const started = await starting({ Records: [byTtl('org-ttl-1')] }, lambdaContext('ingest'));
      const ignored = await ignoring(
        {
          Records: [
            byTtl('org-ttl-2'),
            streamRecord(table, 'REMOVE', { orgId: { S: 'org-ttl-3' } }),
          ],
        },
        lambdaContext('ingest'),
      );

      // Assess
      expect(started).toEqual({ batchItemFailures: [] });
      expect(ignored).toEqual({ batchItemFailures: [] });
      const ttlJob = await pipeline.engine.getJob(
        (await pipeline.engine.getTombstone('organization', 'org-ttl-1'))?.jobId ?? '',
      );
      expect(ttlJob).toMatchObject({ id: 'org-ttl-1', requester: `dynamodb-ttl:${table}` });
      expect(await pipeline.engine.getTombstone('organization', 'org-ttl-2')).toBeUndefined();
      const userJob = await pipeline.engine.getJob(
        (await pipeline.engine.getTombstone('organization', 'org-ttl-3'))?.jobId ?? '',
      );
      expect(userJob).toMatchObject({ id: 'org-ttl-3', requester: `dynamodb-stream:${table}` });
    });

    it('skips changes that are not removals', async () => {
      // Prepare
      const pipeline = await createHandlerPipeline('ingest-stream-insert');
      const handler = createIngestHandler(pipeline.graph, {
        engine: pipeline.engine,
        ...quietObservability(),
      });
      const table = pipeline.graph.tables.organizations?.name ?? '';

      // Act
      const response = await handler(
        { Records: [streamRecord(table, 'INSERT', { orgId: { S: 'org-new' } })] },
        lambdaContext('lethe-ingest'),
      );

      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      expect(await pipeline.engine.getTombstone('organization', 'org-new')).toBeUndefined();
    });
  });

  describe('SQS deletion requests', () => {
    it('accepts bare requests and wrapped events, and reports only the bad message', async () => {
      // Prepare
      const pipeline = await createHandlerPipeline('ingest-sqs');
      const handler = createIngestHandler(pipeline.graph, {
        engine: pipeline.engine,
        ...quietObservability(),
      });
      const queueArn = `arn:aws:sqs:us-east-1:${ACCOUNT}:deletion-requests`;

      // Act
      const response = (await handler(
        {
          Records: [
            sqsRecord({ messageId: 'bare', body: '{"entity":"project","id":"p-1"}' }, queueArn),
            sqsRecord(
              {
                messageId: 'wrapped',
                body: JSON.stringify(entityDeleted({ entity: 'project', id: 'p-2' })),
              },
              queueArn,
            ),
            sqsRecord({ messageId: 'bad', body: '{"entity":"project"}' }, queueArn),
          ],
        },
        lambdaContext('lethe-ingest'),
      )) as SQSBatchResponse;

      // Assess
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'bad' }]);
      const bare = await pipeline.engine.getTombstone('project', 'p-1');
      expect(await pipeline.engine.getJob(bare?.jobId ?? '')).toMatchObject({
        requester: 'sqs:deletion-requests',
      });
      expect(await pipeline.engine.getTombstone('project', 'p-2')).toBeDefined();
    });
  });

  describe('Built from the environment', () => {
    it('reads the state table and queue from the variables the construct sets', async () => {
      // Prepare
      const pipeline = await createHandlerPipeline('ingest-env');
      const handler = createIngestHandler(pipeline.graph, {
        clients: pipeline.clients,
        env: {
          LETHE_STATE_TABLE: pipeline.settings.stateTableName,
          LETHE_WORK_QUEUE_URL: pipeline.workQueueUrl,
          LETHE_SHARDS: String(pipeline.settings.shards),
          LETHE_GRAPH_FINGERPRINT: graphFingerprint(pipeline.graph),
        },
        ...quietObservability(),
      });

      // Act
      await handler(
        entityDeleted({ entity: 'organization', id: 'org-env' }),
        lambdaContext('lethe-ingest'),
      );

      // Assess
      expect(await pipeline.engine.getTombstone('organization', 'org-env')).toBeDefined();
    });

    it('refuses to start with a graph other than the one it was deployed for', async () => {
      // Prepare
      const pipeline = await createHandlerPipeline('ingest-mismatch');

      // Act
      const create = () =>
        createIngestHandler(pipeline.graph, {
          clients: pipeline.clients,
          env: {
            LETHE_STATE_TABLE: pipeline.settings.stateTableName,
            LETHE_WORK_QUEUE_URL: pipeline.workQueueUrl,
            LETHE_GRAPH_FINGERPRINT: '0123456789abcdef',
          },
          ...quietObservability(),
        });

      // Assess
      expect(create).toThrow(
        /bundled with graph [0-9a-f]{16}, but deployed for graph 0123456789abcdef/,
      );
    });
  });
});
