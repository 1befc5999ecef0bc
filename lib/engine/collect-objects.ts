// Step 1 of "rows, then objects": find every object a set of rows locates, while the rows
// still exist. Keys are rendered from the graph's templates and the rows' own values;
// manifests are read now, because once their rows are gone nothing would point at them.
// Whether each key exists is settled here too (a manifest read finds its own key; the rest
// are looked up by listing): a key that does not exist is deleted but never counted.
import { LetheError, UnsafeKeyValueError } from '../errors.js';
import type { Entity, Graph, ManifestObjectDefinition } from '../graph/graph-types.js';
import { renderKey } from '../graph/key-template.js';
import { entityIdOf } from '../graph/key-types.js';
import type { IntentObject, IntentPrefix, UnreadableManifest } from '../model/intents.js';
import type { Item } from '../ports/document-store.js';
import type { ObjectStore } from '../ports/object-store.js';
import { mapConcurrent } from '../retry.js';

export interface CollectedObjects {
  readonly objects: IntentObject[];
  readonly prefixes: IntentPrefix[];
  readonly unknownManifests: UnreadableManifest[];
}

export function bucketName(graph: Graph, bucket: string): string {
  const declared = graph.buckets[bucket];
  if (!declared) throw new Error(`bucket "${bucket}" is not declared in the graph`);
  return declared.name;
}

function valueAt(document: unknown, path: string): unknown {
  let current = document;
  for (const segment of path.split('.')) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, segment))
      return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

async function readManifest(
  graph: Graph,
  store: ObjectStore,
  group: ManifestObjectDefinition,
  bucket: string,
  manifestKey: string,
  row: Item,
  owner: string,
): Promise<{ objects: IntentObject[]; unreadable?: UnreadableManifest; found?: boolean }> {
  const unreadable = (reason: string, found?: boolean) => ({
    objects: [],
    unreadable: { bucket, key: manifestKey, reason },
    ...(found === undefined ? {} : { found }),
  });
  let text: string | undefined;
  try {
    text = await store.getText(bucket, manifestKey);
  } catch (error) {
    // Busy for now (SlowDown, 5xx): fail the unit so it runs again. Pinned as unreadable, the
    // manifest's images would never be released.
    if (error instanceof LetheError && error.retryable) throw error;
    return unreadable(
      `could not be read: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (text === undefined) return unreadable('does not exist', false);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return unreadable('is not valid JSON', true);
  }
  const listed = valueAt(document, group.keysPath);
  if (!Array.isArray(listed)) return unreadable(`has no array at "${group.keysPath}"`, true);
  const itemBucket = bucketName(graph, group.itemBucket ?? group.bucket);
  const objects: IntentObject[] = [];
  const rejected: string[] = [];
  for (const value of listed) {
    try {
      objects.push({
        bucket: itemBucket,
        key: renderKey(group.itemTemplate, { ...row, value }),
        shared: group.itemsShared,
        owner,
      });
    } catch (error) {
      if (!(error instanceof UnsafeKeyValueError)) throw error;
      rejected.push(String(value).slice(0, 80));
    }
  }
  return rejected.length === 0
    ? { objects, found: true }
    : {
        objects,
        found: true,
        unreadable: {
          bucket,
          key: manifestKey,
          reason: `unsafe entries skipped: ${rejected.join(', ')}`,
        },
      };
}

/**
 * Throws UnsafeKeyValueError when a row's own value would render outside its template.
 * `skipGroups`: indexes of object groups not to render (their keys cannot be located).
 */
export async function collectObjects(
  graph: Graph,
  store: ObjectStore,
  entity: Entity,
  rows: readonly Item[],
  manifestConcurrency = 16,
  skipGroups: ReadonlySet<number> = new Set(),
): Promise<CollectedObjects> {
  const collected: CollectedObjects = { objects: [], prefixes: [], unknownManifests: [] };
  const manifests: {
    group: ManifestObjectDefinition;
    bucket: string;
    key: string;
    row: Item;
    owner: string;
  }[] = [];
  for (const row of rows) {
    const owner = `${entity.name}#${entityIdOf(entity, row[entity.partitionKey])}`;
    for (const [index, group] of entity.objects.entries()) {
      if (skipGroups.has(index)) continue;
      const bucket = bucketName(graph, group.bucket);
      const key = renderKey(group.template, row);
      if (group.kind === 'prefix')
        collected.prefixes.push({ bucket, prefix: key, owner, group: index });
      else collected.objects.push({ bucket, key, shared: group.shared, owner });
      if (group.kind === 'manifest') manifests.push({ group, bucket, key, row, owner });
    }
  }
  const read = await mapConcurrent(manifests, manifestConcurrency, (m) =>
    readManifest(graph, store, m.group, m.bucket, m.key, m.row, m.owner),
  );
  const known = new Map<string, boolean>();
  for (const [index, result] of read.entries()) {
    const manifest = manifests[index];
    if (manifest && result.found !== undefined)
      known.set(locationOf(manifest.bucket, manifest.key), result.found);
    collected.objects.push(...result.objects);
    if (result.unreadable) collected.unknownManifests.push(result.unreadable);
  }
  return {
    ...collected,
    objects: await markMissing(store, collected.objects, known, manifestConcurrency),
  };
}

function locationOf(bucket: string, key: string): string {
  return `${bucket}/${key}`;
}

/** Marks the objects whose key does not exist now; `known` holds what a read already found. */
async function markMissing(
  store: ObjectStore,
  objects: readonly IntentObject[],
  known: ReadonlyMap<string, boolean>,
  concurrency: number,
): Promise<IntentObject[]> {
  const unknown = new Map<string, Set<string>>();
  for (const o of objects) {
    if (known.has(locationOf(o.bucket, o.key))) continue;
    unknown.set(o.bucket, (unknown.get(o.bucket) ?? new Set<string>()).add(o.key));
  }
  const found = new Set([...known].filter(([, exists]) => exists).map(([location]) => location));
  const listed = await mapConcurrent([...unknown], concurrency, async ([bucket, keys]) => ({
    bucket,
    existing: await store.existing(bucket, [...keys]),
  }));
  for (const { bucket, existing } of listed)
    for (const key of existing) found.add(locationOf(bucket, key));
  return objects.map((o) =>
    found.has(locationOf(o.bucket, o.key)) ? o : { ...o, missing: true as const },
  );
}
