// One page of a relation's children: a Query on the child table's key or the relation's
// index — never a scan (the graph validator refuses relations without one).
import type { Entity, Relation } from '../graph/graph-types.js';
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
      values: { ':parent': parentId },
    },
    limit,
    startKey: cursor,
    consistent: relation.index === undefined,
  });
}

/** The primary key of a row of `entity`'s table. */
export function rowKeyOf(entity: Entity, row: Item): Key {
  const key: Key = {};
  for (const attribute of [entity.partitionKey, entity.sortKey]) {
    if (attribute === undefined) continue;
    const value = row[attribute];
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new Error(`row of ${entity.name} has no key attribute ${attribute}`);
    }
    key[attribute] = value;
  }
  return key;
}

export function idOf(entity: Entity, row: Item): string {
  return String(row[entity.partitionKey]);
}
