// The read-only walk of a deletion: from an entity down its cascade relations, with the
// engine's own queries (by key or index, never a scan), restrict decisions, prefix listings
// and manifests, reporting every row and object a deletion of it would erase, null or keep.
// The dry run (plan-deletion.ts) counts what it reports; re-discovery (verify-deletion.ts)
// lists where it is, after the job, as what the job left behind.
import { getEntity } from '../graph/graph-queries.js';
import type { Entity } from '../graph/graph-types.js';
import { entityIdOf, entityKeyValue } from '../graph/key-types.js';
import { refKey } from '../model/refs.js';
import type { Item, Key } from '../ports/document-store.js';
import { mapConcurrent } from '../retry.js';
import { collectObjects } from './collect-objects.js';
import type { EngineContext } from './engine-context.js';
import { entityRows } from './entity-rows.js';
import { rootLabel } from './execute-finalize.js';
import { vanishedRow } from './locate-entity.js';
import { idOf, queryChildren, rowKeyOf } from './query-children.js';
import { restrictCheck } from './restrict-check.js';

/** One cascaded entity instance on the way from the walk's start to what it found. */
export interface WalkStep {
  readonly entity: string;
  readonly id: string;
  /** The relation it was reached by; absent for a start. */
  readonly via?: string | undefined;
  /** Its tenant, when its row named one (for tenant holds). */
  readonly tenantId?: string | undefined;
}

/** A row the deletion erases (`delete`) or whose parent attribute it clears (`null`). */
export interface WalkRow {
  /** Relation name, or `root.<entity>` for the start's own rows. */
  readonly label: string;
  /** Cascaded instances from the start down to the row's parent (or the row's own entity). */
  readonly path: readonly WalkStep[];
  readonly entity: Entity;
  readonly table: string;
  readonly key: Key;
  readonly row: Item;
  readonly action: 'delete' | 'null';
  /** For `null`: the attribute that names the parent. */
  readonly attribute?: string | undefined;
}

/**
 * An object that exists and that the deletion locates: `delete` (it goes), `ttl` (left to a
 * lifecycle rule) or `shared` (refcounted, still referenced by an owner outside the deletion).
 */
export interface WalkObject {
  readonly label: string;
  readonly path: readonly WalkStep[];
  readonly bucket: string;
  readonly key: string;
  readonly disposition: 'delete' | 'ttl' | 'shared';
}

/** What the walk reports, as it finds it. Every callback is optional. */
export interface WalkVisitor {
  row?(found: WalkRow): void;
  object?(found: WalkObject): void;
  /** A restrict relation (or a blocked child) keeps the entity at `label`. */
  blocked?(label: string): void;
  manifestsUnreadable?(label: string, count: number): void;
}

/**
 * A further place to start from, already reached by the deletion: a cascaded entity whose row
 * may be gone (its objects are located from `locator` and the id, as its finalize did).
 */
export interface WalkStart {
  readonly entity: string;
  readonly id: string;
  readonly via?: string | undefined;
  readonly locator?: Readonly<Record<string, unknown>> | undefined;
}

interface SharedCandidate {
  readonly label: string;
  readonly path: readonly WalkStep[];
  readonly bucket: string;
  readonly key: string;
}

/**
 * Walks what deleting `entityName` `requestedId` reaches, read-only, and reports it to
 * `visitor`; then walks each of `also` not reached already. Throws InvalidKeyValueError for
 * an id the entity's key type cannot hold (before any query), and whatever the ports throw.
 */
export async function walkDeletion(
  context: EngineContext,
  entityName: string,
  requestedId: string,
  visitor: WalkVisitor,
  also: readonly WalkStart[] = [],
): Promise<{ entity: Entity; id: string }> {
  const entity = getEntity(context.graph, entityName);
  // The id as a deletion would use it (`007` is entity 7); refused before any query.
  const id = entityIdOf(entity, requestedId);
  entityKeyValue(entity, id);
  const owners = new Set<string>();
  const shared: SharedCandidate[] = [];
  const visited = new Set<string>();

  async function walkObjects(
    of: Entity,
    label: string,
    path: readonly WalkStep[],
    rows: readonly Item[],
    skip?: ReadonlySet<number>,
  ): Promise<void> {
    if (of.objects.length === 0) return;
    for (const row of rows) owners.add(`${of.name}#${idOf(of, row)}`);
    const collected = await collectObjects(
      context.graph,
      context.objects,
      of,
      rows,
      undefined,
      skip,
    );
    for (const object of collected.objects) {
      // A deletion counts only keys that exist; so does the walk.
      if (object.missing) continue;
      if (object.shared === 'refcount')
        shared.push({ label, path, bucket: object.bucket, key: object.key });
      else
        visitor.object?.({
          label,
          path,
          bucket: object.bucket,
          key: object.key,
          disposition: object.shared === 'ttl' ? 'ttl' : 'delete',
        });
    }
    if (collected.unknownManifests.length > 0)
      visitor.manifestsUnreadable?.(label, collected.unknownManifests.length);
    for (const prefix of collected.prefixes) {
      let token: string | undefined;
      do {
        const page = await context.objects.listPage(prefix.bucket, prefix.prefix, token);
        for (const key of page.keys)
          visitor.object?.({ label, path, bucket: prefix.bucket, key, disposition: 'delete' });
        token = page.nextToken;
      } while (token);
    }
  }

  // The engine's own restrict decision: rows this deletion reaches by cascade do not block.
  const restricts = restrictCheck(context, { entity: entity.name, id });

  /** Returns false when a restrict relation, here or below, would block this entity. */
  async function walkEntity(
    of: Entity,
    entityId: string,
    label: string,
    path: readonly WalkStep[],
    locator?: Readonly<Record<string, unknown>>,
  ): Promise<boolean> {
    visited.add(`${of.name}#${entityId}`);
    // As the cascade unit does: restrict relations first; a blocked entity has nothing under it.
    let blocked = false;
    for (const relation of of.children.filter((r) => r.onDelete === 'restrict')) {
      if (await restricts.blocks(relation, entityId)) {
        visitor.blocked?.(relation.name);
        blocked = true;
      }
    }
    if (blocked) {
      visitor.blocked?.(label);
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
          for (const row of page.items)
            visitor.row?.({
              label: relation.name,
              path,
              entity: child,
              table: child.tableName,
              key: rowKeyOf(child, row),
              row,
              action: 'null',
              attribute: relation.attribute,
            });
          continue;
        }
        if (child.cascades) {
          const results = await mapConcurrent(page.items, 4, (row) => {
            const childId = idOf(child, row);
            const step = stepOf(child, childId, relation.name, row);
            return walkEntity(child, childId, relation.name, [...path, step]);
          });
          if (results.some((ok) => !ok)) blocked = true;
        } else {
          for (const row of page.items)
            visitor.row?.({
              label: relation.name,
              path,
              entity: child,
              table: child.tableName,
              key: rowKeyOf(child, row),
              row,
              action: 'delete',
            });
          await walkObjects(child, relation.name, path, page.items);
        }
      } while (cursor);
    }
    if (blocked) {
      visitor.blocked?.(label);
      return false;
    }
    // What the entity's finalize does: every row of the instance (its partition when the
    // table has a sort key), and the objects they locate — from what its cascade pinned and
    // the id when the row is gone, skipping templates that name values neither has.
    const rows = await entityRows(context, of, entityId);
    for (const row of rows)
      visitor.row?.({
        label,
        path,
        entity: of,
        table: of.tableName,
        key: rowKeyOf(of, row),
        row,
        action: 'delete',
      });
    if (rows.length > 0 || of.sortKey !== undefined) await walkObjects(of, label, path, rows);
    else {
      const vanished = vanishedRow(context.graph, of, entityId, locator);
      await walkObjects(of, label, path, [vanished.row], vanished.skip);
    }
    return true;
  }

  await walkEntity(entity, id, rootLabel(entity.name), [stepOf(entity, id, undefined)]);
  for (const start of also) {
    const of = getEntity(context.graph, start.entity);
    if (visited.has(`${of.name}#${start.id}`)) continue;
    await walkEntity(
      of,
      start.id,
      start.via ?? rootLabel(of.name),
      [stepOf(of, start.id, start.via)],
      start.locator,
    );
  }

  // A shared key goes only if all of its owners are deleted by this walk.
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
      visitor.object?.({ ...candidate, disposition: deletes ? 'delete' : 'shared' });
    });
  });
  return { entity, id };
}

function stepOf(of: Entity, id: string, via: string | undefined, row?: Item): WalkStep {
  const tenant = of.tenantAttribute === undefined ? undefined : row?.[of.tenantAttribute];
  return {
    entity: of.name,
    id,
    ...(via === undefined ? {} : { via }),
    ...(typeof tenant === 'string' ? { tenantId: tenant } : {}),
  };
}
