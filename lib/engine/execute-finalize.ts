// A finalize unit deletes one cascaded entity instance once everything under it is done:
// its own rows go (rows, then objects, through an intent), unless its scope was blocked by a
// restrict relation or a failed unit — then the row stays and the block travels upwards.
// Its guards are checked first: a held or guarded entity waits. A row gone before the finalize
// (deleted upstream) is located from what its cascade pinned; it never needs values it lacks.
import { getEntity } from '../graph/graph-queries.js';
import type { Entity } from '../graph/graph-types.js';
import { addCount, type Counts } from '../model/counters.js';
import { type IntentContent, pinIntent } from '../model/intents.js';
import { getScope, type Scope, scopeIdOf } from '../model/scopes.js';
import type { Unit } from '../model/units.js';
import { checkArchiveCopies, checkGuards } from './check-guards.js';
import { collectObjects } from './collect-objects.js';
import type { EngineContext } from './engine-context.js';
import { entityRows } from './entity-rows.js';
import { eraseInSettleOrPin } from './erase-in-settle.js';
import { eraseIntent, rowsIntentContent } from './erase-rows.js';
import { vanishedRow } from './locate-entity.js';
import { prefixUnits } from './prefix-units.js';
import { rowKeyOf } from './query-children.js';
import { pageLogger } from './restore-log.js';
import { rowsStillThere } from './rows-still-there.js';
import type { UnitWork } from './unit-work.js';
import type { FinalizeMessage } from './work-message.js';

export function rootLabel(entity: string): string {
  return `root.${entity}`;
}

/**
 * Runs a finalize unit (see the file comment). `finalized` is the entity's scope when the
 * caller knows it finalized (a chain's ledger: a finalized scope never changes); otherwise
 * it is read.
 */
export async function executeFinalize(
  context: EngineContext,
  unit: Unit,
  message: FinalizeMessage,
  finalized?: Scope,
): Promise<UnitWork> {
  const entity = getEntity(context.graph, message.entity);
  const label = message.via ?? rootLabel(entity.name);
  const scope =
    finalized ?? (await getScope(context.state, unit.jobId, scopeIdOf(entity.name, message.id)));
  if (scope?.blocked) {
    const counts: Counts = {};
    addCount(counts, label, 'blocked', 1);
    return { counts, spawn: [], block: true };
  }
  const log = pageLogger(context, unit.jobId, unit.unitId);
  const build = async (): Promise<IntentContent> => {
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
    const content =
      rows.length > 0 || entity.sortKey !== undefined
        ? await rowsIntentContent(context, entity, label, rows)
        : await vanishedContent(context, entity, label, message.id, scope?.locator);
    await checkArchiveCopies(context, entity, content.objects, content.prefixes);
    // Only rows that exist are deleted and counted, never the key the objects were rendered from.
    const listed = rows.map((row) => rowKeyOf(entity, row));
    const there = await rowsStillThere(context, entity, listed, { whole: log.logs(entity) });
    await log.rows(entity, label, there.rows, { id: message.id });
    return { ...content, rowKeys: there.keys };
  };
  // An entity whose rows locate no objects but prefixes (a user row and `users/{userId}/`) is
  // erased in the unit's settle, its prefix units planned beside (erase-in-settle.ts).
  const settled = await eraseInSettleOrPin(context, unit, entity, build, log, message.via);
  if ('work' in settled) return settled.work;
  const { intent } = await pinIntent(
    context.state,
    unit.jobId,
    unit.unitId,
    settled.pin,
    log.writes,
    unit,
  );
  const erased = await eraseIntent(context, entity, intent);
  addCount(erased.counts, label, 'objectsUnlocated', intent.unlocated?.length ?? 0);
  return {
    counts: erased.counts,
    spawn: prefixUnits(unit.jobId, entity.name, intent.prefixes, unit.scope, message.via),
    clearIntent: true,
    failures: erased.failures,
    erased: erased.erased,
    unknownManifests: intent.unknownManifests,
    unlocated: intent.unlocated,
  };
}

/**
 * A row already gone (deleted upstream, or since its cascade read it) has no row to delete,
 * but its objects are still to erase: rendered from the values its cascade pinned, else from
 * the id alone — and a template that names a value neither has is reported, not rendered.
 */
async function vanishedContent(
  context: EngineContext,
  entity: Entity,
  label: string,
  id: string,
  locator: Readonly<Record<string, unknown>> | undefined,
): Promise<IntentContent> {
  const vanished = vanishedRow(context.graph, entity, id, locator);
  const collected = await collectObjects(
    context.graph,
    context.objects,
    entity,
    [vanished.row],
    undefined,
    vanished.skip,
  );
  return {
    entity: entity.name,
    relation: label,
    rowKeys: [],
    ...collected,
    ...(vanished.unlocated.length > 0 ? { unlocated: vanished.unlocated } : {}),
  };
}
