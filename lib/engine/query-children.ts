// One page of a relation's children: a Query on the child table's key or the relation's
// index — never a scan (the graph validator refuses relations without one).
import type { Entity, Relation } from '../graph/graph-types.js';
import { canonicalId, entityIdOf, entityKeyType, keyValue } from '../graph/key-types.js';
import type { Item, Key } from '../ports/document-store.js';
import type { EngineContext } from './engine-context.js';

export async function queryChildren(
  context: EngineContext,
  relation: Relation,
  child: Entity,
  parentId: string,
  limit: number,
  cursor: Key | undefined,
): Promise<{ items: Item[]; lastKey: Key | undefined }> {
  return context.docs.query({
    table: child.tableName,
    index: relation.index,
    keyCondition: {
      expression: '#attr = :parent',
      names: { '#attr': relation.attribute },
      values: { ':parent': relationKeyValue(relation, child, parentId) },
    },
    limit,
    startKey: cursor,
    consistent: relation.index === undefined,
  });
}

/**
 * A parent id as the child's relation attribute holds it: a number when that attribute is a
 * Number key. Throws InvalidKeyValueError when the id cannot be one.
 */
export function relationKeyValue(
  relation: Relation,
  child: Entity,
  parentId: string,
): string | number {
  return keyValue(
    entityKeyType(child, relation.attribute),
    parentId,
    `${relation.parent} id (${child.name}.${relation.attribute})`,
  );
}

/**
 * The primary key of a row of `entity`'s table, each attribute sent with its declared type
 * (a row located from an id carries the id as text). Throws InvalidKeyValueError when a key
 * attribute is missing or cannot have its type.
 */
export function rowKeyOf(entity: Entity, row: Item): Key {
  const key: Key = {};
  for (const attribute of [entity.partitionKey, entity.sortKey]) {
    if (attribute === undefined) continue;
    const type = entityKeyType(entity, attribute);
    const what = `${entity.name} key ${attribute}`;
    key[attribute] = keyValue(type, canonicalId(type, row[attribute], what), what);
  }
  return key;
}

/** The entity id of a row: its partition key, canonical for a Number key. */
export function idOf(entity: Entity, row: Item): string {
  return entityIdOf(entity, row[entity.partitionKey]);
}
