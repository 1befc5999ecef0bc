// `lethe verify <jobId> --erase`: what re-discovery found still present is erased by deleting
// its owners again. Each owner (the entity the job cascaded whose relation or own templates
// reach the finding, verify-deletion.ts) is still tombstoned, so `lethe delete` only names the
// job that deleted it; instead a follow-up job runs that entity's cascade again, linked to the
// verified job (`followUpOf`) exactly as the stream consumer's follow-ups for rows written
// after a tombstone (request-follow-up.ts). Its finalize renders the entity's objects from the
// id when the row is gone, so objects put back under a prefix go too.
import { getEntity } from '../graph/graph-queries.js';
import { getTombstone } from '../model/tombstones.js';
import type { EngineContext } from './engine-context.js';
import { requestFollowUp, VERIFY_FOLLOW_UP_REQUESTER } from './request-follow-up.js';
import type { FindingOwner } from './verify-deletion.js';

/** What `eraseFindings` did for one owner. */
export type FindingErasure =
  | (FindingOwner & {
      readonly status: 'requested';
      /** The follow-up job that erases it (an earlier one still running, when `created` is false). */
      readonly jobId: string;
      readonly created: boolean;
    })
  | (FindingOwner & {
      /** Its tombstone expired: nothing stops a plain `lethe delete` of it now. */
      readonly status: 'not-tombstoned';
    });

/**
 * Requests a follow-up deletion of each owner, one after the other. Returns one entry per
 * owner, in order. Errors of the state table or the queue pass through (run it again: a
 * follow-up already running for an owner is returned, not started twice).
 */
export async function eraseFindings(
  context: EngineContext,
  owners: readonly FindingOwner[],
): Promise<FindingErasure[]> {
  const erasures: FindingErasure[] = [];
  for (const owner of owners) {
    const entity = getEntity(context.graph, owner.entity);
    const tombstone = await getTombstone(context.state, entity.name, owner.id);
    if (!tombstone) {
      erasures.push({ ...owner, status: 'not-tombstoned' });
      continue;
    }
    const requested = await requestFollowUp(
      context,
      entity,
      owner.id,
      tombstone,
      VERIFY_FOLLOW_UP_REQUESTER,
    );
    erasures.push({
      ...owner,
      status: 'requested',
      jobId: requested.jobId,
      created: requested.created,
    });
  }
  return erasures;
}
