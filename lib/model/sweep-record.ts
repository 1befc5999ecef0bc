// The last sweeper run, as the status page and `lethe status` show it: one small item that
// each run overwrites, so "when did the sweeper last run, and how far behind was it" is one
// read instead of a metric lookup.
//
// Item  CONTROL / LAST_SWEEP   { at, sweeper, paused, lag, oldestPendingTombstoneAgeSeconds,
//                                more, itemsRead }
import type { StateContext } from './state-context.js';
import { stateKeys } from './state-keys.js';

/** What one sweeper run reported, as recorded at its end. */
export interface SweepRecord {
  /** When the run ended (ISO-8601). */
  readonly at: string;
  readonly sweeper: string;
  /** The run found the pipeline paused and did nothing. */
  readonly paused: boolean;
  /** Highest tombstone sequence minus watermark, summed over shards, at the run's end. */
  readonly lag: number;
  readonly oldestPendingTombstoneAgeSeconds: number;
  /** The run stopped at its budget: the next one continues. */
  readonly more: boolean;
  readonly itemsRead: number;
}

export async function recordSweep(state: StateContext, record: SweepRecord): Promise<void> {
  await state.docs.put(state.table, { ...stateKeys.lastSweep(), type: 'sweep-record', ...record });
}

/** The last recorded sweeper run; undefined when no sweeper has run on this state table. */
export async function readLastSweep(state: StateContext): Promise<SweepRecord | undefined> {
  const item = await state.docs.get(state.table, stateKeys.lastSweep());
  if (!item || typeof item.at !== 'string') return undefined;
  return {
    at: item.at,
    sweeper: String(item.sweeper ?? 'main'),
    paused: item.paused === true,
    lag: Number(item.lag ?? 0),
    oldestPendingTombstoneAgeSeconds: Number(item.oldestPendingTombstoneAgeSeconds ?? 0),
    more: item.more === true,
    itemsRead: Number(item.itemsRead ?? 0),
  };
}
