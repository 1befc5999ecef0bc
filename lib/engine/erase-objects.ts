// Step 4 of "rows, then objects": erase the keys an intent holds. Owned keys go in
// DeleteObjects calls; `refcount` keys are released and go only when no owner remains;
// `ttl` keys are left to the bucket's lifecycle rule. Every outcome is counted, and only for
// keys that existed when they were pinned: S3 answers "Deleted" for a key that never was.
import type { Entity } from '../graph/graph-types.js';
import { addCount, type Counts } from '../model/counters.js';
import type { IntentObject } from '../model/intents.js';
import type { ErasedItem } from '../model/leaves.js';
import { releaseRef } from '../model/refs.js';
import type { KeyFailure } from '../ports/object-store.js';
import { mapConcurrent } from '../retry.js';
import { assertDeclared } from './declared-objects.js';
import type { EngineContext } from './engine-context.js';
import { logMarkers } from './restore-log.js';

export interface ErasedObjects {
  readonly counts: Counts;
  readonly failures: (KeyFailure & { bucket: string })[];
  /** The keys counted as `objectsDeleted` or `objectsHidden`, for the receipt's leaves. */
  readonly erased: ErasedItem[];
}

export async function eraseObjects(
  context: EngineContext,
  entity: Entity,
  relation: string,
  objects: readonly IntentObject[],
  /** The unit erasing: delete markers a versioned bucket creates are logged under it. */
  unit?: { readonly jobId: string; readonly unitId: string },
): Promise<ErasedObjects> {
  const counts: Counts = {};
  const failures: (KeyFailure & { bucket: string })[] = [];
  const erased: ErasedItem[] = [];
  for (const object of objects) assertDeclared(context.graph, entity, object.bucket, object.key);

  const owned = objects.filter((o) => o.shared === undefined);
  const refcounted = objects.filter((o) => o.shared === 'refcount');
  const existed = (o: IntentObject) => o.missing !== true;
  addCount(
    counts,
    relation,
    'objectsLeftToTtl',
    objects.filter((o) => o.shared === 'ttl' && existed(o)).length,
  );

  // A missing shared key is still released (its reference must go), but nothing is kept.
  const releases = await mapConcurrent(refcounted, 16, async (object) => ({
    object,
    release: await releaseRef(context.state, object.bucket, object.key, object.owner),
  }));
  const unreferenced = releases.filter((r) => r.release.responsible).map((r) => r.object);
  addCount(
    counts,
    relation,
    'objectsShared',
    releases.filter((r) => !r.release.responsible && existed(r.object)).length,
  );

  // Per bucket, each key once, and whether it existed (any pinned entry says so).
  const byBucket = new Map<string, Map<string, boolean>>();
  for (const object of [...owned, ...unreferenced]) {
    const keys = byBucket.get(object.bucket) ?? new Map<string, boolean>();
    keys.set(object.key, (keys.get(object.key) ?? false) || existed(object));
    byBucket.set(object.bucket, keys);
  }
  for (const [bucket, keys] of byBucket) {
    const result = await context.objects.deleteKeys(bucket, [...keys.keys()]);
    // A key under a delete marker keeps its bytes until the lifecycle rule expires them.
    const marked = new Set((result.markers ?? []).map((m) => m.key));
    const deleted = result.deleted.filter((key) => keys.get(key) === true);
    if (unit) await logMarkers(context, unit, entity, relation, bucket, result.markers ?? []);
    addCount(counts, relation, 'objectsDeleted', deleted.filter((k) => !marked.has(k)).length);
    addCount(counts, relation, 'objectsHidden', deleted.filter((k) => marked.has(k)).length);
    // Hidden or gone, each key the counts claim has a leaf (verify-receipt.ts).
    for (const key of deleted) erased.push({ kind: 'object', container: bucket, key });
    addCount(counts, relation, 'objectsFailed', result.failed.length);
    failures.push(...result.failed.map((f) => ({ ...f, bucket })));
  }
  return { counts, failures, erased };
}
