// A finalize unit deletes one cascaded entity instance once everything under it is done:
// its own rows go (rows, then objects, through an intent), unless its scope was blocked by a
// restrict relation or a failed unit — then the row stays and the block travels upwards.
import { getEntity } from '../graph/graph-queries.js';
import type { Entity } from '../graph/graph-types.js';
import { addCount, type Counts } from '../model/counters.js';
import { pinIntent } from '../model/intents.js';
import { getScope, scopeIdOf } from '../model/scopes.js';
import type { Unit } from '../model/units.js';
import type { Item } from '../ports/document-store.js';
import type { EngineContext } from './engine-context.js';
import { eraseIntent, rowsIntentContent } from './erase-rows.js';
import { prefixUnits } from './prefix-units.js';
import type { UnitWork } from './unit-work.js';
import type { FinalizeMessage } from './work-message.js';

export function rootLabel(entity: string): string {
  return `root.${entity}`;
}

export async function executeFinalize(
  context: EngineContext,
  unit: Unit,
  message: FinalizeMessage,
): Promise<UnitWork> {
  const entity = getEntity(context.graph, message.entity);
  const label = message.via ?? rootLabel(entity.name);
  const scope = await getScope(context.state, unit.jobId, scopeIdOf(entity.name, message.id));
  if (scope?.blocked) {
    const counts: Counts = {};
    addCount(counts, label, 'blocked', 1);
    return { counts, spawn: [], block: true };
  }
  const intent = await pinIntent(context.state, unit.jobId, unit.unitId, async () =>
    rowsIntentContent(context, entity, label, await entityRows(context, entity, message.id)),
  );
  const erased = await eraseIntent(context, entity, intent);
  return {
    counts: erased.counts,
    spawn: prefixUnits(unit.jobId, entity.name, intent.prefixes, unit.scope, message.via),
    clearIntent: true,
    failures: erased.failures,
  };
}

/**
 * The rows that make up the entity: its item, or every item of its partition when the table
 * has a sort key. A row already gone (deleted upstream) still has objects to erase: they are
 * rendered from the id alone.
 */
async function entityRows(context: EngineContext, entity: Entity, id: string): Promise<Item[]> {
  if (entity.sortKey === undefined) {
    const row = await context.docs.get(entity.tableName, { [entity.partitionKey]: id });
    return [row ?? { [entity.partitionKey]: id }];
  }
  const rows: Item[] = [];
  let cursor: Record<string, string | number> | undefined;
  do {
    const page = await context.docs.query({
      table: entity.tableName,
      keyCondition: {
        expression: '#pk = :id',
        names: { '#pk': entity.partitionKey },
        values: { ':id': id },
      },
      startKey: cursor,
      consistent: true,
    });
    rows.push(...page.items);
    cursor = page.lastKey;
  } while (cursor);
  return rows;
}
