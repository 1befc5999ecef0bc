// Fresh data for one row run: a table of its own with a GSI by parent, N child rows of one
// parent written with BatchWriteItem, and rows of a second parent that must survive. Talks
// to DynamoDB Local directly: nothing here is delayed or counted.
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  DeleteTableCommand,
  QueryCommand,
  ScanCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import type { AwsClients } from '../lib/adapters/aws-clients.js';
import { provisionResources } from '../lib/adapters/provision-resources.js';
import { backoffDelay, chunk, sleep } from '../lib/retry.js';
import type { RestoreVerification } from './bench-results.js';
import type { SeededRows } from './bench-types.js';
import { createTaskPool } from './task-pool.js';

export interface SeedRowsOptions {
  readonly count: number;
  /** BatchWriteItem calls in flight. @default 16 */
  readonly concurrency?: number;
  /** @default 10 */
  readonly neighbours?: number;
}

export interface RowsVerification {
  readonly remaining: number;
  readonly neighboursIntact: boolean;
}

const KEY = 'itemId';
const PARENT = 'parentId';
const INDEX = 'byParent';
// About the size of a typical child row (a few attributes, ~200 bytes): well under 1 KB.
const PAYLOAD = 'p'.repeat(120);

/** The row seeded for `parentId` at `index`: the same every time, so a check can rebuild it. */
function seededRow(parentId: string, index: number): Record<string, AttributeValue> {
  return {
    [KEY]: { S: `${parentId}-r${String(index).padStart(7, '0')}` },
    [PARENT]: { S: parentId },
    payload: { S: PAYLOAD },
    createdAt: { S: '2026-01-01T00:00:00.000Z' },
  };
}

function rowRequest(parentId: string, index: number): WriteRequest {
  return { PutRequest: { Item: seededRow(parentId, index) } };
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

export async function seedRows(clients: AwsClients, options: SeedRowsOptions): Promise<SeededRows> {
  const suffix = randomBytes(4).toString('hex');
  const table = `bench-rows-${suffix}`;
  const parentId = `p${suffix}`;
  const neighbourParentId = `q${suffix}`;
  const neighbourCount = options.neighbours ?? 10;
  await provisionResources(clients, {
    tables: [
      {
        name: table,
        partitionKey: KEY,
        indexes: [{ name: INDEX, partitionKey: PARENT, sortKey: KEY }],
        stream: false,
      },
    ],
    queues: [],
    buckets: [],
  });
  const requests = [
    ...Array.from({ length: options.count }, (_, i) => rowRequest(parentId, i)),
    ...Array.from({ length: neighbourCount }, (_, i) => rowRequest(neighbourParentId, i)),
  ];
  const pool = createTaskPool(options.concurrency ?? 16);
  for (const batch of chunk(requests, 25)) {
    await pool.submit(() => writeBatch(clients, table, batch));
  }
  await pool.drain();
  return {
    table,
    keyAttribute: KEY,
    parentAttribute: PARENT,
    index: INDEX,
    parentId,
    count: options.count,
    neighbourParentId,
    neighbourCount,
  };
}

async function countChildren(clients: AwsClients, seeded: SeededRows, parentId: string) {
  let count = 0;
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await clients.dynamodb.send(
      new QueryCommand({
        TableName: seeded.table,
        IndexName: seeded.index,
        KeyConditionExpression: '#p = :p',
        ExpressionAttributeNames: { '#p': seeded.parentAttribute },
        ExpressionAttributeValues: { ':p': { S: parentId } },
        Select: 'COUNT',
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return count;
}

export async function verifyRows(
  clients: AwsClients,
  seeded: SeededRows,
): Promise<RowsVerification> {
  const remaining = await countChildren(clients, seeded, seeded.parentId);
  const neighbours = await countChildren(clients, seeded, seeded.neighbourParentId);
  return { remaining, neighboursIntact: neighbours === seeded.neighbourCount };
}

/**
 * After a restore: reads the whole table (a strongly consistent Scan, straight from DynamoDB
 * Local) and compares every deleted row with the row seeded, attribute for attribute — all
 * of them, no sample — and the neighbours with theirs; anything else in the table is extra.
 */
export async function verifyRestoredRows(
  clients: AwsClients,
  seeded: SeededRows,
): Promise<RestoreVerification> {
  const found = new Map<string, Record<string, AttributeValue>>();
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await clients.dynamodb.send(
      new ScanCommand({
        TableName: seeded.table,
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of page.Items ?? []) found.set(item[KEY]?.S ?? '', item);
    start = page.LastEvaluatedKey;
  } while (start);
  const compare = (parentId: string, count: number) => {
    let equal = 0;
    let missing = 0;
    let differ = 0;
    for (let i = 0; i < count; i++) {
      const expected = seededRow(parentId, i);
      const key = expected[KEY]?.S ?? '';
      const actual = found.get(key);
      found.delete(key);
      if (!actual) missing++;
      else if (isDeepStrictEqual(actual, expected)) equal++;
      else differ++;
    }
    return { equal, missing, differ };
  };
  const restored = compare(seeded.parentId, seeded.count);
  const neighbours = compare(seeded.neighbourParentId, seeded.neighbourCount);
  return {
    checked: seeded.count,
    ...restored,
    extra: found.size,
    neighboursIntact: neighbours.equal === seeded.neighbourCount,
  };
}

export async function dropRows(clients: AwsClients, seeded: SeededRows): Promise<void> {
  await clients.dynamodb.send(new DeleteTableCommand({ TableName: seeded.table }));
}
