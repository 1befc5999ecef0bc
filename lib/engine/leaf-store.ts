// Where a unit's receipt leaves are kept, and reading them back. A unit's sorted hashes go
// into state items inline (`LEAVES#<unitId>#<part>`, up to 12,000 a part), unless the pipeline
// has a leaves bucket (`receiptLeavesBucketName`) and they are over `receiptLeavesInlineBytes`
// (32 KB by default): then they are put as one object, named by its own SHA-256, before the
// transaction that writes the part (a pointer with that digest), so a committed part always
// has its object. Named by content, a twin's upload of the same leaves is the same object and
// a twin's different leaves another one: nothing a committed pointer names is overwritten.
// An object whose pointer never committed (a lost race, a crash) waits for the lifecycle rule.
//
// Why a bucket: a prefix unit's 10,000 leaves are 320 KB, which DynamoDB bills as 320 write
// units (640 in a transaction) and again to read back at completion; S3 bills one PUT and
// one GET. Why 32 KB: a rows unit's 1,000 leaves (32,000 bytes) stay inline, so the rows path
// makes no extra request per unit.
import { hash } from 'node:crypto';
import { LetheError } from '../errors.js';
import {
  deleteLeavesParts,
  getLeavesPart,
  isSortedRun,
  LEAF_BYTES,
  leavesObjectKey,
  mergeSortedRuns,
  putLeavesPointer,
  putSortedLeaves,
  queryLeavesParts,
  type StoredLeavesPart,
  sortedRun,
  sortHashes,
  unpackHashes,
} from '../model/leaves.js';
import type { TransactItem } from '../ports/document-store.js';
import { mapConcurrent } from '../retry.js';
import { type EngineContext, leavesExpireAt } from './engine-context.js';

/** Objects read at once when a job's leaves are read back. */
const READ_CONCURRENCY = 8;

/**
 * Stored leaves that cannot be read as written: the object a part names is missing, or its
 * bytes do not hash to the digest the part recorded. Not retryable: an operator must look
 * (the lifecycle rule removed it early, or someone changed the bucket).
 */
export class ReceiptLeavesError extends LetheError {
  constructor(code: 'RECEIPT_LEAVES_MISSING' | 'RECEIPT_LEAVES_ALTERED', message: string) {
    super(code, message);
    this.name = 'ReceiptLeavesError';
  }
}

/**
 * The writes that store a unit's leaves (`sorted`: bytewise ascending, as `sortHashes` gives),
 * for a pin or settle transaction: inline parts, or — uploaded here, before the transaction —
 * one object and its pointer. None when there are no leaves.
 */
export async function stageSortedLeaves(
  context: EngineContext,
  jobId: string,
  unitId: string,
  sorted: readonly Uint8Array[],
): Promise<TransactItem[]> {
  const expiresAt = leavesExpireAt(context);
  const bucket = context.settings.receiptLeavesBucketName;
  if (
    bucket === undefined ||
    sorted.length * LEAF_BYTES <= context.settings.receiptLeavesInlineBytes
  ) {
    return putSortedLeaves(context.state, jobId, unitId, sorted, expiresAt);
  }
  const bytes = Buffer.concat(sorted);
  const sha256 = hash('sha256', bytes, 'hex');
  const key = leavesObjectKey(jobId, unitId, sha256);
  await context.objects.putBytes(bucket, key, bytes);
  return [
    putLeavesPointer(
      context.state,
      jobId,
      unitId,
      sorted.length,
      { bucket, key, sha256 },
      expiresAt,
    ),
  ];
}

/**
 * The writes that turn a unit's pinned leaves (`pinned.parts` stored; `pinned.hashes`, sorted,
 * when read) into `final`, for its settling transaction: none when `final` holds exactly the
 * pinned hashes, else the final leaves staged anew and deletes for pinned parts beyond them.
 */
export async function replacePinnedLeaves(
  context: EngineContext,
  jobId: string,
  unitId: string,
  pinned: { readonly parts: number; readonly hashes?: readonly Uint8Array[] | undefined },
  final: readonly Uint8Array[],
): Promise<TransactItem[]> {
  // The usual settle: the unit erased every key it pinned, and hands back those very hashes.
  if (pinned.hashes && sameBuffers(pinned.hashes, final)) return [];
  const sorted = sortHashes(final);
  if (pinned.hashes && sameHashes(pinned.hashes, sorted)) return [];
  const staged = await stageSortedLeaves(context, jobId, unitId, sorted);
  return [
    ...staged,
    ...deleteLeavesParts(context.state, jobId, unitId, staged.length, pinned.parts),
  ];
}

function sameBuffers(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  return a.length === b.length && a.every((hash, i) => hash === b[i]);
}

function sameHashes(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  return (
    a.length === b.length && a.every((hash, i) => Buffer.compare(hash, b[i] as Uint8Array) === 0)
  );
}

/** A unit's stored leaves (`parts` of them), strongly consistent, in stored (sorted) order. */
export async function readUnitLeaves(
  context: EngineContext,
  jobId: string,
  unitId: string,
  parts: number,
): Promise<Buffer[]> {
  const hashes: Buffer[] = [];
  for (let part = 0; part < parts; part++) {
    const stored = await getLeavesPart(context.state, jobId, unitId, part);
    if (stored) hashes.push(...unpackHashes(await partBytes(context, stored)));
  }
  return hashes;
}

/**
 * Every leaf of job `jobId`, over all its units, laid end to end (32 bytes each), sorted
 * bytewise, duplicates kept: the input of `packedMerkleRoot`. Each part is sorted as stored,
 * so the parts are merged, not sorted again (a part found out of order is sorted first).
 *
 * @throws ReceiptLeavesError when a part's object is missing or altered.
 */
export async function readJobLeaves(context: EngineContext, jobId: string): Promise<Buffer> {
  const parts = await queryLeavesParts(context.state, jobId);
  const runs = await mapConcurrent(parts, READ_CONCURRENCY, (part) => partBytes(context, part));
  return mergeSortedRuns(runs.map((run) => (isSortedRun(run) ? run : sortedRun(run))));
}

/** `readJobLeaves` as one Buffer per leaf. */
export async function readJobLeafList(context: EngineContext, jobId: string): Promise<Buffer[]> {
  return unpackHashes(await readJobLeaves(context, jobId));
}

async function partBytes(context: EngineContext, part: StoredLeavesPart): Promise<Buffer> {
  if ('bytes' in part) return part.bytes;
  const { bucket, key, sha256 } = part.object;
  const raw = await context.objects.getBytes(bucket, key);
  if (raw === undefined) {
    throw new ReceiptLeavesError(
      'RECEIPT_LEAVES_MISSING',
      `the leaves of unit ${part.unitId} are missing: no object s3://${bucket}/${key}`,
    );
  }
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (bytes.length !== part.count * LEAF_BYTES || hash('sha256', bytes, 'hex') !== sha256) {
    throw new ReceiptLeavesError(
      'RECEIPT_LEAVES_ALTERED',
      `the leaves of unit ${part.unitId} in s3://${bucket}/${key} are not the ${part.count} hashes written (SHA-256 ${sha256})`,
    );
  }
  return bytes;
}
