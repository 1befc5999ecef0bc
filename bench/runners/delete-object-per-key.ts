// One DeleteObject per key with 8 workers, keys listed page by page as the workers go: the
// approach of the preprod deletion seed, and what most hand-written cleanup scripts do.
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import type { ObjectRunner } from '../bench-types.js';
import { createTaskPool } from '../task-pool.js';
import { listKeyPages } from './list-keys.js';

const WORKERS = 8;

export const deleteObjectPerKey: ObjectRunner = (env) =>
  env.measure(async () => {
    const { bucket, prefix } = env.data;
    const pool = createTaskPool(WORKERS);
    let deleted = 0;
    for await (const keys of listKeyPages(env.clients, bucket, prefix)) {
      for (const key of keys) {
        await pool.submit(async () => {
          await env.clients.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
          deleted++;
        });
      }
    }
    await pool.drain();
    return deleted;
  });
