import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { exampleGraph } from '../../infra/example-graph.js';
import { destroyAwsClients } from '../../lib/adapters/aws-clients.js';
import { resolveSettings } from '../../lib/settings.js';
import { provisionLocal } from '../../local/provision-local.js';
import { localClients, uniquePrefix } from './support/local-clients.js';

describe('Function: provisionLocal', () => {
  const clients = localClients();
  const prefix = uniquePrefix('prov');
  const graph = exampleGraph({ prefix });
  const settings = resolveSettings({
    stateTableName: `${prefix}-state`,
    workQueueName: `${prefix}-work`,
    deadLetterQueueName: `${prefix}-dlq`,
  });
  afterAll(() => destroyAwsClients(clients));

  it('creates the state table with pk/sk, a TTL attribute and a stream', async () => {
    // Act
    await provisionLocal(clients, graph, settings);
    const { Table } = await clients.dynamodb.send(
      new DescribeTableCommand({ TableName: settings.stateTableName }),
    );
    const ttl = await clients.dynamodb.send(
      new DescribeTimeToLiveCommand({ TableName: settings.stateTableName }),
    );

    // Assess
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(Table?.StreamSpecification?.StreamEnabled).toBe(true);
    expect(ttl.TimeToLiveDescription?.AttributeName).toBe('expiresAt');
  });

  it('is idempotent: provisioning twice returns the same queues', async () => {
    // Act
    const first = await provisionLocal(clients, graph, settings);
    const second = await provisionLocal(clients, graph, settings);

    // Assess
    expect(second.queueUrls).toEqual(first.queueUrls);
  });

  it('gives the work queue a redrive policy to its dead-letter queue', async () => {
    // Prepare
    const { queueUrls } = await provisionLocal(clients, graph, settings);
    const workUrl = queueUrls[settings.workQueueName] ?? '';
    const dlqUrl = queueUrls[settings.deadLetterQueueName] ?? '';

    // Act
    const work = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: workUrl, AttributeNames: ['All'] }),
    );
    const dlq = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
    );

    // Assess
    const redrive = JSON.parse(work.Attributes?.RedrivePolicy ?? '{}') as Record<string, unknown>;
    expect(redrive.deadLetterTargetArn).toBe(dlq.Attributes?.QueueArn);
    expect(Number(redrive.maxReceiveCount)).toBe(settings.maxReceiveCount);
    expect(work.Attributes?.VisibilityTimeout).toBe(String(settings.visibilityTimeoutSeconds));
  });

  it('creates the graph tables with their GSIs, usable through the SDK', async () => {
    // Prepare
    await provisionLocal(clients, graph, settings);
    const projects = graph.tables.projects?.name ?? '';

    // Act
    await clients.documents.send(
      new PutCommand({ TableName: projects, Item: { projectId: 'p1', orgId: 'o1' } }),
    );
    const byKey = await clients.documents.send(
      new GetCommand({ TableName: projects, Key: { projectId: 'p1' } }),
    );
    const byIndex = await clients.documents.send(
      new QueryCommand({
        TableName: projects,
        IndexName: 'byOrg',
        KeyConditionExpression: 'orgId = :o',
        ExpressionAttributeValues: { ':o': 'o1' },
      }),
    );

    // Assess
    expect(byKey.Item).toEqual({ projectId: 'p1', orgId: 'o1' });
    expect(byIndex.Items).toEqual([{ projectId: 'p1', orgId: 'o1' }]);
  });

  it('creates the graph buckets, usable through the SDK', async () => {
    // Prepare
    await provisionLocal(clients, graph, settings);
    const bucket = graph.buckets.artifacts?.name ?? '';

    // Act
    await clients.s3.send(new HeadBucketCommand({ Bucket: bucket }));
    await clients.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'projects/p1/a', Body: 'x' }),
    );
    const object = await clients.s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'projects/p1/a' }),
    );

    // Assess
    expect(await object.Body?.transformToString()).toBe('x');
  });
});
