// What one sweep run carries from step to step: the engine, a metered view of the state
// store (every item read counts against the run's budget) and the clock of the run.
import type { DocumentStore } from '../../ports/document-store.js';
import type { EngineContext } from '../engine-context.js';

export interface SweepMeter {
  itemsRead: number;
  readonly budget: number;
}

export interface SweepContext {
  readonly engine: EngineContext;
  readonly meter: SweepMeter;
  readonly now: Date;
  readonly sweeper: string;
  /** When the pause flag was last cleared, if it ever was (ISO time). */
  readonly resumedAt?: string;
  /** Wall-clock time (ms since the epoch) after which the run starts no new work. */
  readonly deadline?: number;
  /** Messages and events of this run that the queue or the event bus refused. */
  readonly sends: { failed: number };
}

/** True while the run may start more work: items left to read, and time before its deadline. */
export function hasBudget(sweep: SweepContext): boolean {
  return (
    sweep.meter.itemsRead < sweep.meter.budget &&
    (sweep.deadline === undefined || Date.now() < sweep.deadline)
  );
}

/** A DocumentStore that counts what it reads, so a run's cost can be bounded and measured. */
export function meteredDocuments(docs: DocumentStore, meter: SweepMeter): DocumentStore {
  return {
    ...docs,
    async get(table, key, consistent) {
      const item = await docs.get(table, key, consistent);
      meter.itemsRead += 1;
      return item;
    },
    async query(spec) {
      const page = await docs.query(spec);
      meter.itemsRead += Math.max(1, page.items.length);
      return page;
    },
  };
}

export function secondsBetween(earlier: string, now: Date): number {
  return Math.max(0, Math.round((now.getTime() - Date.parse(earlier)) / 1000));
}

/**
 * Seconds something has waited since `earlier` while the pipeline ran: time spent paused does
 * not count, so what waited through a pause is not taken for lost or stalled on resume.
 */
export function idleSeconds(sweep: SweepContext, earlier: string): number {
  const from =
    sweep.resumedAt !== undefined && sweep.resumedAt > earlier ? sweep.resumedAt : earlier;
  return secondsBetween(from, sweep.now);
}
