// The last step before a unit pins the rows it will delete or null: a strongly consistent
// read of exactly those rows. A row that an index still listed but that is gone (the index
// lags), or that someone else removed — or re-pointed, for set-null — while the unit read
// manifests and checked guards, is left out: it is not this job's to count. Counts are then
// fixed by the pinned intent, so every run of the unit (a re-run, a twin) counts the same.
// The same read serves the restore log: with `whole` it returns the full items, so a page
// that is logged is read once, and only the rows found are counted and logged.
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

/** What `rowsStillThere` found: the keys, and the rows read for them, in the keys' order. */
export interface RowsThere {
  readonly keys: Key[];
  /** Full items with `whole`, else only their key attributes (and the pointer). */
  readonly rows: Item[];
}

export interface RowsStillThereOptions {
  /** Only rows whose `attribute` still names `parentId` count (set-null). */
  readonly pointing?: { readonly attribute: string; readonly parentId: string } | undefined;
  /** Read the full items (the restore log's page) rather than a keys-only projection. */
  readonly whole?: boolean | undefined;
}

/**
 * The keys among `keys` whose rows exist now (and, with `pointing`, whose `attribute` still
 * names `parentId`), in their given order, with the rows read. One strongly consistent
 * BatchGetItem per 100 keys, none for no keys.
 */
export async function rowsStillThere(
  context: EngineContext,
  entity: Entity,
  keys: readonly Key[],
  options: RowsStillThereOptions = {},
): Promise<RowsThere> {
  if (keys.length === 0) return { keys: [], rows: [] };
  const { pointing, whole = false } = options;
  const attributes = new Set(keyAttributes(entity));
  if (pointing) attributes.add(pointing.attribute);
  const found = await context.docs.batchGet(
    entity.tableName,
    keys,
    whole ? undefined : [...attributes],
  );
  const present = new Map<string, Item>();
  for (const row of found) {
    if (pointing && String(row[pointing.attribute]) !== pointing.parentId) continue;
    present.set(keyString(entity, row), row);
  }
  const there: RowsThere = { keys: [], rows: [] };
  for (const key of keys) {
    const row = present.get(keyString(entity, key));
    if (row === undefined) continue;
    there.keys.push(key);
    there.rows.push(row);
  }
  return there;
}
