// One job as a tree for the status page: the root entity, then each relation of the graph
// under the entity it hangs from, with its units (planned, settled, waiting, failed) beside
// the job's per-relation counters; the units that wait and why; the failures and their
// reasons; timings and the rate of the last minute. Units are read from the job's own
// partition (a Query, paged) and aggregated here, so the page gets one row per relation
// however many thousands of units the job has; past `maxUnits` the unit figures are a
// sample (`truncated`), while the job's own counters stay exact.
import type { Graph } from '../graph/graph-types.js';
import type { Counts } from '../model/counters.js';
import { type Job, jobFromItem } from '../model/jobs.js';
import { getRestoreRecord } from '../model/restores.js';
import type { StateContext } from '../model/state-context.js';
import { stateKeys } from '../model/state-keys.js';
import type { Item, Key } from '../ports/document-store.js';
import { rootLabel } from './execute-finalize.js';
import { labelOf } from './handle-work-message.js';
import { progressOf } from './restore-deletion.js';
import { parseWorkMessage } from './work-message.js';

/** Units of one relation, by where they are. */
export interface UnitTally {
  planned: number;
  settled: number;
  done: number;
  failed: number;
  waiting: number;
}

export interface RelationNode {
  /** Counter label: a relation's name, or `root.<entity>` for the root's own rows and objects. */
  readonly label: string;
  /** The entity whose rows this relation reaches (the root's entity for the root). */
  readonly entity: string;
  /** Label of the node above, undefined for the root. */
  readonly parent?: string | undefined;
  readonly onDelete?: string | undefined;
  /** How deep in the tree (root 0). */
  readonly depth: number;
  readonly units: UnitTally;
  readonly counts: Counts[string];
}

export interface WaitingUnit {
  readonly unitId: string;
  readonly label: string;
  readonly reason: string;
  readonly held: boolean;
  readonly waitingSince?: string | undefined;
  readonly nextCheckAt?: string | undefined;
}

export interface FailedUnit {
  readonly unitId: string;
  readonly label: string;
  readonly error: string;
  readonly settledAt?: string | undefined;
  /** Per-key failures kept with the unit (first 100), as written. */
  readonly failures?: readonly unknown[] | undefined;
}

/**
 * Job record fields that other features add (receipts, verification, deadlines, restore):
 * shown where present, never required — records written before them lack them.
 */
const OPTIONAL_JOB_FIELDS = ['receipt', 'verification', 'deadlineAt', 'deadline', 'restore'];

export interface JobTree {
  readonly job: Job;
  /** The optional fields of the job record that are present, as stored. */
  readonly extras: Readonly<Record<string, unknown>>;
  readonly relations: readonly RelationNode[];
  /** Units waiting on a guard or a hold (the first `maxListed`). */
  readonly waiting: readonly WaitingUnit[];
  /** Failed units with their reasons (the first `maxListed`). */
  readonly failures: readonly FailedUnit[];
  readonly unitsRead: number;
  /** More units exist than were read: the unit tallies are a sample. */
  readonly truncated: boolean;
  readonly timings: {
    readonly createdAt: string;
    readonly updatedAt: string;
    readonly completedAt?: string | undefined;
    /** Until completion, or until now while running. */
    readonly elapsedMs: number;
  };
  /** Units settled during the last minute (from their settle times). */
  readonly lastMinute: { readonly unitsSettled: number; readonly unitsPerSecond: number };
}

export interface JobTreeOptions {
  /** Stop reading units after this many (default 5,000). */
  readonly maxUnits?: number;
  /** Waiting and failed units listed (default 50 each). */
  readonly maxListed?: number;
}

function emptyTally(): UnitTally {
  return { planned: 0, settled: 0, done: 0, failed: 0, waiting: 0 };
}

function labelOfUnit(item: Item): string {
  try {
    return labelOf(parseWorkMessage(String(item.body)));
  } catch {
    return 'unknown';
  }
}

/** The graph's relations under `entity`, depth first, each once (a graph may share children). */
function treeOf(graph: Graph, entity: string) {
  const nodes: {
    label: string;
    entity: string;
    parent?: string;
    onDelete?: string;
    depth: number;
  }[] = [{ label: rootLabel(entity), entity, depth: 0 }];
  const seen = new Set<string>();
  const walk = (parentEntity: string, parentLabel: string, depth: number) => {
    for (const relation of graph.relations.filter((r) => r.parent === parentEntity)) {
      if (seen.has(relation.name)) continue;
      seen.add(relation.name);
      nodes.push({
        label: relation.name,
        entity: relation.child,
        parent: parentLabel,
        onDelete: relation.onDelete,
        depth,
      });
      walk(relation.child, relation.name, depth + 1);
    }
  };
  walk(entity, rootLabel(entity), 1);
  return nodes;
}

/** The job as a tree; undefined when there is no such job. */
export async function readJobTree(
  state: StateContext,
  graph: Graph,
  jobId: string,
  options: JobTreeOptions = {},
): Promise<JobTree | undefined> {
  const item = await state.docs.get(state.table, stateKeys.job(jobId));
  if (!item) return undefined;
  const job = jobFromItem(item);
  const extras: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(item)) {
    if (OPTIONAL_JOB_FIELDS.includes(field) || field.startsWith('restore')) extras[field] = value;
  }
  // A restore of the job, running or finished: step i of n, units left, totals so far.
  const restore = await getRestoreRecord(state, jobId);
  if (restore) extras.restore = progressOf(restore);
  const maxUnits = options.maxUnits ?? 5000;
  const maxListed = options.maxListed ?? 50;
  const now = state.now();
  const minuteAgo = new Date(now.getTime() - 60_000).toISOString();

  const tallies = new Map<string, UnitTally>();
  const waiting: WaitingUnit[] = [];
  const failures: FailedUnit[] = [];
  let unitsRead = 0;
  let settledLastMinute = 0;
  let startKey: Key | undefined;
  do {
    const page = await state.docs.query({
      table: state.table,
      keyCondition: {
        expression: 'pk = :pk AND begins_with(sk, :unit)',
        values: { ':pk': stateKeys.jobPartition(jobId), ':unit': 'UNIT#' },
      },
      limit: Math.min(1000, maxUnits - unitsRead),
      startKey,
    });
    startKey = page.lastKey;
    for (const item of page.items) {
      unitsRead++;
      const label = labelOfUnit(item);
      const tally = tallies.get(label) ?? emptyTally();
      tallies.set(label, tally);
      tally.planned++;
      const status = String(item.status);
      if (status === 'done' || status === 'failed') {
        tally.settled++;
        if (status === 'done') tally.done++;
        else tally.failed++;
        if (typeof item.settledAt === 'string' && item.settledAt >= minuteAgo) settledLastMinute++;
      }
      if (status === 'waiting') {
        tally.waiting++;
        if (waiting.length < maxListed)
          waiting.push({
            unitId: String(item.unitId),
            label,
            reason: String(item.waitReason ?? 'waiting on a guard'),
            held: item.heldAs !== undefined,
            waitingSince: item.waitingSince as string | undefined,
            nextCheckAt: item.nextCheckAt as string | undefined,
          });
      }
      if (status === 'failed' && failures.length < maxListed)
        failures.push({
          unitId: String(item.unitId),
          label,
          error: String(item.error ?? 'failed (no reason recorded)'),
          settledAt: item.settledAt as string | undefined,
          failures: item.failures as unknown[] | undefined,
        });
    }
  } while (startKey !== undefined && unitsRead < maxUnits);

  const nodes = treeOf(graph, job.entity);
  // Labels the graph no longer has (it changed since the job ran) still show, at the end.
  const extra = [...new Set([...tallies.keys(), ...Object.keys(job.counts)])].filter(
    (label) => !nodes.some((n) => n.label === label),
  );
  const relations: RelationNode[] = [
    ...nodes,
    ...extra.map((label) => ({ label, entity: '?', depth: 0 })),
  ].map((node) => ({
    ...node,
    units: tallies.get(node.label) ?? emptyTally(),
    counts: job.counts[node.label] ?? {},
  }));
  const end = job.completedAt ? Date.parse(job.completedAt) : now.getTime();
  return {
    job,
    extras,
    relations,
    waiting,
    failures,
    unitsRead,
    truncated: startKey !== undefined,
    timings: {
      createdAt: job.createdAt,
      updatedAt: job.updatedAt,
      completedAt: job.completedAt,
      elapsedMs: Math.max(0, end - Date.parse(job.createdAt)),
    },
    lastMinute: {
      unitsSettled: settledLastMinute,
      unitsPerSecond: Math.round((settledLastMinute / 60) * 100) / 100,
    },
  };
}
