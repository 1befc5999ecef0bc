// Decides whether a restrict relation blocks an entity. A restricting row blocks unless the
// same deletion erases it anyway — it is reached from the deletion's root through cascade
// relations (Django's RESTRICT: a project that the deletion of its organization erases does
// not keep that organization's team alive; a project of another organization does). The
// answer follows from the graph and the rows' own parent attributes, never from whether the
// row, or the cascade that reaches it, was processed yet: every delivery order, and `plan`,
// decide the same.
import { getEntity } from '../graph/graph-queries.js';
import type { Entity, Relation } from '../graph/graph-types.js';
import { canonicalIdOrUndefined, entityKeyType } from '../graph/key-types.js';
import { getTombstone } from '../model/tombstones.js';
import type { Item, Key } from '../ports/document-store.js';
import type { EngineContext } from './engine-context.js';
import { entityRows } from './entity-rows.js';
import { idOf, queryChildren, rowKeyOf } from './query-children.js';

export interface DeletionRoot {
  readonly entity: string;
  readonly id: string;
  /**
   * The running job, when there is one: an ancestor whose row is gone still reaches the row
   * when this job tombstoned it. Omitted by the dry run, which tombstones nothing.
   */
  readonly jobId?: string | undefined;
}

export interface RestrictCheck {
  /**
   * True when `relation` (a restrict relation) has a child row of `parentId` that this
   * deletion does not reach. Pages through the children until it finds one.
   */
  blocks(relation: Relation, parentId: string): Promise<boolean>;
}

const PAGE = 100;

/** A restrict check for one deletion; it reads each ancestor row at most once. */
export function restrictCheck(context: EngineContext, root: DeletionRoot): RestrictCheck {
  const instances = new Map<string, Promise<boolean>>();

  const cascadeParents = (entity: Entity) =>
    entity.parents.filter((relation) => relation.onDelete === 'cascade');

  async function rowReached(entity: Entity, row: Item): Promise<boolean> {
    for (const relation of cascadeParents(entity)) {
      // Canonical, as tombstones and root ids are: a Number parent 7 and "007" are one.
      const value = canonicalIdOrUndefined(
        entityKeyType(entity, relation.attribute),
        row[relation.attribute],
      );
      if (value === undefined) continue;
      if (await instanceReached(getEntity(context.graph, relation.parent), value)) return true;
    }
    return false;
  }

  function instanceReached(entity: Entity, id: string): Promise<boolean> {
    if (entity.name === root.entity && id === root.id) return Promise.resolve(true);
    const key = `${entity.name}#${id}`;
    let answer = instances.get(key);
    if (answer === undefined) {
      answer = (async () => {
        const [row] = await entityRows(context, entity, id, 1);
        if (row) return rowReached(entity, row);
        // Its row is gone: this job reached it only if this job tombstoned it.
        if (root.jobId === undefined) return false;
        return (await getTombstone(context.state, entity.name, id))?.jobId === root.jobId;
      })();
      instances.set(key, answer);
    }
    return answer;
  }

  async function rowBlocks(child: Entity, listed: Item): Promise<boolean> {
    if (child.name === root.entity && idOf(child, listed) === root.id) return false;
    const parents = cascadeParents(child);
    if (parents.length === 0) return true;
    // An index that does not project the parent attributes: read the row (gone: no block).
    const row = parents.some((relation) => relation.attribute in listed)
      ? listed
      : await context.docs.get(child.tableName, rowKeyOf(child, listed));
    if (row === undefined) return false;
    return !(await rowReached(child, row));
  }

  return {
    async blocks(relation, parentId) {
      const child = getEntity(context.graph, relation.child);
      let cursor: Key | undefined;
      do {
        const page = await queryChildren(context, relation, child, parentId, PAGE, cursor);
        for (const row of page.items) if (await rowBlocks(child, row)) return true;
        cursor = page.lastKey;
      } while (cursor);
      return false;
    },
  };
}
