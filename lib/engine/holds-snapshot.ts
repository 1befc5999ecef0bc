// The legal holds as one worker process last read them. A unit checks holds right before its
// first destructive step; in a busy worker dozens of units do so within a second, and each
// used to send its own consistent Query of the holds partition (five per small job). A read
// started less than `holdsMaxAgeMs` ago now serves them all, and units arriving while it is in
// flight wait for it rather than send their own.
//
// What that changes: a hold placed from elsewhere reaches units that check up to
// `holdsMaxAgeMs` after it was placed (default 1 s), where before it reached those that checked
// after it. Neither ever stopped a unit that had already checked: a page being erased finishes.
// A hold placed or lifted through this process's engine forgets the snapshot at once.
import { type Hold, listHolds } from '../model/holds.js';
import type { StateContext } from '../model/state-context.js';

export interface HoldsSnapshot {
  /** Every hold in place, as read by a consistent Query started at most `maxAgeMs` ago. */
  read(): Promise<Hold[]>;
  /** Drops the snapshot: the next `read` queries the table. */
  forget(): void;
}

/**
 * A snapshot of `listHolds(state)` that is read again once `maxAgeMs` (milliseconds, of this
 * process's monotonic clock, counted from when the Query was sent) have passed. `0` reads on
 * every call. A failed read is not kept: the next call tries again.
 */
export function createHoldsSnapshot(
  state: StateContext,
  maxAgeMs: number,
  clock: () => number = () => performance.now(),
): HoldsSnapshot {
  let current: { readonly sentAt: number; readonly holds: Promise<Hold[]> } | undefined;
  return {
    read() {
      const now = clock();
      if (current !== undefined && now - current.sentAt < maxAgeMs) return current.holds;
      const holds = listHolds(state);
      const taken = { sentAt: now, holds };
      current = taken;
      holds.catch(() => {
        if (current === taken) current = undefined;
      });
      return holds;
    },
    forget() {
      current = undefined;
    },
  };
}
