// A prefix unit deletes a segment of a prefix: a few pages of keys (`prefixPagesPerUnit` ×
// `objectPageSize`) listed after the key where the previous unit stopped. Listed keys are
// checked against the graph's declared areas before deletion, and against holds on the owner
// (its rows are gone, but a hold placed since still counts) and the archive-copy guard: a
// segment that must not go yet waits as a whole.
//
// The intent pins the key range, not the keys (a range of 10,000 keys fits in any item), and
// the same transaction plans the next unit, which is sent before this one deletes: the next
// segment is listed while this one is erased, and the state is written once per segment.
// A re-run deletes what is left of the range, and counts the rest as deleted by the run
// that pinned it. The receipt leaves of the listed keys are pinned with the range for the
// same reason: a re-run claims keys it can no longer list. Their upload (to the leaves
// bucket) travels beside the pin rather than before it, and the erase waits for it: no key
// is erased before the leaves that claim it are stored (lib/engine/leaf-store.ts).
import { LetheError } from '../errors.js';
import { getEntity } from '../graph/graph-queries.js';
import { staticPrefix } from '../graph/key-template.js';
import { addCount, mergeCounts } from '../model/counters.js';
import { type IntentContent, type IntentObject, pinIntent } from '../model/intents.js';
import { leafHash, sortHashes } from '../model/leaves.js';
import { scopeIdOf } from '../model/scopes.js';
import type { Unit } from '../model/units.js';
import type { TransactItem } from '../ports/document-store.js';
import { checkArchiveCopies, checkGuards } from './check-guards.js';
import { type EngineContext, reachCrashPoint, recordsReceiptLeaves } from './engine-context.js';
import { eraseObjects } from './erase-objects.js';
import { rootLabel } from './execute-finalize.js';
import { pinnedLeavesOfRerun, uploadLeavesBesidePin } from './leaf-store.js';
import { listRemaining, listSegment } from './list-key-range.js';
import { planSuccessor, sendSuccessor } from './plan-successor.js';
import type { SpawnedUnit, UnitWork } from './unit-work.js';
import type { PrefixMessage } from './work-message.js';

export async function executePrefix(
  context: EngineContext,
  unit: Unit,
  message: PrefixMessage,
): Promise<UnitWork> {
  const entity = getEntity(context.graph, message.entity);
  const group = entity.objects[message.part];
  const target = unit.target;
  const bucket = group ? context.graph.buckets[group.bucket]?.name : undefined;
  if (
    group?.kind !== 'prefix' ||
    !target ||
    target.bucket !== bucket ||
    !target.prefix.startsWith(staticPrefix(group.template)) ||
    !target.prefix.endsWith('/')
  ) {
    throw new LetheError(
      'UNDECLARED_PREFIX',
      `prefix unit ${unit.unitId} does not match a declared prefix group`,
    );
  }
  const { objectPageSize, prefixPagesPerUnit } = context.settings;
  const label = message.via ?? rootLabel(entity.name);
  const owner = `${entity.name}#${message.id}`;
  const toObjects = (keys: readonly string[]): IntentObject[] =>
    keys
      .filter((key) => key.startsWith(target.prefix))
      .map((key) => ({ bucket: target.bucket, key, shared: group.shared, owner }));
  const successor = (after: string): SpawnedUnit => ({
    message: { ...message, page: message.page + 1, after },
    scope: unit.scope,
    target,
  });

  const leafOf = (object: IntentObject) =>
    leafHash(unit.jobId, { kind: 'object', container: object.bucket, key: object.key });
  let listed: IntentObject[] = [];
  let pinnedLeaves: Buffer[] = [];
  let leafPuts: TransactItem[] = [];
  let pinnedSha256: string | undefined;
  let leavesStored: Promise<void> = Promise.resolve();
  // Shared keys are counted only by the run that erases them: nothing to pin for them.
  const pinsLeaves = group.shared === undefined && recordsReceiptLeaves(context);
  const { intent, pinnedHere } = await pinIntent(
    context.state,
    unit.jobId,
    unit.unitId,
    async (): Promise<IntentContent> => {
      // The listed keys' leaves, hashed page by page while the next page is listed, then
      // sorted once (a numeric sort: sortHashes), the order the unit's part stores.
      const hashed: Buffer[] = [];
      const segment = await listSegment(
        context.objects,
        target,
        message.after,
        prefixPagesPerUnit,
        objectPageSize,
        pinsLeaves
          ? (keys) => {
              for (const object of toObjects(keys)) hashed.push(leafOf(object));
            }
          : undefined,
      );
      const objects = toObjects(segment.keys);
      await checkGuards(context, unit, {
        entity,
        instances: [{ id: message.id, row: undefined }],
        // The owner's own scope (and tenant) when it cascaded; else its parent's.
        scope: scopeIdOf(entity.name, message.id),
        fallbackScope: unit.scope,
        checks: 'holds',
      });
      await checkArchiveCopies(context, entity, objects);
      listed = objects;
      const last = segment.keys.at(-1);
      pinnedLeaves = sortHashes(hashed);
      // Uploaded beside the pin, not before it: the next unit is sent without waiting for it.
      const upload = uploadLeavesBesidePin(context, unit.jobId, unit.unitId, pinnedLeaves);
      leafPuts = upload.writes;
      pinnedSha256 = upload.sha256;
      leavesStored = upload.stored;
      return {
        entity: entity.name,
        relation: label,
        rowKeys: [],
        objects: [],
        prefixes: [],
        unknownManifests: [],
        range: {
          ...(message.after === undefined ? {} : { after: message.after }),
          ...(last === undefined ? {} : { last }),
          count: objects.length,
        },
        ...(segment.truncated && last !== undefined ? { nextAfter: last } : {}),
        ...(leafPuts.length > 0 ? { leafParts: leafPuts.length } : {}),
      };
    },
    (content) => [
      ...leafPuts,
      ...(content.nextAfter === undefined
        ? []
        : planSuccessor(context, unit, successor(content.nextAfter))),
    ],
    unit,
  );

  reachCrashPoint(context, 'after-intent', unit.unitId);
  const [next] = await Promise.all([
    sendSuccessor(
      context,
      intent.nextAfter === undefined ? undefined : successor(intent.nextAfter),
    ),
    // Nothing is erased before the pinned leaves are stored: a re-run could not hash them.
    pinnedHere ? leavesStored : undefined,
  ]);

  // This run's own listing when its pin won; otherwise (a re-run, a twin) what is left, and
  // the leaves pinned with the range, read (or rebuilt, when their upload never landed)
  // before anything is erased.
  const leafParts = intent.leafParts ?? 0;
  let pinnedCount = intent.range?.count ?? 0;
  let objects = listed;
  if (!pinnedHere) {
    objects = toObjects(
      await listRemaining(context.objects, target, intent.range ?? { count: 0 }, objectPageSize),
    );
    const remaining = objects;
    const rerun = await pinnedLeavesOfRerun(context, unit.jobId, unit.unitId, leafParts, () =>
      remaining.map(leafOf),
    );
    pinnedLeaves = rerun.hashes;
    pinnedSha256 = rerun.sha256;
    pinnedCount = rerun.repinnedCount ?? pinnedCount;
  }
  const [first, rest] = [objects.slice(0, objectPageSize), objects.slice(objectPageSize)];
  const erased = await eraseObjects(context, entity, label, first, unit);
  reachCrashPoint(context, 'mid-page', unit.unitId);
  const erasedRest = await eraseObjects(context, entity, label, rest, unit);
  reachCrashPoint(context, 'after-objects', unit.unitId);

  const counts = mergeCounts(erased.counts, erasedRest.counts);
  const failures = [...erased.failures, ...erasedRest.failures];
  let erasedItems = [...erased.erased, ...erasedRest.erased];
  let erasedLeaves: Buffer[] = [];
  // The leaves follow the counts: every pinned key but those that failed now. That is what a
  // first run's counts claim when S3 answered for every key it listed (so its leaves are not
  // hashed a second time), and what a re-run's counts are made to claim below.
  const everyKeyAnswered = erasedItems.length + failures.length === objects.length;
  if (group.shared === undefined && (!pinnedHere || everyKeyAnswered)) {
    const failed = new Set(
      failures.map((f) => leafOf({ bucket: f.bucket, key: f.key, owner }).toString('hex')),
    );
    erasedLeaves =
      failed.size === 0
        ? pinnedLeaves
        : pinnedLeaves.filter((leaf) => !failed.has(leaf.toString('hex')));
    erasedItems = [];
  }
  if (!pinnedHere && group.shared === undefined) {
    // A re-run counts the pinned range, not what it found: keys already gone were deleted by
    // the run that pinned them, and keys written into the range since are deleted uncounted.
    // So the counts are those of a run that never crashed.
    const byKind = counts[label] ?? {};
    const pinned = Math.max(0, pinnedCount - (byKind.objectsFailed ?? 0));
    const counted = (byKind.objectsDeleted ?? 0) + (byKind.objectsHidden ?? 0);
    // Keys the pinning run deleted in a versioned bucket are under its delete markers.
    const versioned = context.graph.buckets[group.bucket]?.versioned === true;
    addCount(counts, label, versioned ? 'objectsHidden' : 'objectsDeleted', pinned - counted);
  }
  return {
    counts,
    spawn: [],
    plannedEarly: next ? [next.unitId] : [],
    clearIntent: true,
    failures,
    erased: erasedItems,
    erasedLeaves,
    pinnedLeaves: { parts: leafParts, hashes: pinnedLeaves, sha256: pinnedSha256 },
  };
}
