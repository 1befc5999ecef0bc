// The last step before a unit pins the rows it will delete or null: a strongly consistent
// read of exactly those rows. A row that an index still listed but that is gone (the index
// lags), or that someone else removed — or re-pointed, for set-null — while the unit read
// manifests and checked guards, is left out: it is not this job's to count. Counts are then
// fixed by the pinned intent, so every run of the unit (a re-run, a twin) counts the same.
import type { Entity } from '../graph/graph-types.js';
import type { Item, Key } from '../ports/document-store.js';
import type { EngineContext } from './engine-context.js';

function keyAttributes(entity: Entity): string[] {
  return entity.sortKey === undefined
    ? [entity.partitionKey]
    : [entity.partitionKey, entity.sortKey];
}

function keyString(entity: Entity, item: Item | Key): string {
  return JSON.stringify(keyAttributes(entity).map((attribute) => item[attribute]));
}

/**
 * The keys among `keys` whose rows exist now (and, with `pointing`, whose `attribute` still
 * names `parentId`), in their given order. One BatchGetItem per 100 keys, none for no keys.
 */
export async function rowsStillThere(
  context: EngineContext,
  entity: Entity,
  keys: readonly Key[],
  pointing?: { readonly attribute: string; readonly parentId: string },
): Promise<Key[]> {
  if (keys.length === 0) return [];
  const attributes = new Set(keyAttributes(entity));
  if (pointing) attributes.add(pointing.attribute);
  const found = await context.docs.batchGet(entity.tableName, keys, [...attributes]);
  const present = new Set(
    found
      .filter((row) => !pointing || String(row[pointing.attribute]) === pointing.parentId)
      .map((row) => keyString(entity, row)),
  );
  return keys.filter((key) => present.has(keyString(entity, key)));
}
