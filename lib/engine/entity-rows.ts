// The rows that make up one entity instance: its item, or every item of its partition when
// the table has a sort key. Empty when the instance is already gone (deleted upstream).
import type { Entity } from '../graph/graph-types.js';
import { entityKeyValue } from '../graph/key-types.js';
import type { Item, Key } from '../ports/document-store.js';
import type { EngineContext } from './engine-context.js';

export async function entityRows(
  context: EngineContext,
  entity: Entity,
  id: string,
  limit?: number,
): Promise<Item[]> {
  const key = entityKeyValue(entity, id);
  if (entity.sortKey === undefined) {
    const row = await context.docs.get(entity.tableName, { [entity.partitionKey]: key });
    return row ? [row] : [];
  }
  const rows: Item[] = [];
  let cursor: Key | undefined;
  do {
    const page = await context.docs.query({
      table: entity.tableName,
      keyCondition: {
        expression: '#pk = :id',
        names: { '#pk': entity.partitionKey },
        values: { ':id': key },
      },
      startKey: cursor,
      consistent: true,
      ...(limit !== undefined ? { limit } : {}),
    });
    rows.push(...page.items);
    cursor = limit !== undefined && rows.length >= limit ? undefined : page.lastKey;
  } while (cursor);
  return rows;
}
