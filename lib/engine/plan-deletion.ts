// The dry run: what deleting an entity would do, per relation, read with the same queries
// the engine uses and deleting nothing. Shared content is simulated: a refcounted key would
// go only if every owner it has is inside this deletion.
import { addCount, type Counts, totalOf } from '../model/counters.js';
import type { EngineContext } from './engine-context.js';
import { walkDeletion } from './walk-deletion.js';

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

const OBJECT_KINDS = {
  delete: 'objectsDeleted',
  ttl: 'objectsLeftToTtl',
  shared: 'objectsShared',
} as const;

export async function planDeletion(
  context: EngineContext,
  entityName: string,
  requestedId: string,
): Promise<DeletionPlan> {
  const counts: Counts = {};
  const { entity, id } = await walkDeletion(context, entityName, requestedId, {
    row: (found) =>
      addCount(counts, found.label, found.action === 'null' ? 'rowsNulled' : 'rowsDeleted', 1),
    object: (found) => addCount(counts, found.label, OBJECT_KINDS[found.disposition], 1),
    blocked: (label) => addCount(counts, label, 'blocked', 1),
    manifestsUnreadable: (label, n) => addCount(counts, label, 'manifestsUnreadable', n),
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
