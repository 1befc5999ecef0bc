// The order of a restore: its steps and the units of each. Objects come back first, then rows
// by the depth of their entity (parents before children), each depth's set-null pointers after
// its rows; one step per rank the log holds. A step's units are its entries not restored yet
// and inside their window, the markers entries one deletion unit left as one unit (its runs
// may have marked the same keys). And the lift: the job's tombstones, before anything.
import { LetheError } from '../errors.js';
import { getEntity } from '../graph/graph-queries.js';
import type { Graph } from '../graph/graph-types.js';
import type { Job } from '../model/jobs.js';
import type { RestoreLogEntry } from '../model/restore-log.js';
import { stateKeys } from '../model/state-keys.js';
import type { Item, Key } from '../ports/document-store.js';
import { mapConcurrent } from '../retry.js';
import type { EngineContext } from './engine-context.js';

/** The latest expiry of the job's log, or the pipeline's window after the job when none. */
export function windowEnd(
  context: EngineContext,
  job: Job,
  entries: readonly RestoreLogEntry[],
): Date {
  const since = Date.parse(job.completedAt ?? job.updatedAt);
  const pipeline = since + context.settings.restoreWindowDays * 86_400_000;
  const logged = Math.max(0, ...entries.map((e) => e.expiresAt * 1000));
  return new Date(entries.length > 0 ? logged : pipeline);
}

/** Depth of each entity below the roots: parents restore before children. */
export function entityDepths(graph: Graph): Map<string, number> {
  const depths = new Map<string, number>();
  const depthOf = (name: string, seen: Set<string>): number => {
    const known = depths.get(name);
    if (known !== undefined) return known;
    if (seen.has(name)) return 0;
    seen.add(name);
    const entity = getEntity(graph, name);
    const depth = Math.max(0, ...entity.parents.map((r) => depthOf(r.parent, seen) + 1));
    depths.set(name, depth);
    return depth;
  };
  for (const name of Object.keys(graph.entities)) depthOf(name, new Set());
  return depths;
}

/** Objects first (rows that locate them must not point at nothing), then rows by depth. */
export function rank(entry: RestoreLogEntry, depths: ReadonlyMap<string, number>): number {
  if (entry.kind === 'markers') return -1;
  // A pointer comes back after the row it points at (a shallower entity).
  return (depths.get(entry.entity) ?? 0) * 2 + (entry.kind === 'nulled' ? 1 : 0);
}

/**
 * Deletes the job's tombstone lookups (the items writers' checks read), each only while it
 * is still this job's: an id deleted again by a later job keeps that job's tombstone.
 */
export async function liftTombstones(context: EngineContext, jobId: string): Promise<number> {
  const { state } = context;
  const ids: { entity: string; id: string }[] = [];
  let startKey: Key | undefined;
  do {
    const page = await state.docs.query({
      table: state.table,
      keyCondition: {
        expression: 'pk = :pk AND begins_with(sk, :unit)',
        values: { ':pk': stateKeys.jobPartition(jobId), ':unit': 'UNIT#' },
      },
      startKey,
      consistent: true,
    });
    for (const unit of page.items) {
      if (unit.kind !== 'cascade' || typeof unit.body !== 'string') continue;
      const message = JSON.parse(unit.body) as { entity?: unknown; id?: unknown };
      if (typeof message.entity === 'string' && typeof message.id === 'string')
        ids.push({ entity: message.entity, id: message.id });
    }
    startKey = page.lastKey;
  } while (startKey);
  const lifted = await mapConcurrent(ids, 8, async ({ entity, id }) => {
    try {
      await state.docs.delete(state.table, stateKeys.tombstoneLookup(entity, id), {
        expression: 'jobId = :job',
        values: { ':job': jobId },
      });
      return true;
    } catch (error) {
      if (error instanceof LetheError && error.code === 'CONDITION_FAILED') return false;
      throw error;
    }
  });
  return lifted.filter(Boolean).length;
}

/** The ranks of a log's entries, ascending: the restore's steps after the lift. */
export function stepRanks(graph: Graph, entries: readonly RestoreLogEntry[]): number[] {
  const depths = entityDepths(graph);
  return [...new Set(entries.map((e) => rank(e, depths)))].sort((a, b) => a - b);
}

/** One unit of a step: a log entry, or the markers entries of one deletion unit (first named). */
export interface RestoreUnit {
  /** The sort key naming the unit in its message (a markers group: its first entry's). */
  readonly sk: string;
  readonly entries: readonly { entry: RestoreLogEntry; item: Item }[];
}

/**
 * The units of the step of rank `stepRank`: entries of that rank not restored yet and not
 * past their window at `nowSeconds` (the restore's start: the same units on every call),
 * markers grouped by the deletion unit that left them.
 */
export function unitsOfStep(
  graph: Graph,
  log: readonly { entry: RestoreLogEntry; item: Item }[],
  stepRank: number,
  nowSeconds: number,
): RestoreUnit[] {
  const depths = entityDepths(graph);
  const units = new Map<string, { entry: RestoreLogEntry; item: Item }[]>();
  for (const logged of log) {
    const { entry } = logged;
    if (entry.outcome || entry.restoredAt !== undefined) continue;
    if (entry.expiresAt < nowSeconds || rank(entry, depths) !== stepRank) continue;
    const name = entry.kind === 'markers' ? `M|${entry.unitId}` : `E|${entry.sk}`;
    units.set(name, [...(units.get(name) ?? []), logged]);
  }
  return [...units.values()].map((entries) => {
    const sorted = [...entries].sort((a, b) => (a.entry.sk < b.entry.sk ? -1 : 1));
    return { sk: sorted[0]?.entry.sk ?? '', entries: sorted };
  });
}
