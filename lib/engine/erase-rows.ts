// Steps 1–4 of "rows, then objects": collect the keys rows locate (reading manifests while
// the rows exist), pin them in the unit's intent, delete the rows, then the objects. Step 5,
// clearing the intent, happens in the transaction that settles the unit.
import type { Entity } from '../graph/graph-types.js';
import { addCount, type Counts, mergeCounts } from '../model/counters.js';
import type { Intent, IntentContent } from '../model/intents.js';
import type { ErasedItem } from '../model/leaves.js';
import type { Item, Key } from '../ports/document-store.js';
import type { KeyFailure } from '../ports/object-store.js';
import { collectObjects } from './collect-objects.js';
import { type EngineContext, reachCrashPoint } from './engine-context.js';
import { eraseObjects } from './erase-objects.js';
import { rowKeyOf } from './query-children.js';

/** Keys one BatchWriteItem request takes (DynamoDB's limit). */
const BATCH_WRITE_KEYS = 25;

export interface ErasedRows {
  readonly counts: Counts;
  readonly failures: readonly (KeyFailure & { bucket: string })[];
  /** The rows and objects counted as deleted, for the receipt's leaves. */
  readonly erased: readonly ErasedItem[];
}

/** What an intent holds for a page of rows: their keys and every object they locate. */
export async function rowsIntentContent(
  context: EngineContext,
  entity: Entity,
  relation: string,
  rows: readonly Item[],
  lastKey?: Key,
): Promise<IntentContent> {
  const collected = await collectObjects(context.graph, context.objects, entity, rows);
  return {
    entity: entity.name,
    relation,
    rowKeys: rows.map((row) => rowKeyOf(entity, row)),
    ...collected,
    ...(lastKey ? { lastKey } : {}),
  };
}

export async function eraseIntent(
  context: EngineContext,
  entity: Entity,
  intent: Intent,
): Promise<ErasedRows> {
  reachCrashPoint(context, 'after-intent', intent.unitId);
  // Two halves, split where a BatchWriteItem request ends: a page of up to 25 rows is one
  // request (the `mid-page` crash point then follows it whole), a larger one costs no
  // request more than one call would.
  const requests = Math.ceil(intent.rowKeys.length / BATCH_WRITE_KEYS);
  const half = Math.ceil(requests / 2) * BATCH_WRITE_KEYS;
  await context.docs.batchDelete(entity.tableName, intent.rowKeys.slice(0, half));
  reachCrashPoint(context, 'mid-page', intent.unitId);
  await context.docs.batchDelete(entity.tableName, intent.rowKeys.slice(half));
  reachCrashPoint(context, 'after-rows', intent.unitId);

  const erased = await eraseObjects(context, entity, intent.relation, intent.objects, intent);
  reachCrashPoint(context, 'after-objects', intent.unitId);

  const rows = erasedRows(entity, intent.relation, intent.rowKeys);
  const counts: Counts = rows.counts;
  addCount(counts, intent.relation, 'manifestsUnreadable', intent.unknownManifests.length);
  mergeCounts(counts, erased.counts);
  return { counts, failures: erased.failures, erased: [...rows.erased, ...erased.erased] };
}

/**
 * What deleting `keys` from `entity`'s table under `relation` erased: its `rowsDeleted` count
 * and one row `ErasedItem` (the table, the key) per key, for the receipt's leaves.
 */
export function erasedRows(
  entity: Entity,
  relation: string,
  keys: readonly Key[],
): { counts: Counts; erased: ErasedItem[] } {
  const counts: Counts = {};
  addCount(counts, relation, 'rowsDeleted', keys.length);
  const erased = keys.map((key): ErasedItem => ({ kind: 'row', container: entity.tableName, key }));
  return { counts, erased };
}
