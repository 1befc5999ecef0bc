// ObjectStore on S3: listing, reading manifests, HeadObject for archive checks, and bulk
// deletion with DeleteObjects (1,000 keys a call, several in flight, passing errors retried).
// Listings ask for URL-encoded keys, so every key S3 allows comes back exactly; a key an XML
// body cannot carry is deleted alone with DeleteObject (see s3-key-encoding.ts).
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  type DeleteObjectsCommandOutput,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type _Error as S3Error,
} from '@aws-sdk/client-s3';
import { LetheError } from '../errors.js';
import type {
  DeleteKeysResult,
  KeyFailure,
  ObjectStore,
  ObjectVersion,
} from '../ports/object-store.js';
import { compareObjectKeys } from '../ports/object-store.js';
import { backoffDelay, chunk, mapConcurrent, sleep } from '../retry.js';
import type { AwsClients } from './aws-clients.js';
import { decodeListedKey, isWellFormedKey, xmlCanCarry } from './s3-key-encoding.js';

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

function isMalformedXml(error: unknown): boolean {
  return error instanceof Error && error.name === 'MalformedXML';
}

/**
 * The keys S3 answered in `Errors`, matched to the keys sent. An echoed key went through an
 * XML parser, which reports a carriage return as a line feed; such a key is matched by that
 * normalised form, and when several keys sent share it, the error applies to each of them
 * (a key is never counted deleted on a guess).
 */
function errorsByKey(sent: readonly string[], errors: readonly S3Error[]): Map<string, S3Error> {
  const normalise = (key: string) => key.replace(/\r\n?/g, '\n');
  const exact = new Set(sent);
  const byNormal = new Map<string, string[]>();
  for (const key of sent) {
    const normal = normalise(key);
    byNormal.set(normal, [...(byNormal.get(normal) ?? []), key]);
  }
  const answered = new Map<string, S3Error>();
  for (const error of errors) {
    if (error.Key === undefined) continue;
    const keys = exact.has(error.Key) ? [error.Key] : (byNormal.get(normalise(error.Key)) ?? []);
    for (const key of keys) answered.set(key, error);
  }
  return answered;
}

/**
 * The delete markers a DeleteObjects answer reports, matched to the keys sent the way errors
 * are (an echoed key may have its line ends normalised; an ambiguous echo is not recorded).
 */
function markersOf(
  sent: readonly string[],
  deleted: readonly { Key?: string; DeleteMarker?: boolean; DeleteMarkerVersionId?: string }[],
): ObjectVersion[] {
  const normalise = (key: string) => key.replace(/\r\n?/g, '\n');
  const exact = new Set(sent);
  const byNormal = new Map<string, string[]>();
  for (const key of sent)
    byNormal.set(normalise(key), [...(byNormal.get(normalise(key)) ?? []), key]);
  const markers: ObjectVersion[] = [];
  for (const entry of deleted) {
    if (entry.DeleteMarker !== true || !entry.DeleteMarkerVersionId || entry.Key === undefined)
      continue;
    const candidates = exact.has(entry.Key)
      ? [entry.Key]
      : (byNormal.get(normalise(entry.Key)) ?? []);
    const [key] = candidates;
    if (candidates.length === 1 && key !== undefined)
      markers.push({ key, versionId: entry.DeleteMarkerVersionId });
  }
  return markers;
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

  /**
   * One DeleteObjects call per attempt for up to 1,000 keys XML can carry. A key counts as
   * deleted when S3 does not answer it in `Errors`: the echoed `Deleted` keys pass through an
   * XML parser, which may change a key's line ends, so they are not matched against the keys.
   */
  async function deleteChunk(
    bucket: string,
    keys: string[],
    versionOf?: ReadonlyMap<string, string>,
  ): Promise<DeleteKeysResult> {
    const deleted: string[] = [];
    const failed: KeyFailure[] = [];
    const markers: ObjectVersion[] = [];
    let pending = keys;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await sleep(backoffDelay(attempt, { baseMs: 50, maxMs: 5000 }));
      let result: DeleteObjectsCommandOutput;
      try {
        result = await s3.send(
          new DeleteObjectsCommand({
            Bucket: bucket,
            Delete: {
              Objects: pending.map((Key) => {
                const VersionId = versionOf?.get(Key);
                return VersionId === undefined ? { Key } : { Key, VersionId };
              }),
              Quiet: false,
            },
          }),
        );
      } catch (error) {
        // A body S3 will not parse fails every key in it; one at a time, each key stands alone.
        if (!isMalformedXml(error)) throw error;
        const alone = await deleteAlone(bucket, pending, versionOf);
        deleted.push(...alone.deleted);
        failed.push(...alone.failed);
        markers.push(...(alone.markers ?? []));
        break;
      }
      markers.push(...markersOf(pending, result.Deleted ?? []));
      const answered = errorsByKey(pending, result.Errors ?? []);
      const retry: string[] = [];
      for (const key of pending) {
        const error = answered.get(key);
        if (error === undefined) {
          deleted.push(key);
          continue;
        }
        const code = error.Code ?? 'Unknown';
        if (PASSING_CODES.has(code) && attempt < maxRetries) retry.push(key);
        else failed.push({ key, code, message: error.Message ?? code });
      }
      pending = retry;
    }
    return { deleted, failed, markers };
  }

  /** DeleteObject per key (the key travels in the URL, not in XML), passing errors retried. */
  async function deleteAlone(
    bucket: string,
    keys: readonly string[],
    versionOf?: ReadonlyMap<string, string>,
  ): Promise<DeleteKeysResult> {
    const markers: ObjectVersion[] = [];
    const outcomes = await mapConcurrent(keys, concurrency, async (key) => {
      if (!isWellFormedKey(key)) {
        return { key, code: 'InvalidKey', message: 'not well-formed UTF-16: no S3 key' };
      }
      for (let attempt = 0; ; attempt++) {
        if (attempt > 0) await sleep(backoffDelay(attempt, { baseMs: 50, maxMs: 5000 }));
        try {
          const VersionId = versionOf?.get(key);
          const answer = await s3.send(
            new DeleteObjectCommand({
              Bucket: bucket,
              Key: key,
              ...(VersionId === undefined ? {} : { VersionId }),
            }),
          );
          if (VersionId === undefined && answer.DeleteMarker === true && answer.VersionId) {
            markers.push({ key, versionId: answer.VersionId });
          }
          return undefined;
        } catch (error) {
          if (isTransient(error) && attempt < maxRetries) continue;
          const name = error instanceof Error ? error.name : 'Unknown';
          const message = error instanceof Error ? error.message : String(error);
          return { key, code: name, message };
        }
      }
    });
    const failed = outcomes.filter((o): o is KeyFailure => o !== undefined);
    const failedKeys = new Set(failed.map((f) => f.key));
    return { deleted: keys.filter((key) => !failedKeys.has(key)), failed, markers };
  }

  async function list(
    bucket: string,
    prefix: string,
    maxKeys: number,
    from: { ContinuationToken?: string; StartAfter?: string },
  ) {
    const result = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        MaxKeys: maxKeys,
        EncodingType: 'url',
        ...from,
      }),
    );
    // S3 echoes `EncodingType` when it encoded the keys; a store that ignored the request
    // sent them as they are.
    const decode = result.EncodingType === 'url' ? decodeListedKey : (key: string) => key;
    return {
      keys: (result.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [decode(o.Key)])),
      truncated: result.IsTruncated === true,
      nextToken: result.NextContinuationToken,
    };
  }

  /**
   * Lists `sorted` (keys of one folder, in S3's order) from their common prefix, after the first
   * of them through the last, within ⌈n / 1,000⌉ + 1 pages, adding those listed to `found`.
   * Returns the keys the listing did not settle: the first one, and any past the last key
   * listed when the budget ran out (keys of others between them can fill the pages).
   */
  async function listThrough(
    bucket: string,
    sorted: readonly string[],
    found: Set<string>,
  ): Promise<string[]> {
    const [first = '', last = ''] = [sorted[0], sorted[sorted.length - 1]];
    let common = 0;
    while (common < first.length && first[common] === last[common]) common++;
    // Never cut a surrogate pair: the prefix must be a well-formed key itself.
    if (common > 0 && /[\uD800-\uDBFF]/.test(first[common - 1] ?? '')) common--;
    const prefix = first.slice(0, common);
    const wanted = new Set(sorted);
    let reached: string | undefined;
    let token: string | undefined;
    for (let page = 0; page < Math.ceil(sorted.length / 1000) + 1; page++) {
      const listed = await list(
        bucket,
        prefix,
        1000,
        token ? { ContinuationToken: token } : { StartAfter: first },
      );
      for (const key of listed.keys) if (wanted.has(key)) found.add(key);
      reached = listed.keys.at(-1) ?? reached;
      if (!listed.truncated || (reached !== undefined && compareObjectKeys(reached, last) >= 0)) {
        return [first];
      }
      token = listed.nextToken;
    }
    return [first, ...sorted.slice(1).filter((k) => !reached || compareObjectKeys(k, reached) > 0)];
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

    async existing(bucket, keys) {
      // A key that is no well-formed UTF-16 cannot be an S3 key (nor be sent in a request).
      const wanted = [...new Set(keys)].filter(isWellFormedKey).sort(compareObjectKeys);
      const found = new Set<string>();
      const folders = new Map<string, string[]>();
      for (const key of wanted) {
        const folder = key.slice(0, key.lastIndexOf('/') + 1);
        const group = folders.get(folder);
        if (group) group.push(key);
        else folders.set(folder, [key]);
      }
      await mapConcurrent([...folders.values()], 4, async (group) => {
        const unsettled = group.length < 3 ? group : await listThrough(bucket, group, found);
        await mapConcurrent(unsettled, 16, async (key) => {
          // The key itself sorts first among the keys it prefixes (byte order), if it exists.
          const listed = await list(bucket, key, 1, {});
          if (listed.keys[0] === key) found.add(key);
        });
      });
      return found;
    },

    async deleteKeys(bucket, keys) {
      const carried = keys.filter(xmlCanCarry);
      const alone = keys.filter((key) => !xmlCanCarry(key));
      const results = await mapConcurrent(chunk(carried, 1000), concurrency, (c) =>
        deleteChunk(bucket, c),
      );
      if (alone.length > 0) results.push(await deleteAlone(bucket, alone));
      return {
        deleted: results.flatMap((r) => r.deleted),
        failed: results.flatMap((r) => r.failed),
        markers: results.flatMap((r) => r.markers ?? []),
      };
    },

    async deleteVersions(bucket, versions) {
      // One version per key a call: a key named twice in one request is refused by S3.
      const byKey = new Map(versions.map((v) => [v.key, v.versionId]));
      const carried = [...byKey.keys()].filter(xmlCanCarry);
      const alone = [...byKey.keys()].filter((key) => !xmlCanCarry(key));
      const results = await mapConcurrent(chunk(carried, 1000), concurrency, (c) =>
        deleteChunk(bucket, c, byKey),
      );
      if (alone.length > 0) results.push(await deleteAlone(bucket, alone, byKey));
      return {
        deleted: results.flatMap((r) => r.deleted),
        failed: results.flatMap((r) => r.failed),
      };
    },

    async putBytes(bucket, key, body) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },

    async getBytes(bucket, key) {
      try {
        const result = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return await result.Body?.transformToByteArray();
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
  };
}
