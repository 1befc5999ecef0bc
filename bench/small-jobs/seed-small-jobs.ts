// Fresh data for one small-jobs run: N users, each with 10 posts and 10 comments (two child
// tables with a GSI by user) and 10 objects under `users/{userId}/`, and for every user a
// neighbour `{userId}x` (a root row, one post, one comment, one object under
// `users/{userId}x/`, which shares the user's prefix but for the slash) that must survive.
// Tables and bucket are the run's own. Seeding, verifying and dropping talk to the emulators
// directly: nothing here is delayed or counted.
import { randomBytes } from 'node:crypto';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  DeleteTableCommand,
  ScanCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { DeleteBucketCommand } from '@aws-sdk/client-s3';
import type { AwsClients } from '../../lib/adapters/aws-clients.js';
import { provisionResources } from '../../lib/adapters/provision-resources.js';
import { createS3ObjectStore } from '../../lib/adapters/s3-object-store.js';
import { backoffDelay, chunk, sleep } from '../../lib/retry.js';
import { putTinyObjects } from '../seed-objects.js';
import { createTaskPool } from '../task-pool.js';

/** Children of each user per child table, and objects under each user's prefix. */
export const ROWS_PER_CHILD_TABLE = 10;
export const OBJECTS_PER_USER = 10;

/** The child tables: name suffix, partition key; each has GSI `byUser` (userId, its key). */
export const CHILD_TABLES = [
  { suffix: 'posts', key: 'postId' },
  { suffix: 'comments', key: 'commentId' },
] as const;

export const USER_KEY = 'userId';
export const BY_USER_INDEX = 'byUser';

/** One small-jobs data set: where it lives and which users are to be deleted. */
export interface SeededSmallJobs {
  /** Prefix of the run's tables: `{prefix}-users`, `{prefix}-posts`, `{prefix}-comments`. */
  readonly prefix: string;
  readonly usersTable: string;
  readonly childTables: readonly { readonly table: string; readonly key: string }[];
  readonly bucket: string;
  /** Users whose deletion is requested, in arrival order. */
  readonly userIds: readonly string[];
  /** Rows and objects of those users: what a complete run deletes. */
  readonly itemsPerUser: number;
}

export interface SmallJobsVerification {
  /** Rows and objects of deleted users still there. */
  readonly remaining: number;
  readonly neighboursIntact: boolean;
}

const PAYLOAD = 'p'.repeat(120);

/** `users/{userId}/`: the prefix a user owns (the neighbour `{userId}x` has its own). */
export function userPrefix(userId: string): string {
  return `users/${userId}/`;
}

export function neighbourOf(userId: string): string {
  return `${userId}x`;
}

function objectKeys(userId: string, count: number): string[] {
  return Array.from(
    { length: count },
    (_, i) => `${userPrefix(userId)}k${String(i).padStart(2, '0')}`,
  );
}

function rowPut(item: Record<string, string>): WriteRequest {
  const attributes: Record<string, AttributeValue> = { payload: { S: PAYLOAD } };
  for (const [name, value] of Object.entries(item)) attributes[name] = { S: value };
  return { PutRequest: { Item: attributes } };
}

async function writeBatch(clients: AwsClients, table: string, batch: WriteRequest[]) {
  let pending = batch;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > 0) await sleep(backoffDelay(attempt, { baseMs: 50, maxMs: 2000 }));
    const result = await clients.dynamodb.send(
      new BatchWriteItemCommand({ RequestItems: { [table]: pending } }),
    );
    pending = result.UnprocessedItems?.[table] ?? [];
  }
}

/**
 * Creates the run's tables and bucket and writes `count` users with their children and
 * objects, plus one neighbour per user. `s3Endpoint` is the emulator itself, never the proxy.
 */
export async function seedSmallJobs(
  clients: AwsClients,
  s3Endpoint: string,
  count: number,
): Promise<SeededSmallJobs> {
  const suffix = randomBytes(4).toString('hex');
  const prefix = `bench-small-${suffix}`;
  const usersTable = `${prefix}-users`;
  const childTables = CHILD_TABLES.map(({ suffix: name, key }) => ({
    table: `${prefix}-${name}`,
    key,
  }));
  const bucket = prefix;
  await provisionResources(clients, {
    tables: [
      { name: usersTable, partitionKey: USER_KEY, indexes: [], stream: false },
      ...childTables.map(({ table, key }) => ({
        name: table,
        partitionKey: key,
        indexes: [{ name: BY_USER_INDEX, partitionKey: USER_KEY, sortKey: key }],
        stream: false,
      })),
    ],
    queues: [],
    buckets: [{ name: bucket, versioned: false }],
  });
  const userIds = Array.from(
    { length: count },
    (_, i) => `u${suffix}-${String(i).padStart(6, '0')}`,
  );
  const writes = new Map<string, WriteRequest[]>([[usersTable, []]]);
  const keys: string[] = [];
  const add = (userId: string, children: number, objects: number) => {
    writes.get(usersTable)?.push(rowPut({ [USER_KEY]: userId }));
    for (const { table, key } of childTables) {
      const list = writes.get(table) ?? [];
      writes.set(table, list);
      for (let j = 0; j < children; j++) {
        list.push(rowPut({ [key]: `${userId}-${key}-${j}`, [USER_KEY]: userId }));
      }
    }
    keys.push(...objectKeys(userId, objects));
  };
  for (const userId of userIds) {
    add(userId, ROWS_PER_CHILD_TABLE, OBJECTS_PER_USER);
    add(neighbourOf(userId), 1, 1);
  }
  const pool = createTaskPool(16);
  for (const [table, requests] of writes) {
    for (const batch of chunk(requests, 25))
      await pool.submit(() => writeBatch(clients, table, batch));
  }
  await pool.drain();
  await putTinyObjects(s3Endpoint, bucket, keys, 64);
  return {
    prefix,
    usersTable,
    childTables,
    bucket,
    userIds,
    itemsPerUser: 1 + ROWS_PER_CHILD_TABLE * childTables.length + OBJECTS_PER_USER,
  };
}

/** Every value of `attribute` in `table`, one paginated Scan (verification only, never measured). */
async function scanValues(
  clients: AwsClients,
  table: string,
  attribute: string,
): Promise<string[]> {
  const values: string[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await clients.dynamodb.send(
      new ScanCommand({
        TableName: table,
        ProjectionExpression: '#a',
        ExpressionAttributeNames: { '#a': attribute },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      const value = item[attribute]?.S;
      if (value !== undefined) values.push(value);
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return values;
}

async function allKeys(clients: AwsClients, bucket: string): Promise<string[]> {
  const store = createS3ObjectStore(clients);
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await store.listPage(bucket, '', token);
    keys.push(...page.keys);
    token = page.nextToken;
  } while (token);
  return keys;
}

/**
 * What is left of the deleted users (root rows, children, objects) and whether every
 * neighbour row and object is still there, read straight from the emulators.
 */
export async function verifySmallJobs(
  clients: AwsClients,
  seeded: SeededSmallJobs,
): Promise<SmallJobsVerification> {
  const deleted = new Set(seeded.userIds);
  const neighbours = new Set(seeded.userIds.map(neighbourOf));
  let remaining = 0;
  let neighbourItems = 0;
  const tally = (owner: string | undefined) => {
    if (owner === undefined) return;
    if (deleted.has(owner)) remaining += 1;
    else if (neighbours.has(owner)) neighbourItems += 1;
  };
  for (const userId of await scanValues(clients, seeded.usersTable, USER_KEY)) tally(userId);
  for (const { table } of seeded.childTables) {
    for (const userId of await scanValues(clients, table, USER_KEY)) tally(userId);
  }
  for (const key of await allKeys(clients, seeded.bucket))
    tally(/^users\/([^/]+)\//.exec(key)?.[1]);
  // Per neighbour: its root row, one child per child table, one object.
  const expected = neighbours.size * (1 + seeded.childTables.length + 1);
  return { remaining, neighboursIntact: neighbourItems === expected };
}

/** Removes the run's tables and bucket. */
export async function dropSmallJobs(clients: AwsClients, seeded: SeededSmallJobs): Promise<void> {
  for (const table of [seeded.usersTable, ...seeded.childTables.map((c) => c.table)]) {
    await clients.dynamodb.send(new DeleteTableCommand({ TableName: table }));
  }
  const store = createS3ObjectStore(clients);
  for (;;) {
    const page = await store.listPage(seeded.bucket, '', undefined);
    if (page.keys.length === 0) break;
    await store.deleteKeys(seeded.bucket, page.keys);
  }
  await clients.s3.send(new DeleteBucketCommand({ Bucket: seeded.bucket }));
}
