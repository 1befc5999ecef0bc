// Bulk writes for seeding data sets (the demo, tests, benchmarks): BatchWriteItem puts and
// concurrent PutObject calls.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Item } from '../ports/document-store.js';
import { backoffDelay, chunk, mapConcurrent, sleep } from '../retry.js';
import type { AwsClients } from './aws-clients.js';

export interface BulkWriter {
  putItems(table: string, items: readonly Item[]): Promise<void>;
  putObjects(bucket: string, objects: readonly { key: string; body: string }[]): Promise<void>;
}

export function createBulkWriter(
  clients: AwsClients,
  concurrency = { items: 16, objects: 64 },
): BulkWriter {
  return {
    async putItems(table, items) {
      await mapConcurrent(chunk(items, 25), concurrency.items, async (batch) => {
        let pending = batch.map((item) => ({ PutRequest: { Item: item } }));
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (attempt > 0) await sleep(backoffDelay(attempt));
          const result = await clients.documents.send(
            new BatchWriteCommand({ RequestItems: { [table]: pending } }),
          );
          pending = (result.UnprocessedItems?.[table] ?? []).flatMap((r) =>
            r.PutRequest?.Item ? [{ PutRequest: { Item: r.PutRequest.Item } }] : [],
          );
        }
      });
    },
    async putObjects(bucket, objects) {
      await mapConcurrent(objects, concurrency.objects, async (object) => {
        await clients.s3.send(
          new PutObjectCommand({ Bucket: bucket, Key: object.key, Body: object.body }),
        );
      });
    },
  };
}
