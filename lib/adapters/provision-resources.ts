// Creates tables, queues and buckets from a plain resource plan. Used for the local stack
// (on AWS the CDK construct owns these). Every step tolerates "already exists", so
// provisioning twice is harmless.
import {
  CreateTableCommand,
  DescribeTableCommand,
  type GlobalSecondaryIndex,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { AwsClients } from './aws-clients.js';

export interface IndexPlan {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey?: string | undefined;
}

export interface TablePlan {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey?: string | undefined;
  readonly indexes: readonly IndexPlan[];
  /**
   * DynamoDB types of key attributes (table and index keys) by name.
   * @default 'S' for every key attribute not named here
   */
  readonly attributeTypes?: Readonly<Record<string, 'S' | 'N'>> | undefined;
  readonly ttlAttribute?: string | undefined;
  readonly stream: boolean;
}

export interface QueuePlan {
  readonly name: string;
  readonly visibilityTimeoutSeconds: number;
  readonly deadLetter?: { readonly name: string; readonly maxReceiveCount: number };
}

export interface BucketPlan {
  readonly name: string;
  readonly versioned: boolean;
}

export interface ResourcePlan {
  readonly tables: readonly TablePlan[];
  readonly queues: readonly QueuePlan[];
  readonly buckets: readonly BucketPlan[];
}

export interface ProvisionedResources {
  /** Queue URLs by queue name (dead-letter queues included). */
  readonly queueUrls: Readonly<Record<string, string>>;
}

export async function provisionResources(
  clients: AwsClients,
  plan: ResourcePlan,
): Promise<ProvisionedResources> {
  await Promise.all(plan.tables.map((table) => createTable(clients, table)));
  await Promise.all(plan.buckets.map((bucket) => createBucket(clients, bucket)));
  const queueUrls: Record<string, string> = {};
  for (const queue of plan.queues) Object.assign(queueUrls, await createQueue(clients, queue));
  return { queueUrls };
}

async function createTable(clients: AwsClients, table: TablePlan): Promise<void> {
  const attributeNames = new Set<string>([table.partitionKey]);
  if (table.sortKey) attributeNames.add(table.sortKey);
  for (const index of table.indexes) {
    attributeNames.add(index.partitionKey);
    if (index.sortKey) attributeNames.add(index.sortKey);
  }
  const indexes: GlobalSecondaryIndex[] = table.indexes.map((index) => ({
    IndexName: index.name,
    KeySchema: keySchema(index.partitionKey, index.sortKey),
    Projection: { ProjectionType: 'ALL' },
  }));
  try {
    await clients.dynamodb.send(
      new CreateTableCommand({
        TableName: table.name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...attributeNames].map((name) => ({
          AttributeName: name,
          AttributeType: attributeTypeOf(table, name),
        })),
        KeySchema: keySchema(table.partitionKey, table.sortKey),
        ...(indexes.length > 0 ? { GlobalSecondaryIndexes: indexes } : {}),
        ...(table.stream
          ? { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } }
          : {}),
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    return; // exists: created by an earlier provisioning, TTL included
  }
  if (table.ttlAttribute) {
    await clients.dynamodb.send(
      new UpdateTimeToLiveCommand({
        TableName: table.name,
        TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true },
      }),
    );
  }
}

function attributeTypeOf(table: TablePlan, name: string): 'S' | 'N' {
  const types = table.attributeTypes;
  return (types !== undefined && Object.hasOwn(types, name) ? types[name] : undefined) ?? 'S';
}

function keySchema(partitionKey: string, sortKey: string | undefined) {
  return [
    { AttributeName: partitionKey, KeyType: 'HASH' as const },
    ...(sortKey ? [{ AttributeName: sortKey, KeyType: 'RANGE' as const }] : []),
  ];
}

async function createBucket(clients: AwsClients, bucket: BucketPlan): Promise<void> {
  try {
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket.name }));
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
  }
  if (bucket.versioned) {
    await clients.s3.send(
      new PutBucketVersioningCommand({
        Bucket: bucket.name,
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    );
  }
}

async function createQueue(clients: AwsClients, queue: QueuePlan): Promise<Record<string, string>> {
  const urls: Record<string, string> = {};
  const attributes: Record<string, string> = {
    VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
  };
  if (queue.deadLetter) {
    const dlqUrl = await queueUrlOf(clients, queue.deadLetter.name, {
      MessageRetentionPeriod: String(14 * 24 * 3600),
    });
    urls[queue.deadLetter.name] = dlqUrl;
    const { Attributes } = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
    );
    attributes.RedrivePolicy = JSON.stringify({
      deadLetterTargetArn: Attributes?.QueueArn,
      maxReceiveCount: queue.deadLetter.maxReceiveCount,
    });
  }
  urls[queue.name] = await queueUrlOf(clients, queue.name, attributes);
  return urls;
}

async function queueUrlOf(
  clients: AwsClients,
  name: string,
  attributes: Record<string, string>,
): Promise<string> {
  const { QueueUrl } = await clients.sqs.send(
    new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
  );
  if (!QueueUrl) throw new Error(`CreateQueue returned no URL for ${name}`);
  return QueueUrl;
}

/**
 * Turns on NEW_AND_OLD_IMAGES streams of existing tables (no-op where one is on). DynamoDB
 * Local slows down with every record its streams keep, so the local stack switches them on
 * only when something reads them.
 */
export async function enableStreams(
  clients: AwsClients,
  tableNames: readonly string[],
): Promise<void> {
  for (const name of tableNames) {
    const { Table } = await clients.dynamodb.send(new DescribeTableCommand({ TableName: name }));
    if (Table?.StreamSpecification?.StreamEnabled) continue;
    await clients.dynamodb.send(
      new UpdateTableCommand({
        TableName: name,
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
  }
}
