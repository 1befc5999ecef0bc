// Tombstones: the durable record that an entity was deleted. Writing one allocates the next
// sequence number of its shard by compare-and-set, in the same transaction as the tombstone
// and its lookup item, so each shard's sequence is gap-free and in commit order.
//
// Items:
//   SHARD#<n> / COUNTER            { seq }                       last sequence allocated
//   TOMB#<n>  / SEQ#<seq, 12 digits> { entity, id, shard, seq, jobId, deletedAt, requester?,
//                                    tenantId?, requestId?, root }   walked by the sweeper
//   DELETED#<entity>#<id> / TOMBSTONE { entity, id, shard, seq, jobId, deletedAt, expiresAt? }
//                                    what guardedPut checks; expires only after GC
import { TransactionCancelledError } from '../errors.js';
import type { Item, TransactItem } from '../ports/document-store.js';
import { backoffDelay, sleep } from '../retry.js';
import { shardOf } from './shard-of.js';
import type { StateContext } from './state-context.js';
import { stateKeys } from './state-keys.js';

export interface TombstoneInput {
  readonly entity: string;
  readonly id: string;
  readonly jobId: string;
  readonly shards: number;
  readonly root: boolean;
  readonly requester?: string | undefined;
  readonly tenantId?: string | undefined;
  readonly requestId?: string | undefined;
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

const MAX_ATTEMPTS = 200;

export async function getTombstone(
  state: StateContext,
  entity: string,
  id: string,
): Promise<TombstoneLookup | undefined> {
  const item = await state.docs.get(state.table, stateKeys.tombstoneLookup(entity, id));
  return item ? (item as unknown as TombstoneLookup) : undefined;
}

export async function writeTombstone(
  state: StateContext,
  input: TombstoneInput,
): Promise<TombstoneResult> {
  const shard = shardOf(input.entity, input.id, input.shards);
  const counterKey = stateKeys.shardCounter(shard);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const existing = await getTombstone(state, input.entity, input.id);
    if (existing) return { created: false, existing };

    const counter = await state.docs.get(state.table, counterKey);
    const current = typeof counter?.seq === 'number' ? counter.seq : 0;
    const seq = current + 1;
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
          kind: 'update',
          table: state.table,
          key: counterKey,
          update: { expression: 'SET seq = :next', values: { ':next': seq } },
          condition:
            current === 0
              ? { expression: 'attribute_not_exists(seq)' }
              : { expression: 'seq = :current', values: { ':current': current } },
        },
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
      // Lost the race for this sequence number, or for the entity itself: read again.
      await sleep(backoffDelay(Math.min(attempt, 6), { baseMs: 5, maxMs: 200 }));
    }
  }
  throw new TransactionCancelledError(['TooManyConflicts']);
}
