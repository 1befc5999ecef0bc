// ObjectStore on S3: listing, reading manifests, HeadObject for archive checks, and bulk
// deletion with DeleteObjects (1,000 keys a call, several in flight, passing errors retried).
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
} from '@aws-sdk/client-s3';
import { LetheError } from '../errors.js';
import type { DeleteKeysResult, KeyFailure, ObjectStore } from '../ports/object-store.js';
import { backoffDelay, chunk, mapConcurrent, sleep } from '../retry.js';
import type { AwsClients } from './aws-clients.js';

/** Per-key error codes that pass with time; anything else is recorded as a failure. */
const PASSING_CODES = new Set([
  'SlowDown',
  'InternalError',
  'ServiceUnavailable',
  'RequestTimeout',
]);

export interface S3ObjectStoreOptions {
  readonly deleteConcurrency?: number;
  readonly maxKeyRetries?: number;
}

const TRANSIENT_NAMES = new Set([
  'SlowDown',
  'InternalError',
  'ServiceUnavailable',
  'RequestTimeout',
  'TimeoutError',
  'ThrottlingException',
]);

/** Errors that pass with time: throttling, 5xx, and no answer at all (network, timeout). */
function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { $retryable, $metadata } = error as {
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  const status = $metadata?.httpStatusCode;
  return (
    $retryable !== undefined ||
    TRANSIENT_NAMES.has(error.name) ||
    status === undefined ||
    status === 429 ||
    status >= 500
  );
}

function isNotFound(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return error.name === 'NoSuchKey' || error.name === 'NotFound' || status === 404;
}

export function createS3ObjectStore(
  clients: AwsClients,
  options: S3ObjectStoreOptions = {},
): ObjectStore {
  const s3 = clients.s3;
  const concurrency = options.deleteConcurrency ?? 4;
  const maxRetries = options.maxKeyRetries ?? 10;

  async function deleteChunk(bucket: string, keys: string[]): Promise<DeleteKeysResult> {
    const deleted: string[] = [];
    const failed: KeyFailure[] = [];
    let pending = keys;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await sleep(backoffDelay(attempt, { baseMs: 50, maxMs: 5000 }));
      const result = await s3.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: pending.map((Key) => ({ Key })), Quiet: false },
        }),
      );
      for (const d of result.Deleted ?? []) if (d.Key !== undefined) deleted.push(d.Key);
      const retry: string[] = [];
      for (const e of result.Errors ?? []) {
        if (e.Key === undefined) continue;
        const code = e.Code ?? 'Unknown';
        if (PASSING_CODES.has(code) && attempt < maxRetries) retry.push(e.Key);
        else failed.push({ key: e.Key, code, message: e.Message ?? code });
      }
      pending = retry;
    }
    return { deleted, failed };
  }

  async function list(
    bucket: string,
    prefix: string,
    maxKeys: number,
    from: { ContinuationToken?: string; StartAfter?: string },
  ) {
    const result = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: maxKeys, ...from }),
    );
    return {
      keys: (result.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [o.Key])),
      truncated: result.IsTruncated === true,
      nextToken: result.NextContinuationToken,
    };
  }

  return {
    async listPage(bucket, prefix, token, maxKeys = 1000) {
      const listed = await list(bucket, prefix, maxKeys, token ? { ContinuationToken: token } : {});
      return { keys: listed.keys, nextToken: listed.truncated ? listed.nextToken : undefined };
    },

    async listAfter(bucket, prefix, after, maxKeys = 1000) {
      const listed = await list(
        bucket,
        prefix,
        maxKeys,
        after === undefined ? {} : { StartAfter: after },
      );
      return { keys: listed.keys, truncated: listed.truncated };
    },

    async getText(bucket, key) {
      try {
        const result = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return await result.Body?.transformToString();
      } catch (error) {
        if (isNotFound(error)) return undefined;
        if (isTransient(error)) {
          throw new LetheError(
            'OBJECT_STORE_BUSY',
            `GetObject ${bucket}/${key} failed for now: ${(error as Error).message}`,
            { retryable: true, cause: error },
          );
        }
        throw error;
      }
    },

    async exists(bucket, key) {
      try {
        await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return true;
      } catch (error) {
        if (isNotFound(error)) return false;
        throw error;
      }
    },

    async deleteKeys(bucket, keys) {
      const results = await mapConcurrent(chunk(keys, 1000), concurrency, (c) =>
        deleteChunk(bucket, c),
      );
      return {
        deleted: results.flatMap((r) => r.deleted),
        failed: results.flatMap((r) => r.failed),
      };
    },
  };
}
