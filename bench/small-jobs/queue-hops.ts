// Sequential queue hops on a job's critical path, read from its unit items after the job has
// completed. The job's root units are sent by ingest after its transaction; every other unit
// either by the outbox after the commit of the unit that spawned it (`spawned` on the settled
// unit), or not at all: the worker ran it itself right after that commit (`ranInline`), which
// is no queue round trip. The job completes inside the settle of its last unit, so the queue
// messages on the chain of units from a root to the unit that settled last are the queue round
// trips a job waits through, one after the other.

/** What of a unit item the hop count reads (lib/model/units.ts `Unit`). */
export interface UnitTrace {
  readonly unitId: string;
  readonly plannedAt: string;
  readonly settledAt?: string | undefined;
  /** Unit ids this unit spawned when it settled. */
  readonly spawned?: readonly string[] | undefined;
  /** True when the worker ran it right after the commit that planned it: no queue message. */
  readonly ranInline?: boolean | undefined;
}

/** One job's queue hops. */
export interface JobHops {
  /** Queue messages on the chain from a root unit to the unit that settled last. */
  readonly critical: number;
  /** The most queue messages on any chain of spawned units in the job, whichever settled last. */
  readonly longest: number;
  readonly units: number;
}

/**
 * Counts the hops of one job from all its units. The unit that settled last completed the job;
 * of units settled in the same millisecond the deepest counts (the conservative choice). A
 * unit no other unit spawned is a root (depth 1); every unit below adds 1 unless it ran
 * inline. Throws `RangeError` when a unit is not settled (the job has not completed) or there
 * are no units.
 */
export function queueHops(units: readonly UnitTrace[]): JobHops {
  if (units.length === 0) throw new RangeError('a job without units has no hops to count');
  const inline = new Set(units.filter((u) => u.ranInline).map((u) => u.unitId));
  const parentOf = new Map<string, string>();
  for (const unit of units) {
    for (const child of unit.spawned ?? []) parentOf.set(child, unit.unitId);
  }
  const depths = new Map<string, number>();
  const depthOf = (unitId: string): number => {
    const known = depths.get(unitId);
    if (known !== undefined) return known;
    // Walk up iteratively: chains can be long (pages of a big prefix), recursion need not be.
    const chain: string[] = [];
    const seen = new Set<string>();
    let current: string | undefined = unitId;
    let base = 0;
    while (current !== undefined) {
      const cached = depths.get(current);
      if (cached !== undefined) {
        base = cached;
        break;
      }
      if (seen.has(current))
        throw new RangeError(`units spawn each other in a cycle at ${current}`);
      seen.add(current);
      chain.push(current);
      current = parentOf.get(current);
    }
    for (let i = chain.length - 1; i >= 0; i--) {
      const id = chain[i] as string;
      base += inline.has(id) ? 0 : 1;
      depths.set(id, base);
    }
    return depths.get(unitId) as number;
  };

  let last: { settledAt: string; depth: number } | undefined;
  let longest = 0;
  for (const unit of units) {
    if (unit.settledAt === undefined) {
      throw new RangeError(`unit ${unit.unitId} is not settled: the job has not completed`);
    }
    const depth = depthOf(unit.unitId);
    longest = Math.max(longest, depth);
    if (
      last === undefined ||
      unit.settledAt > last.settledAt ||
      (unit.settledAt === last.settledAt && depth > last.depth)
    ) {
      last = { settledAt: unit.settledAt, depth };
    }
  }
  return { critical: last?.depth ?? 0, longest, units: units.length };
}
