// Tombstones: the durable record that an entity was deleted. Writing one takes the next
// sequence number of its shard from an atomic counter (one UpdateItem ADD, which never
// conflicts, however many deletions arrive at once), then commits the tombstone and its
// lookup item, each put only where nothing stands yet. A number whose writer gave it up (it
// lost the race for the entity, or its transaction failed) is voided by that writer; one
// whose writer died is voided by the sweeper after `tombstoneGapGraceSeconds`. A void is a
// conditional put too, so a late writer that finds its number voided takes another: every
// number ends as a tombstone or a void, and the watermark never passes a tombstone.
//
// The counter used to be advanced by compare-and-set in the tombstone's transaction. That
// kept the sequence gap-free without voids, but every concurrent deletion in a shard fought
// for one item: 1,000 deletions at once took minutes and some ingests gave up.
//
// Items:
//   SHARD#<n> / COUNTER            { seq, allocatedAt }          last sequence allocated, when
//   TOMB#<n>  / SEQ#<seq, 12 digits> { entity, id, shard, seq, jobId, deletedAt, requester?,
//                                    tenantId?, requestId?, root }   walked by the sweeper
//                                  or { type: 'tombstone-void', shard, seq, voidedAt, reason,
//                                    expiresAt }                   a number nobody will write
//   DELETED#<entity>#<id> / TOMBSTONE { entity, id, shard, seq, jobId, deletedAt, expiresAt? }
//                                    what guardedPut checks; expires only after GC
import { TransactionCancelledError } from '../errors.js';
import type { Item, TransactItem } from '../ports/document-store.js';
import { backoffDelay, sleep } from '../retry.js';
import { shardOf } from './shard-of.js';
import type { StateContext } from './state-context.js';
import { stateKeys, TTL_ATTRIBUTE } from './state-keys.js';
import { putIf } from './update-if.js';

export interface TombstoneInput {
  readonly entity: string;
  readonly id: string;
  readonly jobId: string;
  readonly shards: number;
  readonly root: boolean;
  readonly requester?: string | undefined;
  readonly tenantId?: string | undefined;
  readonly requestId?: string | undefined;
  /**
   * True when the caller expects no tombstone to stand (a root request: nearly every one is
   * new): the first attempt commits without reading the lookup first, and one that stands
   * is found when that transaction fails, at the cost of a voided number. Default false: read
   * first (a cascade reaching children that other jobs may own).
   */
  readonly expectNew?: boolean | undefined;
  /** Further writes that must commit with the tombstone (the job, its first unit). */
  readonly alsoWrite?: (tombstone: { shard: number; seq: number }) => readonly TransactItem[];
}

export interface TombstoneLookup {
  readonly entity: string;
  readonly id: string;
  readonly shard: number;
  readonly seq: number;
  readonly jobId: string;
  readonly deletedAt: string;
}

export type TombstoneResult =
  | { readonly created: true; readonly shard: number; readonly seq: number }
  | { readonly created: false; readonly existing: TombstoneLookup };

/** Attempts before giving up: each one fails only when its transaction is cancelled. */
const MAX_ATTEMPTS = 20;

/**
 * Days a void is kept (by TTL). Any length is safe: a void only has to outlive its writer (a
 * Lambda runs 15 minutes at most); if one expires before a sweeper's watermark has passed it,
 * that sweeper voids the number again. 35, as `tombstoneRetentionDays` by default.
 */
const VOID_RETENTION_DAYS = 35;

/** Item type of a voided sequence number. */
export const VOID_TOMBSTONE_TYPE = 'tombstone-void';

/** A shard's sequence counter: the last number allocated and when (ISO 8601); 0 and none before the first. */
export interface ShardCounter {
  readonly seq: number;
  readonly allocatedAt: string | undefined;
}

export async function getTombstone(
  state: StateContext,
  entity: string,
  id: string,
): Promise<TombstoneLookup | undefined> {
  const item = await state.docs.get(state.table, stateKeys.tombstoneLookup(entity, id));
  return item ? (item as unknown as TombstoneLookup) : undefined;
}

/** Reads a shard's sequence counter (strongly consistent). */
export async function getShardCounter(state: StateContext, shard: number): Promise<ShardCounter> {
  const item = await state.docs.get(state.table, stateKeys.shardCounter(shard), true);
  return {
    seq: typeof item?.seq === 'number' ? item.seq : 0,
    allocatedAt: typeof item?.allocatedAt === 'string' ? item.allocatedAt : undefined,
  };
}

/** Takes the next sequence number of `shard`: one atomic ADD, which never conflicts. */
async function allocateSequence(state: StateContext, shard: number): Promise<number> {
  const counter = await state.docs.update({
    table: state.table,
    key: stateKeys.shardCounter(shard),
    update: {
      expression: 'SET allocatedAt = :now ADD seq :one',
      values: { ':now': state.now().toISOString(), ':one': 1 },
    },
  });
  return Number(counter.seq);
}

/**
 * Voids sequence number `seq` of `shard`: puts a `tombstone-void` item where its tombstone
 * would stand, only if none stands there. Returns true when voided, false when a tombstone (or
 * a void) was there first. A writer that later tries to commit a tombstone at `seq` fails its
 * condition and takes another number. The void expires after 35 days (by TTL).
 */
export async function voidSequence(
  state: StateContext,
  shard: number,
  seq: number,
  reason: string,
): Promise<boolean> {
  const now = state.now();
  return putIf(
    state.docs,
    state.table,
    {
      ...stateKeys.tombstone(shard, seq),
      type: VOID_TOMBSTONE_TYPE,
      shard,
      seq,
      voidedAt: now.toISOString(),
      reason,
      [TTL_ATTRIBUTE]: Math.floor(now.getTime() / 1000) + VOID_RETENTION_DAYS * 86_400,
    },
    { expression: 'attribute_not_exists(pk)' },
  );
}

/** How long a writer waits before its next attempt, by attempt (0-based), in ms. */
const retryDelay = (attempt: number) =>
  backoffDelay(Math.min(attempt, 6), { baseMs: 5, maxMs: 200 });

/**
 * Writes the tombstone of `input.entity`/`input.id` (with `input.alsoWrite` in the same
 * transaction), or returns the one that already stands. A number this call took and could
 * not use is voided before it returns or tries again.
 *
 * @throws TransactionCancelledError after {@link MAX_ATTEMPTS} cancelled transactions.
 */
export async function writeTombstone(
  state: StateContext,
  input: TombstoneInput,
): Promise<TombstoneResult> {
  const shard = shardOf(input.entity, input.id, input.shards);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (attempt > 0 || input.expectNew !== true) {
      const existing = await getTombstone(state, input.entity, input.id);
      if (existing) return { created: false, existing };
    }

    const seq = await allocateSequence(state, shard);
    const deletedAt = state.now().toISOString();
    const tombstone: Item = {
      ...stateKeys.tombstone(shard, seq),
      type: 'tombstone',
      entity: input.entity,
      id: input.id,
      shard,
      seq,
      jobId: input.jobId,
      deletedAt,
      root: input.root,
      requester: input.requester,
      tenantId: input.tenantId,
      requestId: input.requestId,
    };
    const lookup: Item = {
      ...stateKeys.tombstoneLookup(input.entity, input.id),
      type: 'tombstone-lookup',
      entity: input.entity,
      id: input.id,
      shard,
      seq,
      jobId: input.jobId,
      deletedAt,
    };
    try {
      await state.docs.transact([
        {
          kind: 'put',
          table: state.table,
          item: tombstone,
          condition: { expression: 'attribute_not_exists(pk)' },
        },
        {
          kind: 'put',
          table: state.table,
          item: lookup,
          condition: { expression: 'attribute_not_exists(pk)' },
        },
        ...(input.alsoWrite?.({ shard, seq }) ?? []),
      ]);
      return { created: true, shard, seq };
    } catch (error) {
      // DynamoDB Local answers heavy contention with lock time-outs (HTTP 500): same as a lost race.
      const lockTimeout = error instanceof Error && error.name === 'InternalServerError';
      if (!(error instanceof TransactionCancelledError) && !lockTimeout) throw error;
      // Lost the race for the entity (or the sweeper voided the number first): give the number
      // up so the watermark can pass it, then read again.
      const voided = await voidSequence(
        state,
        shard,
        seq,
        `its writer's transaction was cancelled (${input.entity} ${input.id})`,
      );
      if (!voided) {
        // Something stands at `seq`: a void the sweeper wrote, or, after a lock time-out that
        // committed after all, this very tombstone.
        const standing = await state.docs.get(state.table, stateKeys.tombstone(shard, seq), true);
        if (standing?.type === 'tombstone' && standing.jobId === input.jobId)
          return { created: true, shard, seq };
      }
      await sleep(retryDelay(attempt));
    }
  }
  throw new TransactionCancelledError(['TooManyConflicts']);
}
