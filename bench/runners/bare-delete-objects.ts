// The local limit: ListObjectsV2 and DeleteObjects with 1,000 keys a call, 4 calls in flight,
// nothing else — no queue, no bookkeeping, no retries. What lethe's object path can approach
// at best on the same emulator; not a competitor.
import { DeleteObjectsCommand } from '@aws-sdk/client-s3';
import type { ObjectRunner } from '../bench-types.js';
import { createTaskPool } from '../task-pool.js';
import { listKeyPages } from './list-keys.js';

const IN_FLIGHT = 4;

export const bareDeleteObjects: ObjectRunner = (env) =>
  env.measure(async () => {
    const { bucket, prefix } = env.data;
    const pool = createTaskPool(IN_FLIGHT);
    let deleted = 0;
    for await (const keys of listKeyPages(env.clients, bucket, prefix)) {
      await pool.submit(async () => {
        const result = await env.clients.s3.send(
          new DeleteObjectsCommand({
            Bucket: bucket,
            Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
          }),
        );
        const errors = result.Errors ?? [];
        if (errors.length > 0) {
          throw new Error(`DeleteObjects: ${errors.length} keys failed (${errors[0]?.Code})`);
        }
        deleted += keys.length;
      });
    }
    await pool.drain();
    return deleted;
  });
