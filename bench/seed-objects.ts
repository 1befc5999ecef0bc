// Fresh data for one object run: a bucket of its own (fauxqs sorts a whole bucket on every
// list, so a shared bucket would slow later runs), N tiny objects under one prefix and a few
// neighbours that must survive. Seeding and checking talk to the emulator directly: nothing
// here is delayed or counted.
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { DeleteBucketCommand } from '@aws-sdk/client-s3';
import type { AwsClients } from '../lib/adapters/aws-clients.js';
import { provisionResources } from '../lib/adapters/provision-resources.js';
import { createS3ObjectStore } from '../lib/adapters/s3-object-store.js';
import type { SeededObjects } from './bench-types.js';
import { createTaskPool } from './task-pool.js';

export interface SeedObjectsOptions {
  readonly count: number;
  /** @default 64 */
  readonly concurrency?: number;
  /** @default 10 */
  readonly neighbours?: number;
}

export interface ObjectsVerification {
  /** Keys still under the prefix after the run. */
  readonly remaining: number;
  readonly neighboursIntact: boolean;
}

export function objectKey(prefix: string, index: number): string {
  // Fixed width and a plain charset: S3 (byte order) and fauxqs (localeCompare) list alike.
  return `${prefix}k${String(index).padStart(7, '0')}`;
}

// PutObject as plain HTTP: the emulator checks no signature, and the SDK's signing and
// checksums cost ~9× more client CPU than fauxqs spends storing the object (900 vs 8,000 puts
// a second here). Seeding is never measured, so it takes the short way.
function putTinyObject(agent: Agent, endpoint: URL, bucket: string, key: string): Promise<void> {
  const path = `/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
  return new Promise((resolve, reject) => {
    const put = request(
      {
        agent,
        host: endpoint.hostname,
        port: endpoint.port,
        method: 'PUT',
        path,
        headers: {
          'content-length': '1',
          'content-type': 'application/octet-stream',
          'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
          authorization:
            'AWS4-HMAC-SHA256 Credential=lethelocal/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0',
        },
      },
      (response) => {
        response.resume();
        response.once('end', () => {
          if (response.statusCode === 200) resolve();
          else reject(new Error(`seeding PUT ${path}: HTTP ${response.statusCode}`));
        });
      },
    );
    put.once('error', reject);
    put.end('x');
  });
}

/**
 * PUTs a one-byte object at each key, `concurrency` at a time, straight to the emulator at
 * `endpoint` (unsigned; seeding only, never measured).
 */
export async function putTinyObjects(
  endpoint: string,
  bucket: string,
  keys: readonly string[],
  concurrency: number,
) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const url = new URL(endpoint);
  const pool = createTaskPool(concurrency);
  try {
    for (const key of keys) await pool.submit(() => putTinyObject(agent, url, bucket, key));
    await pool.drain();
  } finally {
    agent.destroy();
  }
}

/** `s3Endpoint` is the emulator itself, never the proxy. */
export async function seedObjects(
  clients: AwsClients,
  s3Endpoint: string,
  options: SeedObjectsOptions,
): Promise<SeededObjects> {
  const suffix = randomBytes(4).toString('hex');
  const bucket = `bench-objects-${suffix}`;
  const ownerId = `o${suffix}`;
  const prefix = `objects/${ownerId}/`;
  await provisionResources(clients, {
    tables: [],
    queues: [],
    buckets: [{ name: bucket, versioned: false }],
  });
  const neighbourKeys = Array.from({ length: options.neighbours ?? 10 }, (_, i) =>
    objectKey(`objects/${ownerId}x/`, i),
  );
  const keys = Array.from({ length: options.count }, (_, i) => objectKey(prefix, i));
  await putTinyObjects(s3Endpoint, bucket, [...keys, ...neighbourKeys], options.concurrency ?? 64);
  return { bucket, prefix, ownerId, count: options.count, neighbourKeys };
}

async function countUnder(clients: AwsClients, bucket: string, prefix: string): Promise<number> {
  const store = createS3ObjectStore(clients);
  let count = 0;
  let token: string | undefined;
  do {
    const page = await store.listPage(bucket, prefix, token);
    count += page.keys.length;
    token = page.nextToken;
  } while (token);
  return count;
}

export async function verifyObjects(
  clients: AwsClients,
  seeded: SeededObjects,
): Promise<ObjectsVerification> {
  const remaining = await countUnder(clients, seeded.bucket, seeded.prefix);
  const neighbours = await countUnder(clients, seeded.bucket, `objects/${seeded.ownerId}x/`);
  return { remaining, neighboursIntact: neighbours === seeded.neighbourKeys.length };
}

/** Empties and removes the run's bucket. */
export async function dropObjects(clients: AwsClients, seeded: SeededObjects): Promise<void> {
  const store = createS3ObjectStore(clients);
  for (;;) {
    const page = await store.listPage(seeded.bucket, '', undefined);
    if (page.keys.length === 0) break;
    await store.deleteKeys(seeded.bucket, page.keys);
  }
  await clients.s3.send(new DeleteBucketCommand({ Bucket: seeded.bucket }));
}
