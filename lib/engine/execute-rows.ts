// A rows unit handles one page of a relation's children, by the relation's action:
// cascade children that have children of their own are tombstoned and cascaded in the same
// job; leaf children are erased in place (rows, then objects); set-null children lose the
// attribute, but only while it still names this parent. The next page of leaf and set-null
// children is planned when this page is pinned and sent before it is erased (plan-successor);
// after cascading children, it is planned on commit.
// Before a page is erased (or nulled), its rows' guards are checked: one held or guarded row
// makes the whole page wait. Tombstoning cascading children deletes nothing: their own
// cascade units check their guards.
import { ConditionFailedError } from '../errors.js';
import { getEntity, getRelation } from '../graph/graph-queries.js';
import type { Entity, Relation } from '../graph/graph-types.js';
import { addCount, type Counts, mergeCounts } from '../model/counters.js';
import { type Intent, type IntentContent, pinIntent } from '../model/intents.js';
import type { ErasedItem } from '../model/leaves.js';
import { writeTombstone } from '../model/tombstones.js';
import type { Unit } from '../model/units.js';
import type { Item, Key } from '../ports/document-store.js';
import { mapConcurrent } from '../retry.js';
import { checkArchiveCopies, checkGuards, type GuardTarget } from './check-guards.js';
import { type EngineContext, reachCrashPoint } from './engine-context.js';
import { eraseInSettleOrPin } from './erase-in-settle.js';
import { eraseIntent, rowsIntentContent } from './erase-rows.js';
import { pageLimit } from './page-limit.js';
import { planSuccessor, sendSuccessor } from './plan-successor.js';
import { prefixUnits } from './prefix-units.js';
import { idOf, queryChildren, relationKeyValue, rowKeyOf } from './query-children.js';
import { pageLogger } from './restore-log.js';
import { rowsStillThere } from './rows-still-there.js';
import type { SpawnedUnit, UnitWork } from './unit-work.js';
import type { RowsMessage } from './work-message.js';

export async function executeRows(
  context: EngineContext,
  unit: Unit,
  message: RowsMessage,
): Promise<UnitWork> {
  const relation = getRelation(context.graph, message.relation);
  const child = getEntity(context.graph, relation.child);
  const loadPage = () =>
    queryChildren(
      context,
      relation,
      child,
      message.parentId,
      pageLimit(child, context.settings.pageSize, context.settings.rowPagesPerUnit),
      message.cursor,
    );

  const counts: Counts = {};
  const spawn: SpawnedUnit[] = [];
  const successor = (cursor: Key): SpawnedUnit => ({
    message: { ...message, page: message.page + 1, cursor },
    scope: unit.scope,
  });
  // Leaf and set-null pages plan their successor when they pin, and send it before erasing.
  const planNext = (content: { lastKey?: Key | undefined }) =>
    content.lastKey ? planSuccessor(context, unit, successor(content.lastKey)) : [];
  // The page's restore log commits with its pin: nothing is erased that was not logged.
  const log = pageLogger(context, unit.jobId, unit.unitId);
  const pinPage = async (build: () => Promise<IntentContent>) =>
    (
      await pinIntent(
        context.state,
        unit.jobId,
        unit.unitId,
        build,
        (content) => [...planNext(content), ...log.writes()],
        unit,
      )
    ).intent;
  const sendNext = async (intent: Intent) =>
    (await sendSuccessor(context, intent.lastKey ? successor(intent.lastKey) : undefined))?.unitId;
  let lastKey: Key | undefined;
  let plannedEarly: string | undefined;
  let failures: UnitWork['failures'];
  let unknownManifests: UnitWork['unknownManifests'];
  let erasedItems: readonly ErasedItem[] = [];

  if (relation.onDelete === 'cascade' && child.cascades) {
    const page = await loadPage();
    lastKey = page.lastKey;
    spawn.push(...(await tombstoneChildren(context, unit, relation, child, page.items)));
  } else if (relation.onDelete === 'cascade') {
    const buildPage = async (): Promise<IntentContent> => {
      const page = await loadPage();
      await checkGuards(context, unit, guardTarget(child, page.items, unit.scope, 'all'));
      const content = await rowsIntentContent(
        context,
        child,
        relation.name,
        page.items,
        page.lastKey,
      );
      await checkArchiveCopies(context, child, content.objects, content.prefixes);
      // One consistent read counts the rows and, whole when they are logged, logs them.
      const there = await rowsStillThere(context, child, content.rowKeys, {
        whole: log.logs(child),
      });
      await log.rows(child, relation.name, there.rows);
      return { ...content, rowKeys: there.keys };
    };
    // A page no run pinned yet, that locates no objects and ends the relation, is erased in
    // the unit's settle (erase-in-settle.ts); any other page pins what it built.
    const settled = await eraseInSettleOrPin(context, unit, child, buildPage, log, relation.name);
    if ('work' in settled) return settled.work;
    const intent = await pinPage(settled.pin);
    plannedEarly = await sendNext(intent);
    const erased = await eraseIntent(context, child, intent);
    mergeCounts(counts, erased.counts);
    spawn.push(...prefixUnits(unit.jobId, child.name, intent.prefixes, unit.scope, relation.name));
    failures = erased.failures;
    erasedItems = erased.erased;
    unknownManifests = intent.unknownManifests;
  } else if (relation.onDelete === 'set-null') {
    const intent = await pinPage(async () => {
      const page = await loadPage();
      // Nulling a pointer deletes nothing: only holds keep these rows as they are.
      await checkGuards(context, unit, guardTarget(child, page.items, unit.scope, 'holds'));
      const listed = page.items.map((row) => rowKeyOf(child, row));
      const { keys: rowKeys } = await rowsStillThere(context, child, listed, {
        pointing: { attribute: relation.attribute, parentId: message.parentId },
      });
      const value = relationKeyValue(relation, child, message.parentId);
      const entries = rowKeys.map((key) => ({ key, value }));
      await log.nulled(child, relation.name, relation.attribute, entries);
      return {
        entity: child.name,
        relation: relation.name,
        rowKeys,
        objects: [],
        prefixes: [],
        unknownManifests: [],
        ...(page.lastKey ? { lastKey: page.lastKey } : {}),
      };
    });
    plannedEarly = await sendNext(intent);
    const nulled = await nullifyRows(context, relation, message.parentId, intent);
    addCount(counts, relation.name, 'rowsNulled', nulled.length);
    erasedItems = nulled.map((key) => ({ kind: 'nulled', container: child.tableName, key }));
  }

  // Cascading children are tombstoned, not pinned: their next page is planned on commit.
  if (lastKey) spawn.push(successor(lastKey));
  return {
    counts,
    spawn,
    plannedEarly: plannedEarly === undefined ? [] : [plannedEarly],
    clearIntent: relation.onDelete !== 'cascade' || !child.cascades,
    failures,
    unknownManifests,
    erased: erasedItems,
  };
}

function guardTarget(
  child: Entity,
  rows: readonly Item[],
  scope: string,
  checks: GuardTarget['checks'],
): GuardTarget {
  return {
    entity: child,
    instances: rows.map((row) => ({ id: idOf(child, row), row })),
    scope,
    checks,
  };
}

async function tombstoneChildren(
  context: EngineContext,
  unit: Unit,
  relation: Relation,
  child: Entity,
  rows: readonly Item[],
): Promise<SpawnedUnit[]> {
  const ids = rows.map((row) => idOf(child, row));
  const results = await mapConcurrent(ids, 4, (id) =>
    writeTombstone(context.state, {
      entity: child.name,
      id,
      jobId: unit.jobId,
      shards: context.settings.shards,
      root: false,
    }),
  );
  reachCrashPoint(context, 'after-tombstone', unit.unitId);
  return ids.map((id, i) => {
    const result = results[i];
    // A child another job tombstoned first belongs to that job: this job's cascade defers.
    const owner =
      result && !result.created && result.existing.jobId !== unit.jobId
        ? result.existing.jobId
        : undefined;
    return {
      message: {
        v: 1,
        jobId: unit.jobId,
        type: 'cascade',
        entity: child.name,
        id,
        via: relation.name,
        ...(owner ? { owner } : {}),
      },
      scope: unit.scope,
    };
  });
}

/**
 * Nulls the pinned rows that still name the parent, and returns the keys of those nulled:
 * by this run, or by an earlier run or a twin of this unit (the attribute is gone, the row is
 * there). A row re-pointed elsewhere or deleted upstream is neither nulled nor counted.
 */
async function nullifyRows(
  context: EngineContext,
  relation: Relation,
  parentId: string,
  intent: Intent,
): Promise<Key[]> {
  const child = getEntity(context.graph, relation.child);
  const parent = relationKeyValue(relation, child, parentId);
  const nulled = await mapConcurrent(
    intent.rowKeys,
    context.settings.batchWriteConcurrency,
    async (key: Key) => {
      try {
        await context.docs.update({
          table: child.tableName,
          key,
          update: { expression: 'REMOVE #attr', names: { '#attr': relation.attribute } },
          condition: {
            expression: '#attr = :parent',
            names: { '#attr': relation.attribute },
            values: { ':parent': parent },
          },
        });
        return true;
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
        // Only a failed condition costs a read: nulled already by this unit, or changed upstream.
        const row = await context.docs.get(child.tableName, key);
        return row !== undefined && row[relation.attribute] === undefined;
      }
    },
  );
  return intent.rowKeys.filter((_, i) => nulled[i] === true);
}
