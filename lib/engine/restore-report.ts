// The report of a restore: what was logged per relation, what came back, what conflicted
// or was skipped and why, and what never can (objects of unversioned buckets). Built from the
// restore log's entries and the outcomes they were settled with, so a restore run again (or
// read while its units run) reports from the same source.
import type { Job } from '../model/jobs.js';
import type { RestoreLogEntry, RestoreLogSkip, RestoreOutcome } from '../model/restore-log.js';

/**
 * One item that did not come back, and why: `conflict` (newer data has the key),
 * `deleted-again` (tombstoned by a later deletion), `orphan` (its parent is neither present
 * nor restored), `gone` (a nulled row no longer exists), `failed` (S3 refused a version).
 */
export type RestoreSkip = RestoreLogSkip;

/** What `restoreDeletion` did (or, for a dry run, would do). */
export interface RestoreReport {
  readonly jobId: string;
  readonly entity: string;
  readonly id: string;
  readonly dryRun: boolean;
  /**
   * `restored` when the restore finished (now or before), `running` while its units are on
   * the work queue (the totals are those so far), `dry-run` for a dry run.
   */
  readonly status: 'restored' | 'running' | 'dry-run';
  /** ISO time after which this job can no longer be restored. */
  readonly windowEndsAt: string;
  readonly tombstonesLifted: number;
  readonly totals: {
    readonly rowsRestored: number;
    readonly pointersRestored: number;
    readonly objectsRestored: number;
    readonly conflicts: number;
    readonly skipped: number;
    /** Logged items whose window (per entity) had passed: not restored. */
    readonly expired: number;
  };
  /** Per relation: what was logged and what came back. */
  readonly relations: readonly {
    readonly relation: string;
    readonly kind: 'rows' | 'nulled' | 'markers';
    readonly logged: number;
    readonly restored: number;
    readonly conflicts: number;
    readonly skipped: number;
  }[];
  /** Items that did not come back (the first 100). */
  readonly skips: readonly RestoreSkip[];
  /** Objects deleted from unversioned buckets, per relation: they cannot come back. */
  readonly notRestorable: readonly { readonly relation: string; readonly objects: number }[];
}

/** Skips a report lists at most. */
export const MAX_SKIPS = 100;

/** The report of a restore (or dry run) from the log's entries and their outcomes. */
export function buildReport(
  job: Job,
  entries: readonly RestoreLogEntry[],
  outcomes: ReadonlyMap<string, RestoreOutcome>,
  run: {
    dryRun: boolean;
    running?: boolean;
    windowEndsAt: Date;
    lifted: number;
    skips: readonly RestoreSkip[];
    nowSeconds: number;
  },
): RestoreReport {
  const relations = new Map<
    string,
    {
      kind: RestoreLogEntry['kind'];
      logged: number;
      restored: number;
      conflicts: number;
      skipped: number;
    }
  >();
  const totals = {
    rowsRestored: 0,
    pointersRestored: 0,
    objectsRestored: 0,
    conflicts: 0,
    skipped: 0,
    expired: 0,
  };
  for (const entry of entries) {
    const name = `${entry.relation}|${entry.kind}`;
    const sum = relations.get(name) ?? {
      kind: entry.kind,
      logged: 0,
      restored: 0,
      conflicts: 0,
      skipped: 0,
    };
    sum.logged += entry.count;
    const outcome = outcomes.get(entry.sk);
    if (!outcome) {
      if (entry.expiresAt < run.nowSeconds) totals.expired += entry.count;
      relations.set(name, sum);
      continue;
    }
    sum.restored += outcome.restored;
    sum.conflicts += outcome.conflicts;
    sum.skipped += outcome.skipped;
    relations.set(name, sum);
    if (entry.kind === 'rows') totals.rowsRestored += outcome.restored;
    if (entry.kind === 'nulled') totals.pointersRestored += outcome.restored;
    if (entry.kind === 'markers') totals.objectsRestored += outcome.restored;
    totals.conflicts += outcome.conflicts;
    totals.skipped += outcome.skipped;
  }
  return {
    jobId: job.jobId,
    entity: job.entity,
    id: job.id,
    dryRun: run.dryRun,
    status: run.dryRun ? 'dry-run' : run.running ? 'running' : 'restored',
    windowEndsAt: run.windowEndsAt.toISOString(),
    tombstonesLifted: run.lifted,
    totals,
    relations: [...relations].map(([name, sum]) => ({
      relation: name.slice(0, name.lastIndexOf('|')),
      ...sum,
    })),
    skips: run.skips,
    notRestorable: Object.entries(job.counts)
      .map(([relation, byKind]) => ({ relation, objects: byKind.objectsDeleted ?? 0 }))
      .filter((r) => r.objects > 0),
  };
}
