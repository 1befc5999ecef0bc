// `lethe restore <jobId>`: undo a completed deletion inside its restore window, driven by the
// job's restore log. A restore is a job of its own, run as units on the work queue by the same
// workers (handle-restore-message.ts): the job's tombstones are lifted first (guardedPut
// accepts writes again, and the row-after-tombstone consumer leaves restored rows alone); then
// objects come back (delete markers removed, so the old version is current again), then rows,
// parents before children, then the pointers set-null removed — one step per rank, a step
// starting only once every unit of the one before settled. Each row goes back with
// guardedPut's checks: a key that exists again is newer data and wins (a conflict, reported),
// an id tombstoned again by a later deletion is skipped, and so is a child whose parent is
// neither present nor restored. Each log entry is marked restored in the transaction that
// counts its outcome, so redelivered or crashed units count everything once.
//
// This module starts a restore (refusals, then one transaction: the record at the lift step
// and its message in the outbox, then the send), reads its progress and builds its report;
// a dry run stays here, in-process and read-only.

import { LetheError } from '../errors.js';
import { getJob, type Job } from '../model/jobs.js';
import { listRestoreLog, type RestoreLogEntry, type RestoreOutcome } from '../model/restore-log.js';
import {
  beginRestoreUnits,
  getRestoreRecord,
  markRestoreStepSent,
  type RestoreRecord,
} from '../model/restores.js';
import type { Item } from '../ports/document-store.js';
import { sleep } from '../retry.js';
import type { EngineContext } from './engine-context.js';
import { outcomesOf, restoreMessageOf, skipsOf, startedSeconds } from './handle-restore-message.js';
import { applyEntry, applyMarkers, NOTHING, persist } from './restore-entries.js';
import { entityDepths, rank, stepRanks, windowEnd } from './restore-plan.js';
import { buildReport, MAX_SKIPS, type RestoreReport, type RestoreSkip } from './restore-report.js';
import { encodeWorkMessage } from './work-message.js';

export type { RestoreReport, RestoreSkip } from './restore-report.js';

export type RestoreRefusal = 'job-not-found' | 'job-running' | 'window-passed';

/** A restore that must not run: the job is unknown, still running, or its window passed. */
export class RestoreRefusedError extends LetheError {
  readonly reason: RestoreRefusal;

  constructor(reason: RestoreRefusal, message: string) {
    super(`RESTORE_${reason.toUpperCase().replaceAll('-', '_')}`, message);
    this.name = 'RestoreRefusedError';
    this.reason = reason;
  }
}

/**
 * Starts restoring what the job `jobId` deleted and returns at once, with the report so far
 * (`status: 'running'`): the restore's units run on the work queue. Called again while it
 * runs, it re-sends the current step's units and returns; after it finished, it returns the
 * finished report (`status: 'restored'`), the same every time, a dry run included (`dryRun`
 * true: nothing would change). Otherwise, with `dryRun`, it reports what would come back and
 * writes nothing (in this process, no units).
 *
 * @throws RestoreRefusedError when the job is unknown, still running, or past its window.
 */
export async function restoreDeletion(
  context: EngineContext,
  jobId: string,
  options: { readonly dryRun?: boolean } = {},
): Promise<RestoreReport> {
  const job = await getJob(context.state, jobId);
  if (!job) throw new RestoreRefusedError('job-not-found', `no job ${jobId}`);
  if (job.status !== 'completed') {
    throw new RestoreRefusedError(
      'job-running',
      `job ${jobId} is still running: restore it once it completed`,
    );
  }
  const dryRun = options.dryRun === true;
  const record = await getRestoreRecord(context.state, jobId);
  // Finished: a restore changes nothing any more, a dry run included — both report what it did.
  if (record?.status === 'restored') return { ...(await reportOf(context, job, record)), dryRun };
  const log = await listRestoreLog(context.state, jobId);
  const entries = log.map((l) => l.entry);
  const windowEndsAt = windowEnd(context, job, entries);
  const now = context.state.now();
  if (now.getTime() > windowEndsAt.getTime()) {
    throw new RestoreRefusedError(
      'window-passed',
      `the restore window of job ${jobId} ended at ${windowEndsAt.toISOString()}`,
    );
  }
  if (dryRun) return dryRunReport(context, job, log, windowEndsAt);

  if (record?.step === undefined) {
    const lift = encodeWorkMessage(restoreMessageOf(jobId, -1));
    // A cancelled transaction or a throttled call is retried here: the start has no message
    // to come back.
    const ranks = stepRanks(context.graph, entries);
    if (await persist(() => beginRestoreUnits(context.state, jobId, ranks, lift))) {
      await context.queue.send([{ id: 'lift', body: lift }]);
      await persist(() => markRestoreStepSent(context.state, jobId, -1));
    }
  } else {
    // Running: what is planned goes out again (a message lost, a crash before a send).
    const step = record.step;
    await context.queue.send([
      { id: 'resend', body: encodeWorkMessage(restoreMessageOf(jobId, step)) },
    ]);
  }
  const now2 = await getRestoreRecord(context.state, jobId);
  return reportOf(context, job, now2);
}

/** How {@link awaitRestore} waits. */
export interface AwaitRestoreOptions {
  /** Between two reads of the restore's progress. @default 1000 */
  readonly pollMs?: number;
  /** Called with each progress read while the restore runs. */
  readonly onProgress?: (progress: RestoreProgress) => void;
  /** Gives up after this long (a LetheError `RESTORE_TIMEOUT`). @default no limit */
  readonly timeoutMs?: number;
}

/**
 * Waits until the restore of `jobId` (started) finished — the workers run its units — and
 * returns its report. Reads the restore record (one strongly consistent get) every `pollMs`.
 *
 * @throws LetheError `RESTORE_NOT_STARTED` when no restore of the job was started,
 *   `RESTORE_TIMEOUT` past `timeoutMs`
 */
export async function awaitRestore(
  context: EngineContext,
  jobId: string,
  options: AwaitRestoreOptions = {},
): Promise<RestoreReport> {
  const deadline = options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs;
  for (;;) {
    const progress = await restoreProgress(context, jobId);
    if (!progress)
      throw new LetheError('RESTORE_NOT_STARTED', `no restore of job ${jobId} was started`);
    if (progress.status === 'restored') return restoreDeletion(context, jobId);
    options.onProgress?.(progress);
    if (deadline !== undefined && Date.now() > deadline)
      throw new LetheError(
        'RESTORE_TIMEOUT',
        `the restore of job ${jobId} did not finish in ${options.timeoutMs} ms (step ${progress.step + 1} of ${progress.steps}, ${progress.outstanding} units left in it)`,
      );
    await sleep(options.pollMs ?? 1000);
  }
}

/** Where a restore is: its state, step i of n, units left in the step, totals so far. */
export interface RestoreProgress {
  readonly jobId: string;
  readonly status: 'running' | 'restored';
  /** 0 is the lift (tombstones), 1…steps-1 the log's rank groups in order. */
  readonly step: number;
  readonly steps: number;
  /** What the current step restores: `tombstones`, `objects`, `rows (depth d)`, `pointers (depth d)`. */
  readonly stepName: string;
  /** Units of the current step not settled yet. */
  readonly outstanding: number;
  readonly startedAt: string;
  readonly restoredAt?: string | undefined;
  readonly tombstonesLifted: number;
  readonly restored: number;
  readonly conflicts: number;
  readonly skipped: number;
}

/** The restore of `jobId` as it stands, or undefined when none was started. */
export async function restoreProgress(
  context: EngineContext,
  jobId: string,
): Promise<RestoreProgress | undefined> {
  const record = await getRestoreRecord(context.state, jobId);
  return record ? progressOf(record) : undefined;
}

/** A restore record as progress (see {@link RestoreProgress}). */
export function progressOf(record: RestoreRecord): RestoreProgress {
  const ranks = record.ranks ?? [];
  const index = record.step ?? -1;
  const stepRank = ranks[index];
  const steps = ranks.length + 1;
  return {
    jobId: record.jobId,
    status: record.status,
    step: record.status === 'restored' ? steps - 1 : index + 1,
    steps,
    stepName: record.status === 'restored' ? 'done' : stepName(stepRank),
    outstanding: record.status === 'restored' ? 0 : (record.outstanding ?? 0),
    startedAt: record.startedAt,
    restoredAt: record.restoredAt,
    tombstonesLifted: record.tombstonesLifted,
    restored: record.restored,
    conflicts: record.conflicts,
    skipped: record.skipped,
  };
}

function stepName(stepRank: number | undefined): string {
  if (stepRank === undefined) return 'tombstones';
  if (stepRank < 0) return 'objects';
  const depth = Math.floor(stepRank / 2);
  return stepRank % 2 === 0 ? `rows (depth ${depth})` : `pointers (depth ${depth})`;
}

/** The report of a started restore, from the log's settled entries. */
async function reportOf(
  context: EngineContext,
  job: Job,
  record: RestoreRecord | undefined,
): Promise<RestoreReport> {
  const entries = (await listRestoreLog(context.state, job.jobId)).map((l) => l.entry);
  return buildReport(job, entries, outcomesOf(entries), {
    dryRun: false,
    running: record?.status !== 'restored',
    windowEndsAt: windowEnd(context, job, entries),
    lifted: record?.tombstonesLifted ?? 0,
    skips: skipsOf(entries),
    nowSeconds: startedSeconds(record),
  });
}

/** What a restore would bring back, conflict on or skip: read-only, in this process. */
async function dryRunReport(
  context: EngineContext,
  job: Job,
  log: readonly { entry: RestoreLogEntry; item: Item }[],
  windowEndsAt: Date,
): Promise<RestoreReport> {
  const nowSeconds = Math.floor(context.state.now().getTime() / 1000);
  const order = entityDepths(context.graph);
  const ordered = [...log].sort((a, b) => rank(a.entry, order) - rank(b.entry, order));
  const skips = new Map<string, readonly RestoreSkip[]>();
  const outcomes = new Map<string, RestoreOutcome>();
  // A unit that ran more than once left one markers entry per run, maybe over the same keys:
  // they come back together (every marker removed, each key counted once).
  const markerGroups = new Map<string, { entry: RestoreLogEntry; item: Item }[]>();
  for (const logged of ordered) {
    const { entry } = logged;
    if (entry.kind !== 'markers' || entry.outcome || entry.expiresAt < nowSeconds) continue;
    markerGroups.set(entry.unitId, [...(markerGroups.get(entry.unitId) ?? []), logged]);
  }
  for (const { entry, item } of ordered) {
    if (entry.outcome) {
      outcomes.set(entry.sk, entry.outcome);
      skips.set(entry.sk, entry.skips ?? []);
      continue;
    }
    if (entry.expiresAt < nowSeconds) continue;
    const group = entry.kind === 'markers' ? (markerGroups.get(entry.unitId) ?? []) : [];
    if (group.length > 0 && group[0]?.entry.sk !== entry.sk) continue;
    const applied =
      group.length > 0
        ? await applyMarkers(context, group, true)
        : await applyEntry(context, entry, item, true);
    const settled = group.length > 0 ? group.map((g) => g.entry) : [entry];
    settled.forEach((e, i) => {
      outcomes.set(e.sk, i === 0 ? applied.outcome : NOTHING);
      skips.set(e.sk, i === 0 ? applied.skips : []);
    });
  }
  return buildReport(
    job,
    log.map((l) => l.entry),
    outcomes,
    {
      dryRun: true,
      windowEndsAt,
      lifted: 0,
      skips: [...skips.values()].flat().slice(0, MAX_SKIPS),
      nowSeconds,
    },
  );
}
