// How upstream writers avoid resurrecting deleted data: write through guardedPut, and the
// write commits only if neither the item's own id nor any of its parents' ids is tombstoned.
import { LetheError, TransactionCancelledError } from '../errors.js';
import { getEntity } from '../graph/graph-queries.js';
import type { Entity } from '../graph/graph-types.js';
import {
  canonicalIdOrUndefined,
  entityIdOf,
  entityKeyType,
  InvalidKeyValueError,
} from '../graph/key-types.js';
import { stateKeys } from '../model/state-keys.js';
import type { Item, TransactItem } from '../ports/document-store.js';
import type { EngineContext } from './engine-context.js';

/**
 * `guardedPut` refused a write: `entity` / `id` (the item itself or one of its parents) is
 * tombstoned, and writing would bring deleted data back. Code `TOMBSTONED`, not retryable.
 */
export class TombstonedError extends LetheError {
  readonly entity: string;
  readonly id: string;

  constructor(entity: string, id: string) {
    super('TOMBSTONED', `refused: ${entity} "${id}" is deleted; the write would bring it back`);
    this.name = 'TombstonedError';
    this.entity = entity;
    this.id = id;
  }
}

/** The item's own id, canonical for its key type; refused (`INVALID_ITEM`) when it has none. */
function itemId(entity: Entity, item: Item): string {
  try {
    return entityIdOf(entity, item[entity.partitionKey]);
  } catch (error) {
    if (!(error instanceof InvalidKeyValueError)) throw error;
    throw new LetheError('INVALID_ITEM', `${entity.name} item: ${error.message}`, { cause: error });
  }
}

/**
 * Writes `item` to the table of `entityName` only if neither the item's own id (its partition
 * key) nor any parent id it carries is tombstoned: one DynamoDB transaction with a condition
 * check per tombstone. Pass `engine.context` (or call `engine.guardedPut`).
 *
 * @throws TombstonedError when the item or a parent is deleted.
 * @throws LetheError `INVALID_ITEM` when the item's partition key is missing or not of its declared type, and
 *   `UNKNOWN_ENTITY` when the graph does not declare `entityName`.
 */
export async function guardedPut(
  context: EngineContext,
  entityName: string,
  item: Item,
): Promise<void> {
  const entity = getEntity(context.graph, entityName);
  const guarded: { entity: string; id: string }[] = [
    { entity: entity.name, id: itemId(entity, item) },
  ];
  for (const relation of entity.parents) {
    // Tombstones are looked up by canonical id: a Number parent written as 7 or "007" is "7".
    const parentId = canonicalIdOrUndefined(
      entityKeyType(entity, relation.attribute),
      item[relation.attribute],
    );
    if (parentId !== undefined) guarded.push({ entity: relation.parent, id: parentId });
  }
  const checks: TransactItem[] = guarded.map((g) => ({
    kind: 'check',
    table: context.state.table,
    key: stateKeys.tombstoneLookup(g.entity, g.id),
    condition: { expression: 'attribute_not_exists(pk)' },
  }));
  try {
    await context.docs.transact([{ kind: 'put', table: entity.tableName, item }, ...checks]);
  } catch (error) {
    if (!(error instanceof TransactionCancelledError)) throw error;
    const refused = error.reasons.findIndex(
      (reason, index) => index > 0 && reason === 'ConditionalCheckFailed',
    );
    const target = guarded[refused - 1];
    if (target) throw new TombstonedError(target.entity, target.id);
    throw error;
  }
}
