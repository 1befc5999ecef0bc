// What one queue message's chain knows of the state items it wrote itself, so that the units
// it runs inline (inline-budget.ts) need not read them back: each unit as the commit that
// planned it wrote it, and each scope as this chain's last commit on it left it. Only what
// a transaction of this chain committed goes in, so an entry is the item as it stood at that
// commit. Another writer may move a scope since: every use is a compare-and-set that fails
// then, and the caller reads the item and tries again, as it would after any stale read.
// Two uses are exact and need no condition: a unit this chain planned and has not run yet
// (only its own run or a re-sent twin moves it, and its settle is conditional anyway), and a
// scope this chain finalized (a finalized scope never changes again).
import type { Scope } from '../model/scopes.js';
import type { Unit } from '../model/units.js';

/** The chain's record of items it wrote; see the file comment. Mutable, one per queue message. */
export interface ChainLedger {
  /** Units this chain planned and has not run yet, by unit id. */
  readonly units: Map<string, Unit>;
  /** Scopes as this chain's last commit on each left them, by scope id. */
  readonly scopes: Map<string, Scope>;
}

/** An empty ledger, for a message taken from the queue. */
export function newChainLedger(): ChainLedger {
  return { units: new Map(), scopes: new Map() };
}

/**
 * Takes the unit this chain planned as `unitId` (it is forgotten: a unit runs inline once).
 * Undefined when the chain did not plan it.
 */
export function takePlannedUnit(ledger: ChainLedger | undefined, unitId: string): Unit | undefined {
  const unit = ledger?.units.get(unitId);
  ledger?.units.delete(unitId);
  return unit;
}

/** The scope `scopeId` when this chain finalized it (it cannot have changed since). */
export function finalizedScope(
  ledger: ChainLedger | undefined,
  scopeId: string,
): Scope | undefined {
  const scope = ledger?.scopes.get(scopeId);
  return scope?.finalized ? scope : undefined;
}
