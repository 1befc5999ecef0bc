// How deletion events arrive in the small-jobs suite: all at once (a burst: every event is
// there at the start, work is limited only by concurrency) or at a steady rate (event i
// arrives i / rate seconds after the start). A job's latency is measured from its arrival,
// so time spent waiting for a free slot counts, as it would for an event waiting on Lambda.
import { setTimeout as sleep } from 'node:timers/promises';
import { createTaskPool } from '../task-pool.js';

export type Arrival =
  | { readonly mode: 'burst' }
  | {
      readonly mode: 'steady';
      /** Events per second, > 0. */
      readonly perSecond: number;
    };

/** When event `index` arrives, in ms after the start. */
export function arrivalOffsetMs(arrival: Arrival, index: number): number {
  return arrival.mode === 'burst' ? 0 : (index * 1000) / arrival.perSecond;
}

/**
 * Hands each item to `handle` at its arrival time with at most `concurrency` handled at once,
 * and resolves when every `handle` has. `handle` gets the arrival time (`performance.now()`
 * scale): an item that waits for a slot keeps its arrival time. After a `handle` fails no
 * further item is handed out, and the promise rejects with that error. Throws `RangeError` on
 * a steady rate ≤ 0.
 */
export async function driveArrivals<T>(
  items: readonly T[],
  arrival: Arrival,
  concurrency: number,
  handle: (item: T, arrivedAt: number) => Promise<void>,
): Promise<void> {
  if (arrival.mode === 'steady' && !(arrival.perSecond > 0)) {
    throw new RangeError(`a steady rate must be > 0 events/s, got ${arrival.perSecond}`);
  }
  const pool = createTaskPool(concurrency);
  const started = performance.now();
  for (const [index, item] of items.entries()) {
    const arrivedAt = started + arrivalOffsetMs(arrival, index);
    const wait = arrivedAt - performance.now();
    if (wait > 0) await sleep(wait);
    await pool.submit(() => handle(item, arrivedAt));
  }
  await pool.drain();
}
