// A finalize unit deletes one cascaded entity instance once everything under it is done:
// its own rows go (rows, then objects, through an intent), unless its scope was blocked by a
// restrict relation or a failed unit — then the row stays and the block travels upwards.
// Its guards are checked first: a held or guarded entity waits.
import { getEntity } from '../graph/graph-queries.js';
import { entityKeyValue } from '../graph/key-types.js';
import { addCount, type Counts } from '../model/counters.js';
import { pinIntent } from '../model/intents.js';
import { getScope, scopeIdOf } from '../model/scopes.js';
import type { Unit } from '../model/units.js';
import { checkArchiveCopies, checkGuards } from './check-guards.js';
import type { EngineContext } from './engine-context.js';
import { entityRows } from './entity-rows.js';
import { eraseIntent, rowsIntentContent } from './erase-rows.js';
import { prefixUnits } from './prefix-units.js';
import { rowKeyOf } from './query-children.js';
import { rowsStillThere } from './rows-still-there.js';
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
  const { intent } = await pinIntent(context.state, unit.jobId, unit.unitId, async () => {
    const rows = await entityRows(context, entity, message.id);
    // Guards, before anything is deleted: only a unit that has no intent yet checks them.
    await checkGuards(context, unit, {
      entity,
      instances:
        rows.length > 0
          ? rows.map((row) => ({ id: message.id, row }))
          : [{ id: message.id, row: undefined }],
      scope: scopeIdOf(entity.name, message.id),
      checks: 'all',
    });
    // A row already gone (deleted upstream) still has objects to erase: rendered from the id.
    const located =
      rows.length > 0 || entity.sortKey !== undefined
        ? rows
        : [{ [entity.partitionKey]: entityKeyValue(entity, message.id) }];
    const content = await rowsIntentContent(context, entity, label, located);
    await checkArchiveCopies(context, entity, content.objects);
    // Only rows that exist are deleted and counted, never the key the objects were rendered from.
    const listed = rows.map((row) => rowKeyOf(entity, row));
    return { ...content, rowKeys: await rowsStillThere(context, entity, listed) };
  });
  const erased = await eraseIntent(context, entity, intent);
  return {
    counts: erased.counts,
    spawn: prefixUnits(unit.jobId, entity.name, intent.prefixes, unit.scope, message.via),
    clearIntent: true,
    failures: erased.failures,
    unknownManifests: intent.unknownManifests,
  };
}
