// Watermarks: per sweeper and shard, the last tombstone sequence whose whole range
// (low, up] was dispatched. Advanced only by compare-and-set, so two sweepers never skip.
//
// Item  WATERMARK#<sweeper> / SHARD#<n>   { seq, updatedAt }
import type { StateContext } from './state-context.js';
import { stateKeys } from './state-keys.js';
import { updateIf } from './update-if.js';

export async function getWatermark(
  state: StateContext,
  sweeper: string,
  shard: number,
): Promise<number> {
  const item = await state.docs.get(state.table, stateKeys.watermark(sweeper, shard));
  return typeof item?.seq === 'number' ? item.seq : 0;
}

/** Moves the watermark from `from` to `to`; false when another sweeper moved it first. */
export async function advanceWatermark(
  state: StateContext,
  sweeper: string,
  shard: number,
  from: number,
  to: number,
): Promise<boolean> {
  return updateIf(state.docs, {
    table: state.table,
    key: stateKeys.watermark(sweeper, shard),
    update: {
      expression: 'SET seq = :to, updatedAt = :now',
      values: { ':to': to, ':now': state.now().toISOString() },
    },
    condition:
      from === 0
        ? { expression: 'attribute_not_exists(seq) OR seq = :from', values: { ':from': from } }
        : { expression: 'seq = :from', values: { ':from': from } },
  });
}
