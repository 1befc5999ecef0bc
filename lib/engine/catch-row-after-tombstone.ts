// Row after tombstone: a row written (inserted or modified) by a writer that did not use
// guardedPut while a tombstone says it must not exist — its own id is tombstoned, or its
// cascade parent is — is deleted too, whenever it is written, for as long as the tombstone
// lives. A row whose own id is tombstoned is left to the job deleting it if that job has not
// reached it yet, else erased by a follow-up job (request-follow-up.ts). A brand-new id under
// a tombstoned parent gets a tombstone and a job of its own. Either way the new job is linked
// to the job it finishes (`followUpOf`) and counted on it (`followUps`).
import { getEntity } from '../graph/graph-queries.js';
import { canonicalIdOrUndefined, entityKeyType } from '../graph/key-types.js';
import { getTombstone } from '../model/tombstones.js';
import type { Item } from '../ports/document-store.js';
import type { EngineContext } from './engine-context.js';
import { rowKeyOf } from './query-children.js';
import { type DeletionRequested, requestDeletion } from './request-deletion.js';
import { FOLLOW_UP_REQUESTER, requestFollowUp } from './request-follow-up.js';

export interface RowAfterTombstone {
  /** The tombstoned parent that makes the row an orphan, if any. */
  readonly parent?:
    | { readonly entity: string; readonly id: string; readonly jobId: string }
    | undefined;
  /** Set when the row's own id is tombstoned: the job that deleted it. */
  readonly deletedBy?: { readonly jobId: string } | undefined;
  /** The job that erases the row; `created` when this call started it. */
  readonly deletion?: DeletionRequested | undefined;
}

/**
 * Checks a row seen on a table stream (INSERT or MODIFY) against the tombstones of its own id
 * and of its cascade parents, and makes sure a job erases it when one of them is deleted.
 * Returns `{}` when nothing is tombstoned.
 */
export async function catchRowAfterTombstone(
  context: EngineContext,
  entityName: string,
  item: Item,
): Promise<RowAfterTombstone> {
  const entity = getEntity(context.graph, entityName);
  const id = canonicalIdOrUndefined(entity.idType, item[entity.partitionKey]);
  if (id === undefined) return {};
  const own = await getTombstone(context.state, entity.name, id);
  if (own) {
    // A change seen late, of a row already erased again (by a follow-up), needs nothing more.
    const there =
      (await context.docs.get(entity.tableName, rowKeyOf(entity, item), true)) !== undefined;
    return {
      deletedBy: { jobId: own.jobId },
      deletion: there ? await requestFollowUp(context, entity, id, own) : undefined,
    };
  }
  for (const relation of entity.parents) {
    if (relation.onDelete !== 'cascade') continue;
    // Canonical, as tombstones are keyed: a Number parent id 7 and "007" find the same one.
    const parentId = canonicalIdOrUndefined(
      entityKeyType(entity, relation.attribute),
      item[relation.attribute],
    );
    if (parentId === undefined) continue;
    const tombstone = await getTombstone(context.state, relation.parent, parentId);
    if (!tombstone) continue;
    let deletion = await requestDeletion(context, {
      entity: entity.name,
      id,
      requester: FOLLOW_UP_REQUESTER,
      requestId: tombstone.jobId,
      followUpOf: tombstone.jobId,
    });
    if (!deletion.created) {
      // Tombstoned since it was looked up (the parent's job reached it): same as above.
      const since = await getTombstone(context.state, entity.name, id);
      if (since) deletion = await requestFollowUp(context, entity, id, since);
    }
    return { parent: { entity: relation.parent, id: parentId, jobId: tombstone.jobId }, deletion };
  }
  return {};
}
