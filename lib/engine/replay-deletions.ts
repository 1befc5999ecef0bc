// Replay after a backup restore: a table restored from a backup (or point-in-time recovery)
// brings back rows lethe erased after the backup's time. The tombstones written since then
// say which deletions those were; each is requested again, in sequence order, as a new job
// linked to the original (`replayOf`) that reuses the original's tombstone (deleted stays
// deleted: writes of the id are refused throughout). Replaying twice with the same `since`
// starts nothing new: the original keeps a marker per replay.
import { randomUUID } from 'node:crypto';
import { TransactionCancelledError } from '../errors.js';
import { getEntity } from '../graph/graph-queries.js';
import { getJob, newJobItem } from '../model/jobs.js';
import { JOB_SCOPE } from '../model/scopes.js';
import { stateKeys } from '../model/state-keys.js';
import { type PlannedUnit, putPlannedUnit } from '../model/units.js';
import type { Item, Key, TransactItem } from '../ports/document-store.js';
import { deadlineDaysOf } from './deadline-of.js';
import type { EngineContext } from './engine-context.js';
import { sendPlanned } from './handle-work-message.js';
import type { DeletionRequested } from './request-deletion.js';
import { type CascadeMessage, encodeWorkMessage, unitIdOf } from './work-message.js';

/** Who asks for a replayed deletion (the job's `requester`). */
export const REPLAY_REQUESTER = 'replay';

/**
 * Clocks of the writers that allocate one shard's sequence may disagree a little: a shard is
 * read back this far before `since`, so a tombstone written out of clock order is not missed.
 */
const CLOCK_SKEW_MS = 5 * 60_000;

/** One deletion to replay: the root of the job that wrote a tombstone newer than `since`. */
export interface ReplayCandidate {
  readonly entity: string;
  readonly id: string;
  /** The job whose deletion is replayed (the tombstone's job). */
  readonly jobId: string;
  /** The first tombstone newer than `since` that names the job: its place in the order. */
  readonly shard: number;
  readonly seq: number;
  readonly deletedAt: string;
}

/** Tombstones of one shard newer than `since`, in sequence order, a page at a time. */
async function* shardTombstonesSince(
  context: EngineContext,
  shard: number,
  since: Date,
): AsyncGenerator<Item> {
  const { state } = context;
  const pk = stateKeys.tombstonePartition(shard);
  const floor = new Date(since.getTime() - CLOCK_SKEW_MS).toISOString();
  // Walk back from the newest to the first tombstone older than the floor: there replay starts.
  let after: string | undefined;
  let startKey: Key | undefined;
  search: do {
    const page = await state.docs.query({
      table: state.table,
      keyCondition: { expression: 'pk = :pk', values: { ':pk': pk } },
      descending: true,
      limit: 200,
      startKey,
    });
    for (const item of page.items) {
      if (String(item.deletedAt) < floor) {
        after = String(item.sk);
        break search;
      }
    }
    startKey = page.lastKey;
  } while (startKey);
  const sinceIso = since.toISOString();
  startKey = undefined;
  do {
    const page = await state.docs.query({
      table: state.table,
      keyCondition:
        after === undefined
          ? { expression: 'pk = :pk', values: { ':pk': pk } }
          : { expression: 'pk = :pk AND sk > :after', values: { ':pk': pk, ':after': after } },
      filter: { expression: 'deletedAt > :since', values: { ':since': sinceIso } },
      limit: 200,
      startKey,
    });
    yield* page.items;
    startKey = page.lastKey;
  } while (startKey);
}

/**
 * The deletions to replay, oldest tombstone first (shards merged by time, each in sequence
 * order): one per job, named by its root. A cascaded child's tombstone newer than `since` stands
 * for its job's root, so a deletion that was running at the backup's time is replayed whole.
 */
export async function* replayCandidates(
  context: EngineContext,
  since: Date,
): AsyncGenerator<ReplayCandidate> {
  const streams = Array.from({ length: context.settings.shards }, (_, shard) =>
    shardTombstonesSince(context, shard, since),
  );
  const heads = await Promise.all(streams.map((s) => s.next()));
  const orderOf = (item: Item) =>
    `${String(item.deletedAt)}#${String(item.shard).padStart(4, '0')}#${String(item.sk)}`;
  // Memory grows with the jobs replayed, not with their tombstones.
  const seenJobs = new Set<string>();
  for (;;) {
    let pick = -1;
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i];
      if (head === undefined || head.done) continue;
      const best = pick >= 0 ? heads[pick] : undefined;
      if (best === undefined || best.done || orderOf(head.value) < orderOf(best.value)) pick = i;
    }
    const chosen = heads[pick];
    const stream = streams[pick];
    if (chosen === undefined || chosen.done || stream === undefined) return;
    heads[pick] = await stream.next();
    const tombstone = chosen.value;
    const jobId = String(tombstone.jobId);
    if (seenJobs.has(jobId)) continue;
    seenJobs.add(jobId);
    const root = tombstone.root === true ? undefined : await getJob(context.state, jobId);
    yield {
      entity: root?.entity ?? String(tombstone.entity),
      id: root?.id ?? String(tombstone.id),
      jobId,
      shard: Number(tombstone.shard),
      seq: Number(tombstone.seq),
      deletedAt: String(tombstone.deletedAt),
    };
  }
}

/**
 * Requests a replay of one deletion: a new job for the same entity and id, linked to the
 * original (`replayOf`), reusing the id's tombstone. Returns the job a replay with the same
 * `since` already started instead (`created: false`).
 */
export async function requestReplay(
  context: EngineContext,
  candidate: ReplayCandidate,
  since: Date,
): Promise<DeletionRequested> {
  const { state } = context;
  const entity = getEntity(context.graph, candidate.entity);
  const lookup = await state.docs.get(
    state.table,
    stateKeys.tombstoneLookup(entity.name, candidate.id),
  );
  // The tombstone of a root always names it; a collected one means its retention ran out.
  const shard = lookup ? Number(lookup.shard) : candidate.shard;
  const seq = lookup ? Number(lookup.seq) : candidate.seq;
  const marker = {
    pk: stateKeys.jobPartition(candidate.jobId),
    sk: `REPLAY#${since.toISOString()}`,
  };
  const existing = await state.docs.get(state.table, marker, true);
  if (typeof existing?.replayJobId === 'string')
    return { jobId: existing.replayJobId, created: false, shard, seq };
  const jobId = randomUUID();
  const message: CascadeMessage = {
    v: 1,
    jobId,
    type: 'cascade',
    entity: entity.name,
    id: candidate.id,
  };
  const root: PlannedUnit = {
    unitId: unitIdOf(message),
    message,
    body: encodeWorkMessage(message),
    scope: JOB_SCOPE,
  };
  const items: TransactItem[] = [
    {
      kind: 'put',
      table: state.table,
      item: newJobItem(
        {
          jobId,
          entity: entity.name,
          id: candidate.id,
          shard,
          seq,
          requester: REPLAY_REQUESTER,
          requestId: `replay:${candidate.jobId}:${since.toISOString()}`,
          replayOf: candidate.jobId,
          deadlineDays: deadlineDaysOf(entity, context.settings),
          planned: 1,
        },
        state.now(),
      ),
      condition: { expression: 'attribute_not_exists(pk)' },
    },
    putPlannedUnit(state, jobId, root),
    {
      kind: 'put',
      table: state.table,
      item: {
        ...marker,
        type: 'replay',
        replayJobId: jobId,
        since: since.toISOString(),
        createdAt: state.now().toISOString(),
      },
      condition: { expression: 'attribute_not_exists(pk)' },
    },
  ];
  try {
    await context.docs.transact(items);
  } catch (error) {
    if (!(error instanceof TransactionCancelledError)) throw error;
    // A concurrent replay with the same `since` won: report its job.
    const winner = await state.docs.get(state.table, marker, true);
    if (typeof winner?.replayJobId === 'string')
      return { jobId: winner.replayJobId, created: false, shard, seq };
    throw error;
  }
  await sendPlanned(context, [root]);
  return { jobId, created: true, shard, seq };
}
