// The restore log: what a deletion erased, kept for the restore window so `lethe restore` can
// put it back. One item per unit and kind, never one per row: a page of erased rows (full
// items), of nulled pointers (the attribute's old value) or of delete markers a versioned
// bucket created, compressed with gzip. A page too large for a state item lives in an
// object in lethe's restore bucket and the item points at it; with no bucket it is split into
// parts that fit (`#P#<part>`), each an entry of its own. Items expire by DynamoDB TTL
// (`expiresAt`) and restore objects by the bucket's lifecycle rule, so the window ends with
// no scan. The log lives in its own partition per job: the garbage collector re-times the
// job's partition to the tombstone retention, which must not stretch the window.
//
// Item  RESTORE#<jobId> / UNIT#<unitId>[#M#<run>][#P#<part>]
//   { type: 'restore-log', jobId, unitId, kind: 'rows' | 'nulled' | 'markers', entity,
//     relation, id? (finalize: the entity id), attribute? (nulled), count,
//     body?: Binary (gzip of encoded JSON) | spilled?: { bucket, key },
//     loggedAt, expiresAt (epoch seconds),
//     restoredAt?, outcome?: { restored, conflicts, skipped }, skips?: RestoreLogSkip[] }
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { LetheError } from '../errors.js';
import type { Item, Key } from '../ports/document-store.js';
import type { ObjectStore, ObjectVersion } from '../ports/object-store.js';
import type { StateContext } from './state-context.js';
import { TTL_ATTRIBUTE } from './state-keys.js';

export type RestoreLogKind = 'rows' | 'nulled' | 'markers';

/** One nulled pointer: the row's key and the value the attribute held. */
export interface NulledEntry {
  readonly key: Key;
  readonly value: string | number;
}

/** The decoded body of a log item, by kind. */
export type RestoreLogBody =
  | { readonly kind: 'rows'; readonly rows: readonly Item[] }
  | { readonly kind: 'nulled'; readonly entries: readonly NulledEntry[] }
  | {
      readonly kind: 'markers';
      readonly bucket: string;
      readonly markers: readonly ObjectVersion[];
    };

export interface RestoreLogEntry {
  readonly jobId: string;
  readonly unitId: string;
  readonly sk: string;
  readonly kind: RestoreLogKind;
  readonly entity: string;
  readonly relation: string;
  /** The entity id, for the rows of a finalize (the entity instance's own rows). */
  readonly id?: string | undefined;
  readonly attribute?: string | undefined;
  readonly count: number;
  readonly loggedAt: string;
  /** Epoch seconds: past this the entry is not restored (TTL removes it within days). */
  readonly expiresAt: number;
  readonly restoredAt?: string | undefined;
  readonly outcome?: RestoreOutcome | undefined;
  /** Items of this entry a restore did not bring back, with why (the first few). */
  readonly skips?: readonly RestoreLogSkip[] | undefined;
}

/** An item a restore left out: the relation, the entity, its key (encoded) and why. */
export interface RestoreLogSkip {
  readonly relation: string;
  readonly entity: string;
  readonly key: string;
  readonly reason: 'conflict' | 'deleted-again' | 'orphan' | 'gone' | 'failed';
}

export interface RestoreOutcome {
  readonly restored: number;
  readonly conflicts: number;
  readonly skipped: number;
}

export const restoreLogKeys = {
  partition: (jobId: string) => `RESTORE#${jobId}`,
  page: (jobId: string, unitId: string) => ({ pk: `RESTORE#${jobId}`, sk: `UNIT#${unitId}` }),
  /** Markers are known only after the delete: each run of a unit adds its own item. */
  markers: (jobId: string, unitId: string, run: string) => ({
    pk: `RESTORE#${jobId}`,
    sk: `UNIT#${unitId}#M#${run}`,
  }),
} as const;

// Tags for values JSON cannot carry; a NUL-prefixed key cannot clash with a real attribute.
const SET_TAG = '\u0000set';
const BYTES_TAG = '\u0000b64';

/**
 * Encodes DynamoDB item values as JSON text, keeping sets and binary, with object keys
 * sorted: two equal items encode to the same text (how a restore tells its own row from a
 * newer one).
 */
export function encodeValue(value: unknown): string {
  return JSON.stringify(toJson(value));
}

function toJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return { [BYTES_TAG]: Buffer.from(value).toString('base64') };
  if (value instanceof Set) {
    const members = [...value].map(toJson);
    members.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
    return { [SET_TAG]: members };
  }
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      out[key] = toJson((value as Record<string, unknown>)[key]);
    }
    return out;
  }
  return value;
}

/** The inverse of `encodeValue`. */
export function decodeValue(text: string): unknown {
  return fromJson(JSON.parse(text));
}

function fromJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromJson);
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record[BYTES_TAG] === 'string') {
      return new Uint8Array(Buffer.from(record[BYTES_TAG], 'base64'));
    }
    if (Array.isArray(record[SET_TAG])) return new Set(record[SET_TAG].map(fromJson));
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(record)) out[key] = fromJson(inner);
    return out;
  }
  return value;
}

export interface NewRestoreLogItem {
  readonly jobId: string;
  readonly unitId: string;
  readonly key: { pk: string; sk: string };
  readonly entity: string;
  readonly relation: string;
  readonly id?: string | undefined;
  readonly attribute?: string | undefined;
  readonly body: RestoreLogBody;
  readonly count: number;
  /** Days the entry is kept; the caller logs nothing for 0. */
  readonly windowDays: number;
}

export interface RestoreLogStorage {
  readonly state: StateContext;
  readonly objects: ObjectStore;
  /** Where pages too large for a state item go; without it such a page fails its unit. */
  readonly bucket: string | undefined;
  /** Compressed pages above this size are spilled to `bucket`. */
  readonly inlineBytes: number;
}

/**
 * The log has a page that no split fits in state items (one row alone over the inline limit,
 * or over 3 MB in all) and no restore bucket to spill it to. Retryable: configuring
 * `restoreBucketName` lets the unit's next delivery log it; nothing was erased unlogged.
 */
export class RestoreLogTooLargeError extends LetheError {
  constructor(unitId: string, bytes: number) {
    super(
      'RESTORE_LOG_TOO_LARGE',
      `restore log of unit ${unitId} is ${bytes} bytes compressed, more than state items can hold, and no restore bucket is configured (restoreBucketName)`,
      { retryable: true },
    );
    this.name = 'RestoreLogTooLargeError';
  }
}

/**
 * Compressed bytes a unit's parts may take in all: they ride in its pin transaction, which
 * DynamoDB caps at 4 MB (TransactWriteItems), beside the intent.
 */
const MAX_PARTS_BYTES = 3_000_000;

/**
 * Builds the state items for one log page: one compressed item when it fits
 * `inlineBytes`; else one item pointing at an object in the restore bucket (written here,
 * before the item that points at it; its key carries the content's digest, so a losing
 * twin's page never replaces the winner's); else, with no bucket, the page split into parts
 * that each fit, keyed `<sk>`, `<sk>#P#1`, `<sk>#P#2`… — each restored as an entry of its own.
 *
 * @throws RestoreLogTooLargeError without a bucket, when one row (or pointer, or marker)
 *   alone does not fit, or the parts together exceed 3 MB (the pin transaction's share).
 */
export async function restoreLogItems(
  storage: RestoreLogStorage,
  entry: NewRestoreLogItem,
): Promise<Item[]> {
  const compressed = compress(entry.body);
  if (compressed.byteLength <= storage.inlineBytes) {
    return [{ ...logItem(storage, entry, entry.key, entry.count), body: compressed }];
  }
  if (storage.bucket !== undefined) {
    const digest = createHash('sha256').update(compressed).digest('hex').slice(0, 16);
    const key = `restore-log/${entry.jobId}/${entry.unitId}/${digest}.json.gz`;
    await storage.objects.putBytes(storage.bucket, key, compressed);
    return [
      {
        ...logItem(storage, entry, entry.key, entry.count),
        spilled: { bucket: storage.bucket, key },
      },
    ];
  }
  const parts = fittingParts(entry.body, compressed, storage.inlineBytes, entry.unitId);
  const total = parts.reduce((sum, part) => sum + part.compressed.byteLength, 0);
  if (total > MAX_PARTS_BYTES) throw new RestoreLogTooLargeError(entry.unitId, total);
  return parts.map((part, i) => ({
    ...logItem(
      storage,
      entry,
      i === 0 ? entry.key : { pk: entry.key.pk, sk: `${entry.key.sk}#P#${i}` },
      listOf(part.body).length,
    ),
    body: part.compressed,
  }));
}

function compress(body: RestoreLogBody): Uint8Array {
  return new Uint8Array(gzipSync(Buffer.from(encodeValue(body))));
}

function logItem(
  storage: RestoreLogStorage,
  entry: NewRestoreLogItem,
  key: { pk: string; sk: string },
  count: number,
): Item {
  const now = storage.state.now();
  return {
    ...key,
    type: 'restore-log',
    jobId: entry.jobId,
    unitId: entry.unitId,
    kind: entry.body.kind,
    entity: entry.entity,
    relation: entry.relation,
    ...(entry.id === undefined ? {} : { id: entry.id }),
    ...(entry.attribute === undefined ? {} : { attribute: entry.attribute }),
    count,
    loggedAt: now.toISOString(),
    [TTL_ATTRIBUTE]: Math.floor(now.getTime() / 1000) + entry.windowDays * 86_400,
  };
}

function listOf(body: RestoreLogBody): readonly unknown[] {
  if (body.kind === 'rows') return body.rows;
  if (body.kind === 'nulled') return body.entries;
  return body.markers;
}

function withList(body: RestoreLogBody, from: number, to: number): RestoreLogBody {
  if (body.kind === 'rows') return { ...body, rows: body.rows.slice(from, to) };
  if (body.kind === 'nulled') return { ...body, entries: body.entries.slice(from, to) };
  return { ...body, markers: body.markers.slice(from, to) };
}

/** Halves a body until each part compresses to at most `limit` bytes, in the list's order. */
function fittingParts(
  body: RestoreLogBody,
  compressed: Uint8Array,
  limit: number,
  unitId: string,
): { body: RestoreLogBody; compressed: Uint8Array }[] {
  if (compressed.byteLength <= limit) return [{ body, compressed }];
  const length = listOf(body).length;
  if (length <= 1) throw new RestoreLogTooLargeError(unitId, compressed.byteLength);
  const half = Math.ceil(length / 2);
  return [withList(body, 0, half), withList(body, half, length)].flatMap((part) =>
    fittingParts(part, compress(part), limit, unitId),
  );
}

export function entryFromItem(item: Item): RestoreLogEntry {
  return {
    jobId: String(item.jobId),
    unitId: String(item.unitId),
    sk: String(item.sk),
    kind: item.kind as RestoreLogKind,
    entity: String(item.entity),
    relation: String(item.relation),
    id: item.id === undefined ? undefined : String(item.id),
    attribute: item.attribute === undefined ? undefined : String(item.attribute),
    count: Number(item.count ?? 0),
    loggedAt: String(item.loggedAt),
    expiresAt: Number(item[TTL_ATTRIBUTE] ?? 0),
    restoredAt: item.restoredAt === undefined ? undefined : String(item.restoredAt),
    outcome: item.outcome as RestoreOutcome | undefined,
    skips: item.skips as RestoreLogSkip[] | undefined,
  };
}

/** Every log entry of a job (one Query on its partition), with their items for reading bodies. */
export async function listRestoreLog(
  state: StateContext,
  jobId: string,
): Promise<{ entry: RestoreLogEntry; item: Item }[]> {
  const found: { entry: RestoreLogEntry; item: Item }[] = [];
  let startKey: Key | undefined;
  do {
    const page = await state.docs.query({
      table: state.table,
      keyCondition: {
        expression: 'pk = :pk',
        values: { ':pk': restoreLogKeys.partition(jobId) },
      },
      startKey,
      consistent: true,
    });
    for (const item of page.items) found.push({ entry: entryFromItem(item), item });
    startKey = page.lastKey;
  } while (startKey);
  return found;
}

/** The decoded body of a log item, read from the restore bucket when it was spilled. */
export async function readRestoreLogBody(
  objects: ObjectStore,
  item: Item,
): Promise<RestoreLogBody> {
  let compressed: Uint8Array | undefined;
  if (item.body instanceof Uint8Array) compressed = item.body;
  else if (item.spilled !== undefined) {
    const { bucket, key } = item.spilled as { bucket: string; key: string };
    compressed = await objects.getBytes(bucket, key);
    if (compressed === undefined)
      throw new LetheError('RESTORE_LOG_MISSING', `restore object ${bucket}/${key} is gone`);
  }
  if (compressed === undefined)
    throw new LetheError('RESTORE_LOG_MISSING', `restore log item ${String(item.sk)} has no body`);
  return decodeValue(gunzipSync(compressed).toString('utf8')) as RestoreLogBody;
}
