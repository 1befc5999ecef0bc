// Row after tombstone: a child row written (inserted or modified) after its parent was
// tombstoned — by a writer that did not use guardedPut — is deleted too. It gets a job of its
// own, requested on behalf of the parent's job; that works the same whether the parent's
// job is still running (its pages may already have passed the row) or long completed.
import { getEntity } from '../graph/graph-queries.js';
import { canonicalIdOrUndefined, entityKeyType } from '../graph/key-types.js';
import { getTombstone } from '../model/tombstones.js';
import type { Item } from '../ports/document-store.js';
import type { EngineContext } from './engine-context.js';
import { type DeletionRequested, requestDeletion } from './request-deletion.js';

export interface RowAfterTombstone {
  /** The tombstoned parent that makes the row an orphan, if any. */
  readonly parent?:
    | { readonly entity: string; readonly id: string; readonly jobId: string }
    | undefined;
  readonly deletion?: DeletionRequested | undefined;
}

export async function catchRowAfterTombstone(
  context: EngineContext,
  entityName: string,
  item: Item,
): Promise<RowAfterTombstone> {
  const entity = getEntity(context.graph, entityName);
  const id = canonicalIdOrUndefined(entity.idType, item[entity.partitionKey]);
  if (id === undefined) return {};
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
    const deletion = await requestDeletion(context, {
      entity: entity.name,
      id,
      requester: 'row-after-tombstone',
      requestId: tombstone.jobId,
    });
    return { parent: { entity: relation.parent, id: parentId, jobId: tombstone.jobId }, deletion };
  }
  return {};
}
