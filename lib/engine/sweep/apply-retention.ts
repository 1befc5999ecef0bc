// Retention policies: an entity that declares "delete when older than D" is found through
// its time index (a Query, never a scan) and requested for deletion, a bounded batch per run.
// This is how scheduled sweeps clean up expired artifacts without any upstream event.
import type { Entity } from '../../graph/graph-types.js';
import { InvalidKeyValueError, keyValue, tableKeyType } from '../../graph/key-types.js';
import type { Item } from '../../ports/document-store.js';
import { idOf } from '../query-children.js';
import { requestDeletion } from '../request-deletion.js';
import { hasBudget, type SweepContext } from './sweep-context.js';

/** A row whose key is not usable is skipped here, as before: retention is a best-effort sweep. */
function usableId(entity: Entity, row: Item): string | undefined {
  try {
    return idOf(entity, row);
  } catch (error) {
    if (error instanceof InvalidKeyValueError) return undefined;
    throw error;
  }
}

export async function applyRetention(
  sweep: SweepContext,
): Promise<{ requested: number; more: boolean }> {
  const { engine } = sweep;
  let requested = 0;
  let more = false;
  const entities = Object.values(engine.graph.entities).filter(
    (e): e is Entity & { retention: NonNullable<Entity['retention']> } => e.retention !== undefined,
  );
  for (const entity of entities) {
    if (!hasBudget(sweep)) break;
    const { retention } = entity;
    const table = engine.graph.tables[entity.table];
    const index = table?.indexes?.[retention.index];
    if (table === undefined || !index?.sortKey) continue;
    const cutoff = new Date(
      sweep.now.getTime() - retention.deleteAfterDays * 86_400_000,
    ).toISOString();
    const page = await engine.docs.query({
      table: entity.tableName,
      index: retention.index,
      keyCondition: {
        expression: '#p = :p AND #t < :cutoff',
        names: { '#p': index.partitionKey, '#t': index.sortKey },
        values: {
          ':p': keyValue(
            tableKeyType(table, index.partitionKey),
            retention.partitionValue,
            `${entity.name} retention.partitionValue`,
          ),
          ':cutoff': cutoff,
        },
      },
      limit: engine.settings.retentionBatch,
    });
    if (page.lastKey) more = true;
    for (const row of page.items) {
      const id = usableId(entity, row);
      if (id === undefined) continue;
      const result = await requestDeletion(engine, {
        entity: entity.name,
        id,
        requester: 'retention',
      });
      if (result.created) requested++;
    }
  }
  return { requested, more };
}
