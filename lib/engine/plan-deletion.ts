// The dry run: what deleting an entity would do, per relation, read with the same queries
// the engine uses and deleting nothing. Shared content is simulated: a refcounted key would
// go only if every owner it has is inside this deletion.
import { getEntity } from '../graph/graph-queries.js';
import type { Entity } from '../graph/graph-types.js';
import { entityIdOf, entityKeyValue } from '../graph/key-types.js';
import { addCount, type Counts, totalOf } from '../model/counters.js';
import { refKey } from '../model/refs.js';
import type { Item, Key } from '../ports/document-store.js';
import { mapConcurrent } from '../retry.js';
import { collectObjects } from './collect-objects.js';
import type { EngineContext } from './engine-context.js';
import { entityRows } from './entity-rows.js';
import { rootLabel } from './execute-finalize.js';
import { idOf, queryChildren } from './query-children.js';
import { restrictCheck } from './restrict-check.js';

export const PLAN_VERSION = 1;

export interface DeletionPlan {
  readonly version: typeof PLAN_VERSION;
  readonly entity: string;
  readonly id: string;
  /** Per relation (or `root.<entity>`): rowsDeleted, rowsNulled, objectsDeleted, objectsShared, objectsLeftToTtl, blocked, manifestsUnreadable. */
  readonly relations: Counts;
  readonly totals: {
    readonly rowsDeleted: number;
    readonly rowsNulled: number;
    readonly objectsDeleted: number;
    readonly objectsShared: number;
    readonly objectsLeftToTtl: number;
    readonly blocked: number;
  };
}

interface SharedCandidate {
  readonly label: string;
  readonly bucket: string;
  readonly key: string;
}

export async function planDeletion(
  context: EngineContext,
  entityName: string,
  requestedId: string,
): Promise<DeletionPlan> {
  const entity = getEntity(context.graph, entityName);
  // The id as a deletion would use it (`007` plans entity 7); an id its key type cannot hold
  // is refused here, with the reason, before any query (InvalidKeyValueError).
  const id = entityIdOf(entity, requestedId);
  entityKeyValue(entity, id);
  const counts: Counts = {};
  const owners = new Set<string>();
  const shared: SharedCandidate[] = [];

  async function planObjects(of: Entity, label: string, rows: readonly Item[]): Promise<void> {
    if (of.objects.length === 0) return;
    for (const row of rows) owners.add(`${of.name}#${idOf(of, row)}`);
    const collected = await collectObjects(context.graph, context.objects, of, rows);
    for (const object of collected.objects) {
      // The run counts only keys that exist; so does the plan.
      if (object.missing) continue;
      if (object.shared === 'refcount')
        shared.push({ label, bucket: object.bucket, key: object.key });
      else
        addCount(counts, label, object.shared === 'ttl' ? 'objectsLeftToTtl' : 'objectsDeleted', 1);
    }
    addCount(counts, label, 'manifestsUnreadable', collected.unknownManifests.length);
    for (const prefix of collected.prefixes) {
      let token: string | undefined;
      do {
        const page = await context.objects.listPage(prefix.bucket, prefix.prefix, token);
        addCount(counts, label, 'objectsDeleted', page.keys.length);
        token = page.nextToken;
      } while (token);
    }
  }

  // The engine's own restrict decision: rows this deletion reaches by cascade do not block.
  const restricts = restrictCheck(context, { entity: entity.name, id });

  /** Returns false when a restrict relation, here or below, would block this entity. */
  async function planEntity(of: Entity, entityId: string, label: string): Promise<boolean> {
    // As the cascade unit does: restrict relations first; a blocked entity plans nothing under it.
    let blocked = false;
    for (const relation of of.children.filter((r) => r.onDelete === 'restrict')) {
      if (await restricts.blocks(relation, entityId)) {
        addCount(counts, relation.name, 'blocked', 1);
        blocked = true;
      }
    }
    if (blocked) {
      addCount(counts, label, 'blocked', 1);
      return false;
    }
    for (const relation of of.children) {
      const child = getEntity(context.graph, relation.child);
      if (relation.onDelete === 'none' || relation.onDelete === 'restrict') continue;
      let cursor: Key | undefined;
      do {
        const page = await queryChildren(context, relation, child, entityId, 500, cursor);
        cursor = page.lastKey;
        if (relation.onDelete === 'set-null') {
          addCount(counts, relation.name, 'rowsNulled', page.items.length);
          continue;
        }
        if (child.cascades) {
          const results = await mapConcurrent(page.items, 4, (row) =>
            planEntity(child, idOf(child, row), relation.name),
          );
          if (results.some((ok) => !ok)) blocked = true;
        } else {
          addCount(counts, relation.name, 'rowsDeleted', page.items.length);
          await planObjects(child, relation.name, page.items);
        }
      } while (cursor);
    }
    if (blocked) {
      addCount(counts, label, 'blocked', 1);
      return false;
    }
    // What the entity's finalize will do: every row of the instance (its partition when the
    // table has a sort key), and the objects they locate — from the id when the row is gone.
    const rows = await entityRows(context, of, entityId);
    addCount(counts, label, 'rowsDeleted', rows.length);
    const located =
      rows.length > 0 || of.sortKey !== undefined
        ? rows
        : [{ [of.partitionKey]: entityKeyValue(of, entityId) }];
    await planObjects(of, label, located);
    return true;
  }

  await planEntity(entity, id, rootLabel(entity.name));

  // A shared key goes only if all of its owners are deleted by this plan.
  const distinct = new Map<string, SharedCandidate[]>();
  for (const candidate of shared) {
    const key = `${candidate.bucket}/${candidate.key}`;
    distinct.set(key, [...(distinct.get(key) ?? []), candidate]);
  }
  await mapConcurrent([...distinct.values()], 16, async (candidates) => {
    const first = candidates[0];
    if (!first) return;
    const ref = await context.docs.get(context.state.table, refKey(first.bucket, first.key));
    const refOwners = ref?.owners instanceof Set ? [...ref.owners].map(String) : [];
    const goes = refOwners.every((owner) => owners.has(owner));
    candidates.forEach((candidate, index) => {
      const deletes = goes && index === candidates.length - 1;
      addCount(counts, candidate.label, deletes ? 'objectsDeleted' : 'objectsShared', 1);
    });
  });

  return {
    version: PLAN_VERSION,
    entity: entity.name,
    id,
    relations: counts,
    totals: {
      rowsDeleted: totalOf(counts, 'rowsDeleted'),
      rowsNulled: totalOf(counts, 'rowsNulled'),
      objectsDeleted: totalOf(counts, 'objectsDeleted'),
      objectsShared: totalOf(counts, 'objectsShared'),
      objectsLeftToTtl: totalOf(counts, 'objectsLeftToTtl'),
      blocked: totalOf(counts, 'blocked'),
    },
  };
}
