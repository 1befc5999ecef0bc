// Where a unit's receipt leaves are kept, and reading them back. A unit's sorted hashes go
// into state items inline (`LEAVES#<unitId>#<part>`, up to 12,000 a part), unless the pipeline
// has a leaves bucket (`receiptLeavesBucketName`) and they are over `receiptLeavesInlineBytes`
// (32 KB by default): then they are put as one object, named by its own SHA-256, and the
// transaction writes the part as a pointer with that digest. A settle puts the object before
// its transaction; a prefix unit's pin sends both at once (`uploadLeavesBesidePin`), and no
// key of its range is erased before the object exists, so a re-run that finds a pointer
// without its object rebuilds it from the range (`pinnedLeavesOfRerun`). Named by content, a
// twin's upload of the same leaves is the same object and a twin's different leaves another
// one: nothing a committed pointer names is overwritten. An object whose pointer never
// committed (a lost race, a crash) waits for the lifecycle rule.
//
// Why a bucket: a prefix unit's 10,000 leaves are 320 KB, which DynamoDB bills as 320 write
// units (640 in a transaction) and again to read back at completion; S3 bills one PUT and
// one GET. Why 32 KB: a rows unit's 1,000 leaves (32,000 bytes) stay inline, so the rows path
// makes no extra request per unit.
import { hash } from 'node:crypto';
import { LetheError, TransactionCancelledError } from '../errors.js';
import { UnitAlreadySettledError } from '../model/intents.js';
import {
  deleteLeavesParts,
  getLeavesPart,
  isSortedRun,
  LEAF_BYTES,
  leavesObjectKey,
  leavesPartKey,
  mergeSortedRuns,
  pointsAtObject,
  putLeavesPointer,
  putSortedLeaves,
  queryLeavesParts,
  type StoredLeavesPart,
  sortedRun,
  sortHashes,
  unpackHashes,
} from '../model/leaves.js';
import { stateKeys } from '../model/state-keys.js';
import type { TransactItem } from '../ports/document-store.js';
import { mapConcurrent } from '../retry.js';
import { type EngineContext, leavesExpireAt } from './engine-context.js';

/** Objects read at once when a job's leaves are read back. */
const READ_CONCURRENCY = 16;

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
 * A run of a prefix unit found its leaves pinned anew by a twin (`pinnedLeavesOfRerun`) after
 * it read them: its counts are not those leaves', so it stops before settling. Retryable: the
 * message comes back and the next run goes by the new pin.
 */
export class LeavesRepinnedError extends LetheError {
  constructor(unitId: string) {
    super(
      'RECEIPT_LEAVES_REPINNED',
      `unit ${unitId}: its receipt leaves were pinned anew by a twin run; it runs again`,
      { retryable: true },
    );
    this.name = 'LeavesRepinnedError';
  }
}

/** A unit's leaves laid out for storing: inline parts, or one object and its pointer. */
interface LeavesLayout {
  readonly writes: TransactItem[];
  /** The object the pointer names, when the leaves go to the bucket. */
  readonly object?: {
    readonly bucket: string;
    readonly key: string;
    readonly bytes: Buffer;
    readonly sha256: string;
  };
}

function layOutLeaves(
  context: EngineContext,
  jobId: string,
  unitId: string,
  sorted: readonly Uint8Array[],
): LeavesLayout {
  const expiresAt = leavesExpireAt(context);
  const bucket = context.settings.receiptLeavesBucketName;
  if (
    bucket === undefined ||
    sorted.length * LEAF_BYTES <= context.settings.receiptLeavesInlineBytes
  ) {
    return { writes: putSortedLeaves(context.state, jobId, unitId, sorted, expiresAt) };
  }
  const bytes = Buffer.concat(sorted);
  const sha256 = hash('sha256', bytes, 'hex');
  const key = leavesObjectKey(jobId, unitId, sha256);
  const pointer = { bucket, key, sha256 };
  return {
    writes: [putLeavesPointer(context.state, jobId, unitId, sorted.length, pointer, expiresAt)],
    object: { ...pointer, bytes },
  };
}

/**
 * The writes that store a unit's leaves (`sorted`: bytewise ascending, as `sortHashes` gives),
 * for a settle transaction: inline parts, or — uploaded here, before the transaction — one
 * object and its pointer. None when there are no leaves.
 */
export async function stageSortedLeaves(
  context: EngineContext,
  jobId: string,
  unitId: string,
  sorted: readonly Uint8Array[],
): Promise<TransactItem[]> {
  const layout = layOutLeaves(context, jobId, unitId, sorted);
  if (layout.object) {
    const { bucket, key, bytes } = layout.object;
    await context.objects.putBytes(bucket, key, bytes);
  }
  return layout.writes;
}

/** A prefix unit's leaves for its pin: the writes, and their upload, already under way. */
export interface PinnedLeavesUpload {
  readonly writes: TransactItem[];
  /** SHA-256 (hex) of the object the pointer names; undefined when the leaves are inline. */
  readonly sha256?: string | undefined;
  /** Settles once the object exists (at once when inline). Nothing may be erased before. */
  readonly stored: Promise<void>;
}

/**
 * Starts storing the leaves a prefix unit pins (`sorted`, as `stageSortedLeaves` takes them)
 * and returns the writes for its pin transaction at once, so the upload and the pin travel
 * together rather than one after the other. The pin may thus commit a pointer before its
 * object exists; that is safe because nothing of the unit's range is erased before `stored`
 * settles, and a re-run that finds the object missing rebuilds it from the range
 * (`pinnedLeavesOfRerun`). A rejected `stored` is also marked handled, for a pin that lost.
 */
export function uploadLeavesBesidePin(
  context: EngineContext,
  jobId: string,
  unitId: string,
  sorted: readonly Uint8Array[],
): PinnedLeavesUpload {
  const layout = layOutLeaves(context, jobId, unitId, sorted);
  if (!layout.object) return { writes: layout.writes, stored: Promise.resolve() };
  const { bucket, key, bytes, sha256 } = layout.object;
  const stored = context.objects.putBytes(bucket, key, bytes);
  stored.catch(() => undefined);
  return { writes: layout.writes, sha256, stored };
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
  pinned: PinnedLeaves,
  final: readonly Uint8Array[],
): Promise<TransactItem[]> {
  // The usual settle: the unit erased every key it pinned, and hands back those very hashes.
  if (pinned.hashes && sameBuffers(pinned.hashes, final))
    return keepPinned(context, jobId, unitId, pinned);
  const sorted = sortHashes(final);
  if (pinned.hashes && sameHashes(pinned.hashes, sorted))
    return keepPinned(context, jobId, unitId, pinned);
  const staged = await stageSortedLeaves(context, jobId, unitId, sorted);
  return [
    ...staged,
    ...deleteLeavesParts(context.state, jobId, unitId, staged.length, pinned.parts),
  ];
}

/**
 * Leaves a unit pinned, as its settle hands them to `replacePinnedLeaves`: how many parts are
 * stored, the hashes when read, and the SHA-256 of the object holding them when they went to
 * the leaves bucket.
 */
export interface PinnedLeaves {
  readonly parts: number;
  readonly hashes?: readonly Uint8Array[] | undefined;
  readonly sha256?: string | undefined;
}

/**
 * Keeping the pinned leaves as stored: nothing to write, but when they are an object, a check
 * that the pointer still names the object this run pinned or read. A re-run that found the
 * object missing may have pinned the range's leaves anew (`pinnedLeavesOfRerun`); a settle
 * that kept the stored pointer with this run's counts would then disagree with itself, so it
 * is cancelled instead (the unit's message comes back and re-runs on the new pin).
 */
function keepPinned(
  context: EngineContext,
  jobId: string,
  unitId: string,
  pinned: PinnedLeaves,
): TransactItem[] {
  if (pinned.sha256 === undefined) return [];
  return [
    {
      kind: 'check',
      table: context.state.table,
      key: leavesPartKey(jobId, unitId, 0),
      condition: pointsAtObject(pinned.sha256),
    },
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
  const bytes = await objectBytes(context, part);
  if (bytes === undefined) {
    const { bucket, key } = part.object;
    throw new ReceiptLeavesError(
      'RECEIPT_LEAVES_MISSING',
      `the leaves of unit ${part.unitId} are missing: no object s3://${bucket}/${key}`,
    );
  }
  return bytes;
}

type ObjectPart = Extract<StoredLeavesPart, { object: unknown }>;

/** The bytes of the object a part names, checked; undefined when there is no such object. */
async function objectBytes(context: EngineContext, part: ObjectPart): Promise<Buffer | undefined> {
  const { bucket, key, sha256 } = part.object;
  const raw = await context.objects.getBytes(bucket, key);
  if (raw === undefined) return undefined;
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (bytes.length !== part.count * LEAF_BYTES || hash('sha256', bytes, 'hex') !== sha256) {
    throw new ReceiptLeavesError(
      'RECEIPT_LEAVES_ALTERED',
      `the leaves of unit ${part.unitId} in s3://${bucket}/${key} are not the ${part.count} hashes written (SHA-256 ${sha256})`,
    );
  }
  return bytes;
}

/** The leaves a re-run of a prefix unit goes by, and whether it had to pin them anew. */
export interface RerunLeaves extends PinnedLeaves {
  readonly hashes: Buffer[];
  /** Set when the pinned object never landed and the range differs now: its new count. */
  readonly repinnedCount?: number | undefined;
}

/**
 * The leaves a prefix unit pinned (`parts` of them), for a re-run or a twin, read before it
 * erases anything. The pin and the upload of its object travel together
 * (`uploadLeavesBesidePin`), so a re-run may find the pointer committed and its object
 * missing: the pinning run crashed, or its upload failed or has not landed yet. No key of the
 * range has been erased then, since every run waits for the object first. So `listed`, the
 * keys of the range as they are now (hashed and sorted), is what the unit will erase:
 * - when they hash to the pinned digest, their object is put (the same bytes, the same key);
 * - else, when the object has landed meanwhile, it is read as it stands;
 * - else the range changed since the pin (keys written or deleted upstream): their object is
 *   put under its own digest and pinned in place of the old one, with the range's new count,
 *   in one transaction conditional on the old digest and on the intent (a twin that pinned or
 *   settled first wins; this run throws `LeavesRepinnedError` and its message comes back).
 *
 * @throws ReceiptLeavesError when an object is altered (not retryable), or the retryable
 *   `LeavesRepinnedError` when a twin re-pinned first.
 */
export async function pinnedLeavesOfRerun(
  context: EngineContext,
  jobId: string,
  unitId: string,
  parts: number,
  listed: () => Buffer[],
): Promise<RerunLeaves> {
  const first = parts > 0 ? await getLeavesPart(context.state, jobId, unitId, 0) : undefined;
  if (first === undefined || 'bytes' in first) {
    return { parts, hashes: await readUnitLeaves(context, jobId, unitId, parts) };
  }
  const pinned = first.object;
  const stored = await objectBytes(context, first);
  if (stored) return { parts, hashes: unpackHashes(stored), sha256: pinned.sha256 };
  const sorted = sortHashes(listed());
  const bytes = Buffer.concat(sorted);
  const sha256 = hash('sha256', bytes, 'hex');
  if (sha256 === pinned.sha256) {
    await context.objects.putBytes(pinned.bucket, pinned.key, bytes);
    return { parts, hashes: sorted, sha256 };
  }
  // Read again, on purpose: the pinning run's upload may have landed while this run listed
  // and hashed. Its object, not this run's, is then the unit's leaves; without this read the
  // re-pin below would replace a pin whose object exists.
  const landed = await objectBytes(context, first);
  if (landed) return { parts, hashes: unpackHashes(landed), sha256: pinned.sha256 };
  const object = { bucket: pinned.bucket, key: leavesObjectKey(jobId, unitId, sha256), sha256 };
  await context.objects.putBytes(object.bucket, object.key, bytes);
  const pointer = putLeavesPointer(
    context.state,
    jobId,
    unitId,
    sorted.length,
    object,
    leavesExpireAt(context),
  );
  try {
    await context.state.docs.transact([
      {
        ...pointer,
        condition: pointsAtObject(pinned.sha256),
      },
      {
        kind: 'update',
        table: context.state.table,
        key: stateKeys.intent(jobId, unitId),
        update: {
          expression: 'SET #range.#count = :count',
          names: { '#range': 'range', '#count': 'count' },
          values: { ':count': sorted.length },
        },
        condition: { expression: 'attribute_exists(#range)', names: { '#range': 'range' } },
      },
    ]);
  } catch (error) {
    if (!(error instanceof TransactionCancelledError)) throw error;
    // The intent is cleared when the unit settles: a twin finished it.
    if (error.reasons[1] === 'ConditionalCheckFailed') throw new UnitAlreadySettledError(unitId);
    throw new LeavesRepinnedError(unitId);
  }
  return { parts: 1, hashes: sorted, sha256, repinnedCount: sorted.length };
}
