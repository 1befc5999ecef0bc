// Runs one unit of a restore from the work queue. A restore is a job of its own: the lift
// (the deletion's tombstones), then one step per rank of its log (objects, then rows parents
// before children, then pointers), each step's entries one message each, so a big restore
// runs at the pace of all workers rather than one process. Its bookkeeping lives on the
// restore record (restores.ts), not in the deletion's units and scopes: a unit settles its
// entry and takes itself off the step's `outstanding` in one transaction conditioned on the
// entry not being restored yet; whoever brings `outstanding` to 0 moves the step on by a
// conditional update and sends the next step's messages (the loser of that race sends
// nothing); after the last step the winner finishes the record and emits DeletionRestored.
//
// Redelivery converges: an entry already settled only checks whether the step can move on;
// a message of an earlier step re-sends the current step's units unless the queue accepted
// them all already (a crash between an advance and its sends); a message of a later step is
// an error for the queue to retry (its step's turn has not come — rank order); a message
// with no entry (the sweeper's re-send of the outbox item, a resumed start) re-sends the
// step's unsettled units.
import { LetheError } from '../errors.js';
import { getJob } from '../model/jobs.js';
import {
  entryFromItem,
  listRestoreLog,
  type RestoreLogEntry,
  restoreLogKeys,
} from '../model/restore-log.js';
import {
  advanceRestoreStep,
  countLiftedTombstones,
  creditRestoreResends,
  finishRestoreRecord,
  getRestoreRecord,
  markRestoreStepSent,
  type RestoreRecord,
  settleGoneEntry,
} from '../model/restores.js';
import type { Item } from '../ports/document-store.js';
import { type EngineContext, reachCrashPoint } from './engine-context.js';
import { publishOutboxEvent } from './publish-completion.js';
import {
  type AppliedEntry,
  applyEntry,
  applyMarkers,
  persist,
  settleEntries,
} from './restore-entries.js';
import { liftTombstones, type RestoreUnit, unitsOfStep, windowEnd } from './restore-plan.js';
import { buildReport, MAX_SKIPS } from './restore-report.js';
import {
  encodeWorkMessage,
  InvalidMessageError,
  type RestoreMessage,
  WORK_MESSAGE_VERSION,
} from './work-message.js';

/** `done`: this message did its unit's work; `duplicate`: nothing was left for it to do. */
export type RestoreOutcomeOfMessage = 'done' | 'duplicate';

/** The step a restore message belongs to: -1 for the lift. */
export function stepOf(message: RestoreMessage): number {
  return message.step === 'lift' ? -1 : message.step;
}

/** The message of `step` (with `entry`, one unit's; without, "send the step's units"). */
export function restoreMessageOf(jobId: string, step: number, entry?: string): RestoreMessage {
  return {
    v: WORK_MESSAGE_VERSION,
    jobId,
    type: 'restore',
    step: step < 0 ? 'lift' : step,
    ...(entry === undefined ? {} : { entry }),
  };
}

/**
 * A restore message came before its step did: the step before it still has units
 * outstanding. Retryable — the queue brings it back; by then its step may have come.
 */
export class RestoreStepNotReachedError extends LetheError {
  constructor(jobId: string, step: number, current: number) {
    super(
      'RESTORE_STEP_NOT_REACHED',
      `restore of job ${jobId} is at step ${current}: a unit of step ${step} waits its turn`,
      { retryable: true },
    );
    this.name = 'RestoreStepNotReachedError';
  }
}

/**
 * Handles one `restore` message (see the module comment).
 *
 * @throws InvalidMessageError when the job has no restore run as units (a forged message)
 * @throws RestoreStepNotReachedError for a unit of a step that has not come yet (retryable)
 */
export async function handleRestoreMessage(
  context: EngineContext,
  message: RestoreMessage,
): Promise<RestoreOutcomeOfMessage> {
  const { jobId } = message;
  const record = await getRestoreRecord(context.state, jobId);
  if (record?.status === 'restored') return 'duplicate';
  if (record?.step === undefined) {
    throw new InvalidMessageError(`job ${jobId} has no restore running as units`);
  }
  const step = stepOf(message);
  if (step > record.step) throw new RestoreStepNotReachedError(jobId, step, record.step);
  if (step < record.step) {
    // A crash between an advance and its sends, or a late duplicate: only the former needs
    // the current step's messages (again).
    if (record.sentStep !== record.step) {
      await sendStep(context, record);
      // A step with nothing left to send moves on here (its winner may have died first).
      await advanceIfDone(context, jobId, record.step);
    }
    return 'duplicate';
  }
  if (step === -1) {
    const lifted = await liftTombstones(context, jobId);
    await countLiftedTombstones(context.state, jobId, lifted);
    reachCrashPoint(context, 'restore-after-lift', jobId);
    await advance(context, jobId, -1);
    return 'done';
  }
  if (message.entry === undefined) {
    await sendStep(context, record);
    await creditRestoreResends(context.state, jobId, record.outstanding ?? 0);
    await advanceIfDone(context, jobId, step);
    return 'duplicate';
  }
  const settled = await runUnit(context, jobId, step, message.entry);
  await advanceIfDone(context, jobId, step);
  return settled ? 'done' : 'duplicate';
}

/** Puts one unit's entries back and settles them; false when they were settled already. */
async function runUnit(
  context: EngineContext,
  jobId: string,
  step: number,
  sk: string,
): Promise<boolean> {
  const entries = await unitEntries(context, jobId, sk);
  if (entries.length === 0) {
    // Its log item expired (TTL) before it ran: nothing to put back, but the step must not
    // wait for it.
    return settleGoneEntry(context.state, jobId, step, sk);
  }
  if (entries.some((e) => e.entry.restoredAt !== undefined)) return false;
  const first = entries[0];
  if (!first) return false;
  const applied: AppliedEntry =
    first.entry.kind === 'markers'
      ? await applyMarkers(context, entries, false)
      : await applyEntry(context, first.entry, first.item, false);
  reachCrashPoint(context, 'restore-mid-entry', sk);
  return settleEntries(
    context,
    jobId,
    entries.map((e) => e.entry),
    applied,
    step,
  );
}

/** The log entries of the unit named `sk`: the entry, or every markers entry of its unit. */
async function unitEntries(
  context: EngineContext,
  jobId: string,
  sk: string,
): Promise<{ entry: RestoreLogEntry; item: Item }[]> {
  const item = await persist(() =>
    context.docs.get(context.state.table, { pk: restoreLogKeys.partition(jobId), sk }, true),
  );
  if (!item) return [];
  const entry = entryFromItem(item);
  if (entry.kind !== 'markers') return [{ entry, item }];
  const page = await persist(() =>
    context.docs.query({
      table: context.state.table,
      keyCondition: {
        expression: 'pk = :pk AND begins_with(sk, :markers)',
        values: {
          ':pk': restoreLogKeys.partition(jobId),
          ':markers': `UNIT#${entry.unitId}#M#`,
        },
      },
      consistent: true,
    }),
  );
  return page.items
    .map((i) => ({ entry: entryFromItem(i), item: i }))
    .filter((e) => e.entry.unitId === entry.unitId)
    .sort((a, b) => (a.entry.sk < b.entry.sk ? -1 : 1));
}

/** Moves the step on when its units are all settled (read strongly consistent). */
async function advanceIfDone(context: EngineContext, jobId: string, step: number): Promise<void> {
  const record = await getRestoreRecord(context.state, jobId);
  if (record?.status !== 'running' || record.step !== step || record.outstanding !== 0) return;
  await advance(context, jobId, step);
}

/**
 * Moves the restore from step `from` to the next (skipping steps with nothing to do) and
 * sends its units, or finishes it after the last step. Only the run whose conditional update
 * wins does either; the others return.
 */
async function advance(context: EngineContext, jobId: string, from: number): Promise<void> {
  let at = from;
  for (;;) {
    const record = await getRestoreRecord(context.state, jobId);
    const ranks = record?.ranks ?? [];
    const log = await listRestoreLog(context.state, jobId);
    const to = at + 1;
    const stepRank = ranks[to];
    if (stepRank === undefined) {
      await finish(context, jobId, log);
      return;
    }
    const units = unitsOfStep(context.graph, log, stepRank, startedSeconds(record));
    const won = await persist(() =>
      advanceRestoreStep(context.state, jobId, {
        from: at,
        to,
        outstanding: units.length,
        body: encodeWorkMessage(restoreMessageOf(jobId, to)),
      }),
    );
    if (!won) return;
    reachCrashPoint(context, 'restore-after-advance', `${jobId}#${to}`);
    await sendUnits(context, jobId, to, units);
    if (units.length > 0) return;
    at = to;
  }
}

/**
 * When the restore started (epoch seconds): which entries were inside their window is decided
 * once, then, so that every run counts and sends the same units for a step (an entry whose
 * window ends while the restore runs still comes back).
 */
export function startedSeconds(record: RestoreRecord | undefined): number {
  const started = Date.parse(record?.startedAt ?? '');
  return Number.isNaN(started) ? 0 : Math.floor(started / 1000);
}

/** Sends the unsettled units of the record's current step (again), then records them sent. */
async function sendStep(context: EngineContext, record: RestoreRecord): Promise<void> {
  const step = record.step ?? -1;
  if (step < 0) {
    await context.queue.send([
      { id: 'lift', body: encodeWorkMessage(restoreMessageOf(record.jobId, -1)) },
    ]);
    await markRestoreStepSent(context.state, record.jobId, step);
    return;
  }
  const stepRank = record.ranks?.[step];
  if (stepRank === undefined) return;
  const log = await listRestoreLog(context.state, record.jobId);
  await sendUnits(
    context,
    record.jobId,
    step,
    unitsOfStep(context.graph, log, stepRank, startedSeconds(record)),
  );
}

async function sendUnits(
  context: EngineContext,
  jobId: string,
  step: number,
  units: readonly RestoreUnit[],
): Promise<void> {
  if (units.length > 0) {
    await context.queue.send(
      units.map((u, i) => ({
        id: `r${step}-${i}`,
        body: encodeWorkMessage(restoreMessageOf(jobId, step, u.sk)),
      })),
    );
  }
  await markRestoreStepSent(context.state, jobId, step);
}

/** Finishes the restore: its report from the settled log, the record, DeletionRestored. */
async function finish(
  context: EngineContext,
  jobId: string,
  log: readonly { entry: RestoreLogEntry; item: Item }[],
): Promise<void> {
  const job = await getJob(context.state, jobId);
  const record = await getRestoreRecord(context.state, jobId);
  if (!job || record?.status !== 'running') return;
  const entries = log.map((l) => l.entry);
  const report = buildReport(job, entries, outcomesOf(entries), {
    dryRun: false,
    windowEndsAt: windowEnd(context, job, entries),
    lifted: record.tombstonesLifted,
    skips: skipsOf(entries),
    nowSeconds: startedSeconds(record),
  });
  const detail = {
    jobId,
    entity: job.entity,
    id: job.id,
    totals: report.totals,
    notRestorable: report.notRestorable,
  };
  const event = await persist(() => finishRestoreRecord(context.state, jobId, detail));
  if (event) {
    reachCrashPoint(context, 'restore-after-finish', jobId);
    await publishOutboxEvent(context, jobId, 'DeletionRestored', event);
  }
}

/** The outcomes settled entries carry, by sort key. */
export function outcomesOf(entries: readonly RestoreLogEntry[]) {
  return new Map(entries.flatMap((e) => (e.outcome ? [[e.sk, e.outcome] as const] : [])));
}

/** The skips settled entries carry, the first {@link MAX_SKIPS}. */
export function skipsOf(entries: readonly RestoreLogEntry[]) {
  return entries.flatMap((e) => (e.outcome ? (e.skips ?? []) : [])).slice(0, MAX_SKIPS);
}
