// DocumentStore on DynamoDB through the document client: the only code that turns the
// engine's plain reads and writes into DynamoDB calls.
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  ConditionFailedError,
  DynamoDbRequestRefusedError,
  LetheError,
  TransactionCancelledError,
} from '../errors.js';
import type {
  DocumentStore,
  Expression,
  Item,
  Key,
  QueryPage,
  QuerySpec,
  TransactItem,
  UpdateSpec,
} from '../ports/document-store.js';
import { backoffDelay, chunk, mapConcurrent, sleep } from '../retry.js';
import type { AwsClients } from './aws-clients.js';
import { mergeTransactItems } from './merge-transact-items.js';

export interface DynamoDbDocumentStoreOptions {
  readonly batchWriteConcurrency?: number;
  readonly maxUnprocessedRetries?: number;
}

function conditionPart(e?: Expression): { ConditionExpression?: string } {
  return e ? { ConditionExpression: e.expression } : {};
}

function filterPart(e?: Expression): { FilterExpression?: string } {
  return e ? { FilterExpression: e.expression } : {};
}

function mergeNamesValues(...expressions: (Expression | undefined)[]) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  for (const e of expressions) {
    Object.assign(names, e?.names);
    Object.assign(values, e?.values);
  }
  return {
    ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
    ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
  };
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** AWS errors that answer the request itself, so repeating it cannot change the answer. */
const REFUSED_REQUEST_ERRORS = new Set(['ValidationException']);

/**
 * Sends a command, turning a refusal that no retry can fix into DynamoDbRequestRefusedError
 * (naming the table and operation), so the engine can settle a unit with the reason instead
 * of letting the raw error walk the message to the DLQ.
 */
async function sendOrExplain<T>(
  table: string,
  operation: string,
  send: () => Promise<T>,
  index?: string,
): Promise<T> {
  try {
    return await send();
  } catch (error) {
    if (error instanceof Error && REFUSED_REQUEST_ERRORS.has(error.name)) {
      throw new DynamoDbRequestRefusedError(
        { table, index, operation, awsError: error.name, reason: error.message },
        { cause: error },
      );
    }
    throw error;
  }
}

export function createDynamoDbDocumentStore(
  clients: AwsClients,
  options: DynamoDbDocumentStoreOptions = {},
): DocumentStore {
  const db = clients.documents;
  const concurrency = options.batchWriteConcurrency ?? 8;
  const maxRetries = options.maxUnprocessedRetries ?? 12;

  type WriteRequest = { DeleteRequest: { Key: Key } } | { PutRequest: { Item: Item } };
  async function batchWrite(table: string, requests: readonly WriteRequest[]): Promise<void> {
    await mapConcurrent(chunk(requests, 25), concurrency, async (batch) => {
      let pending: WriteRequest[] = batch;
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > maxRetries) {
          throw new LetheError(
            'UNPROCESSED_ITEMS',
            `${pending.length} writes on ${table} stayed unprocessed`,
            {
              retryable: true,
            },
          );
        }
        if (attempt > 0) await sleep(backoffDelay(attempt));
        const result = await sendOrExplain(table, 'BatchWriteItem', () =>
          db.send(new BatchWriteCommand({ RequestItems: { [table]: pending } })),
        );
        pending = (result.UnprocessedItems?.[table] ?? []) as WriteRequest[];
      }
    });
  }

  return {
    async get(table, key, consistent = true) {
      const result = await sendOrExplain(table, 'GetItem', () =>
        db.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: consistent })),
      );
      return result.Item;
    },

    async put(table, item, condition) {
      try {
        await sendOrExplain(table, 'PutItem', () =>
          db.send(
            new PutCommand({
              TableName: table,
              Item: item,
              ...conditionPart(condition),
              ...mergeNamesValues(condition),
            }),
          ),
        );
      } catch (error) {
        if (isConditionFailure(error))
          throw new ConditionFailedError(`put on ${table} refused`, { cause: error });
        throw error;
      }
    },

    async update(spec: UpdateSpec) {
      try {
        const result = await sendOrExplain(spec.table, 'UpdateItem', () =>
          db.send(
            new UpdateCommand({
              TableName: spec.table,
              Key: spec.key,
              UpdateExpression: spec.update.expression,
              ...conditionPart(spec.condition),
              ...mergeNamesValues(spec.update, spec.condition),
              ReturnValues: 'ALL_NEW',
            }),
          ),
        );
        return result.Attributes ?? {};
      } catch (error) {
        if (isConditionFailure(error))
          throw new ConditionFailedError(`update on ${spec.table} refused`, { cause: error });
        throw error;
      }
    },

    async delete(table, key, condition) {
      try {
        await sendOrExplain(table, 'DeleteItem', () =>
          db.send(
            new DeleteCommand({
              TableName: table,
              Key: key,
              ...conditionPart(condition),
              ...mergeNamesValues(condition),
            }),
          ),
        );
      } catch (error) {
        if (isConditionFailure(error))
          throw new ConditionFailedError(`delete on ${table} refused`, { cause: error });
        throw error;
      }
    },

    async query(spec: QuerySpec): Promise<QueryPage> {
      const result = await sendOrExplain(
        spec.table,
        'Query',
        () =>
          db.send(
            new QueryCommand({
              TableName: spec.table,
              ...(spec.index ? { IndexName: spec.index } : {}),
              KeyConditionExpression: spec.keyCondition.expression,
              ...filterPart(spec.filter),
              ...mergeNamesValues(spec.keyCondition, spec.filter),
              ...(spec.limit ? { Limit: spec.limit } : {}),
              ...(spec.startKey ? { ExclusiveStartKey: spec.startKey } : {}),
              ...(spec.consistent && !spec.index ? { ConsistentRead: true } : {}),
              ...(spec.descending ? { ScanIndexForward: false } : {}),
            }),
          ),
        spec.index,
      );
      return { items: result.Items ?? [], lastKey: result.LastEvaluatedKey as Key | undefined };
    },

    async transact(items: readonly TransactItem[]) {
      const merged = mergeTransactItems(items);
      try {
        const tables = [...new Set(items.map((item) => item.table))].join('", "');
        await sendOrExplain(tables, 'TransactWriteItems', () =>
          db.send(new TransactWriteCommand({ TransactItems: merged.items.map(toTransactItem) })),
        );
      } catch (error) {
        if (error instanceof TransactionCanceledException) {
          const reasons = (error.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
          // Reported per given item: callers read the reason of the item they wrote.
          throw new TransactionCancelledError(
            merged.origin.map((slot) => reasons[slot] ?? 'None'),
            { cause: error },
          );
        }
        throw error;
      }
    },

    async batchGet(table, keys, attributes) {
      const projection =
        attributes && attributes.length > 0
          ? {
              ProjectionExpression: attributes.map((_, i) => `#a${i}`).join(', '),
              ExpressionAttributeNames: Object.fromEntries(attributes.map((a, i) => [`#a${i}`, a])),
            }
          : {};
      const found: Item[] = [];
      await mapConcurrent(chunk(keys, 100), concurrency, async (batch) => {
        let pending: Key[] = batch;
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (attempt > maxRetries) {
            throw new LetheError(
              'UNPROCESSED_KEYS',
              `${pending.length} reads on ${table} stayed unprocessed`,
              { retryable: true },
            );
          }
          if (attempt > 0) await sleep(backoffDelay(attempt));
          const result = await db.send(
            new BatchGetCommand({
              RequestItems: { [table]: { Keys: pending, ConsistentRead: true, ...projection } },
            }),
          );
          found.push(...(result.Responses?.[table] ?? []));
          pending = (result.UnprocessedKeys?.[table]?.Keys ?? []) as Key[];
        }
      });
      return found;
    },

    async batchDelete(table, keys) {
      await batchWrite(
        table,
        keys.map((key) => ({ DeleteRequest: { Key: key } })),
      );
    },

    async batchPut(table, items) {
      await batchWrite(
        table,
        items.map((item) => ({ PutRequest: { Item: item } })),
      );
    },
  };
}

function toTransactItem(item: TransactItem) {
  switch (item.kind) {
    case 'put':
      return {
        Put: {
          TableName: item.table,
          Item: item.item,
          ...conditionPart(item.condition),
          ...mergeNamesValues(item.condition),
        },
      };
    case 'update':
      return {
        Update: {
          TableName: item.table,
          Key: item.key,
          UpdateExpression: item.update.expression,
          ...conditionPart(item.condition),
          ...mergeNamesValues(item.update, item.condition),
        },
      };
    case 'delete':
      return {
        Delete: {
          TableName: item.table,
          Key: item.key,
          ...conditionPart(item.condition),
          ...mergeNamesValues(item.condition),
        },
      };
    case 'check':
      return {
        ConditionCheck: {
          TableName: item.table,
          Key: item.key,
          ConditionExpression: item.condition.expression,
          ...mergeNamesValues(item.condition),
        },
      };
  }
}
