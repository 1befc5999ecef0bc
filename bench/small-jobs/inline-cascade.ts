// The floor for a small deletion: the inline cascade a team would write in the handler of
// its EntityDeleted rule — per entity, Query each child table's index by the entity id,
// BatchWriteItem the children and the entity's own row away, list its prefix, DeleteObjects.
// No state, no queue, no retries beyond unprocessed items. Same concurrency as lethe.
import {
  type AttributeValue,
  BatchWriteItemCommand,
  QueryCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { DeleteObjectsCommand } from '@aws-sdk/client-s3';
import {
  type AwsClients,
  createAwsClients,
  destroyAwsClients,
} from '../../lib/adapters/aws-clients.js';
import { backoffDelay, chunk, sleep } from '../../lib/retry.js';
import { listKeyPages } from '../runners/list-keys.js';
import { driveArrivals } from './arrivals.js';
import { BY_USER_INDEX, type SeededSmallJobs, USER_KEY, userPrefix } from './seed-small-jobs.js';
import type { SmallJobsRunner } from './small-jobs-types.js';

/** Lambda memory the inline handler is priced at, as lethe's worker (bench/runners/lethe-pipeline.ts). */
const HANDLER_MEMORY_GB = 1;

async function childKeys(clients: AwsClients, table: string, key: string, userId: string) {
  const keys: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await clients.dynamodb.send(
      new QueryCommand({
        TableName: table,
        IndexName: BY_USER_INDEX,
        KeyConditionExpression: '#u = :u',
        ProjectionExpression: '#k',
        ExpressionAttributeNames: { '#u': USER_KEY, '#k': key },
        ExpressionAttributeValues: { ':u': { S: userId } },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      const value = item[key];
      if (value) keys.push({ [key]: value });
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return keys;
}

async function batchDelete(
  clients: AwsClients,
  requests: { table: string; request: WriteRequest }[],
) {
  for (const batch of chunk(requests, 25)) {
    let pending: Record<string, WriteRequest[]> = {};
    for (const { table, request } of batch) {
      pending[table] = [...(pending[table] ?? []), request];
    }
    for (let attempt = 0; Object.keys(pending).length > 0; attempt++) {
      if (attempt > 0) await sleep(backoffDelay(attempt, { baseMs: 50, maxMs: 2000 }));
      const result = await clients.dynamodb.send(
        new BatchWriteItemCommand({ RequestItems: pending }),
      );
      pending = result.UnprocessedItems ?? {};
    }
  }
}

/** Deletes one user inline; returns the rows and objects it deleted. */
export async function deleteUserInline(
  clients: AwsClients,
  data: SeededSmallJobs,
  userId: string,
): Promise<number> {
  const requests: { table: string; request: WriteRequest }[] = [];
  for (const { table, key } of data.childTables) {
    for (const childKey of await childKeys(clients, table, key, userId)) {
      requests.push({ table, request: { DeleteRequest: { Key: childKey } } });
    }
  }
  requests.push({
    table: data.usersTable,
    request: { DeleteRequest: { Key: { [USER_KEY]: { S: userId } } } },
  });
  await batchDelete(clients, requests);
  let objects = 0;
  for await (const keys of listKeyPages(clients, data.bucket, userPrefix(userId))) {
    const result = await clients.s3.send(
      new DeleteObjectsCommand({
        Bucket: data.bucket,
        Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
      }),
    );
    const errors = result.Errors ?? [];
    if (errors.length > 0)
      throw new Error(`DeleteObjects: ${errors.length} keys failed (${errors[0]?.Code})`);
    objects += keys.length;
  }
  return requests.length + objects;
}

export const inlineCascadeRunner: SmallJobsRunner = async (env) => {
  const clients = createAwsClients({ region: env.region, endpoints: env.endpoints });
  try {
    let busyMs = 0;
    const measured = await env.measure(async () => {
      const latenciesMs: number[] = [];
      await driveArrivals(
        env.data.userIds,
        env.arrival,
        env.concurrency,
        async (userId, arrivedAt) => {
          const started = performance.now();
          await deleteUserInline(clients, env.data, userId);
          const ended = performance.now();
          busyMs += ended - started;
          latenciesMs.push(ended - arrivedAt);
        },
      );
      return latenciesMs;
    });
    const jobs = env.data.userIds.length;
    return {
      latenciesMs: measured.value,
      elapsedMs: measured.elapsedMs,
      usage: measured.usage,
      peakInFlight: measured.peakInFlight,
      // Priced as the handler of an EventBridge rule: one invocation per event.
      extraUsage: {
        lambdaInvocations: jobs,
        lambdaGbSeconds: (busyMs / 1000) * HANDLER_MEMORY_GB,
        eventBridgeEvents: jobs,
      },
      notes: [],
    };
  } finally {
    destroyAwsClients(clients);
  }
};
