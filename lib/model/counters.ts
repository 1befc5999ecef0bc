// Job counters, kept per relation and per kind so one stuck relation never hides the
// progress of the others. Stored as top-level numbers `c|<relation>|<kind>` on the job item
// and only ever changed by ADD inside the transaction that settles a unit: exactly once.

export const COUNTER_KINDS = [
  'rowsDeleted',
  'rowsNulled',
  'objectsDeleted',
  /** Deleted in a versioned bucket: hidden under a delete marker until the window ends. */
  'objectsHidden',
  'objectsShared',
  'objectsLeftToTtl',
  'objectsFailed',
  'manifestsUnreadable',
  'objectsUnlocated',
  'blocked',
  'failed',
  'held',
] as const;

export type CounterKind = (typeof COUNTER_KINDS)[number];

/** counts[relation][kind] */
export type Counts = Record<string, Partial<Record<CounterKind, number>>>;

export const COUNTER_PREFIX = 'c|';

export function counterAttribute(relation: string, kind: CounterKind): string {
  return `${COUNTER_PREFIX}${relation}|${kind}`;
}

export function addCount(counts: Counts, relation: string, kind: CounterKind, n: number): void {
  if (n === 0) return;
  const byKind = counts[relation] ?? {};
  byKind[kind] = (byKind[kind] ?? 0) + n;
  counts[relation] = byKind;
}

export function mergeCounts(target: Counts, source: Counts): Counts {
  for (const [relation, byKind] of Object.entries(source)) {
    for (const [kind, n] of Object.entries(byKind))
      addCount(target, relation, kind as CounterKind, n);
  }
  return target;
}

/** Reads counters back from a job item's `c|…` attributes. */
export function countsFromItem(item: Record<string, unknown>): Counts {
  const counts: Counts = {};
  for (const [attribute, value] of Object.entries(item)) {
    if (!attribute.startsWith(COUNTER_PREFIX) || typeof value !== 'number') continue;
    const rest = attribute.slice(COUNTER_PREFIX.length);
    const split = rest.lastIndexOf('|');
    const kind = rest.slice(split + 1) as CounterKind;
    if (!COUNTER_KINDS.includes(kind)) continue;
    addCount(counts, rest.slice(0, split), kind, value);
  }
  return counts;
}

export function totalOf(counts: Counts, kind: CounterKind): number {
  let total = 0;
  for (const byKind of Object.values(counts)) total += byKind[kind] ?? 0;
  return total;
}
