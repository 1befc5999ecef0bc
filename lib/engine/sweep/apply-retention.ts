// Retention policies: an entity that declares "delete when older than D" is found through
// its time index (a Query, never a scan) and requested for deletion, a bounded batch per run.
// This is how scheduled sweeps clean up expired artifacts without any upstream event.
import type { Entity } from '../../graph/graph-types.js';
import { requestDeletion } from '../request-deletion.js';
import { hasBudget, type SweepContext } from './sweep-context.js';

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
    const index = engine.graph.tables[entity.table]?.indexes?.[retention.index];
    if (!index?.sortKey) continue;
    const cutoff = new Date(
      sweep.now.getTime() - retention.deleteAfterDays * 86_400_000,
    ).toISOString();
    const page = await engine.docs.query({
      table: entity.tableName,
      index: retention.index,
      keyCondition: {
        expression: '#p = :p AND #t < :cutoff',
        names: { '#p': index.partitionKey, '#t': index.sortKey },
        values: { ':p': retention.partitionValue, ':cutoff': cutoff },
      },
      limit: engine.settings.retentionBatch,
    });
    if (page.lastKey) more = true;
    for (const row of page.items) {
      const id = row[entity.partitionKey];
      if (typeof id !== 'string') continue;
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
