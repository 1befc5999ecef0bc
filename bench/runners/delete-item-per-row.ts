// One DeleteItem per row with 8 workers, rows found by querying the GSI by parent page by
// page (keys only) while the workers delete: what a hand-written cascade usually does.
import { type AttributeValue, DeleteItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { RowRunner } from '../bench-types.js';
import { createTaskPool } from '../task-pool.js';

const WORKERS = 8;

export const deleteItemPerRow: RowRunner = (env) =>
  env.measure(async () => {
    const { table, index, keyAttribute, parentAttribute, parentId } = env.data;
    const pool = createTaskPool(WORKERS);
    let deleted = 0;
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await env.clients.dynamodb.send(
        new QueryCommand({
          TableName: table,
          IndexName: index,
          KeyConditionExpression: '#parent = :parent',
          ProjectionExpression: '#key',
          ExpressionAttributeNames: { '#parent': parentAttribute, '#key': keyAttribute },
          ExpressionAttributeValues: { ':parent': { S: parentId } },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      start = page.LastEvaluatedKey;
      for (const item of page.Items ?? []) {
        const key = item[keyAttribute];
        if (!key) continue;
        await pool.submit(async () => {
          await env.clients.dynamodb.send(
            new DeleteItemCommand({ TableName: table, Key: { [keyAttribute]: key } }),
          );
          deleted++;
        });
      }
    } while (start);
    await pool.drain();
    return deleted;
  });
