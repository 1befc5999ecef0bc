// Runs one message from the work queue: validate it, find its planned unit, do the work,
// settle the unit exactly once, send what it spawned, and complete the job when nothing is
// left. A redelivered message finds its unit settled and only re-sends what is still planned
// (each unit once per `resendAfterSeconds`, however many copies arrive).
// A unit whose guards say "not yet" waits: it is marked `waiting`, its message is sent again
// with a delay, and this message is done with (returned normally, so the queue deletes it
// rather than walking it to the DLQ).
import { isDeepStrictEqual } from 'node:util';
import { LetheError } from '../errors.js';
import { addCount, type Counts } from '../model/counters.js';
import { getIntent, UnitAlreadySettledError } from '../model/intents.js';
import { scopeIdOf } from '../model/scopes.js';
import {
  claimRedeliveryResend,
  getUnit,
  markWaiting,
  type PlannedUnit,
  releaseRedeliveryResend,
  type Unit,
} from '../model/units.js';
import { mapConcurrent } from '../retry.js';
import { type ChainLedger, finalizedScope, takePlannedUnit } from './chain-ledger.js';
import { UnitWaitError } from './check-guards.js';
import { commitUnit } from './commit-unit.js';
import { wakeWaiters } from './defer-to-owner.js';
import { dispatchCheck, dispatchUnits } from './dispatch-units.js';
import { type EngineContext, reachCrashPoint } from './engine-context.js';
import { executeCascade } from './execute-cascade.js';
import { executeFinalize, rootLabel } from './execute-finalize.js';
import { executePrefix } from './execute-prefix.js';
import { executeRows } from './execute-rows.js';
import { handleRestoreMessage } from './handle-restore-message.js';
import { type InlineBudget, takeInline } from './inline-budget.js';
import { completeAndPublish } from './publish-completion.js';
import type { UnitWork } from './unit-work.js';
import {
  InvalidMessageError,
  parseQueueMessage,
  parseWorkMessage,
  unitIdOf,
  type WorkMessage,
} from './work-message.js';

export type HandleOutcome = 'done' | 'failed' | 'waiting' | 'duplicate';

/** Errors that no retry can fix for this unit: it is settled as failed, with the reason. */
const UNIT_FAILURE_CODES = new Set([
  'UNSAFE_KEY_VALUE',
  'UNDECLARED_OBJECT',
  'UNDECLARED_PREFIX',
  // A key value its declared type cannot hold, and a request DynamoDB refuses as invalid
  // (ValidationException): the same input fails the same way on every delivery.
  'INVALID_KEY_VALUE',
  'DYNAMODB_REQUEST_REFUSED',
]);

function execute(
  context: EngineContext,
  unit: Unit,
  message: WorkMessage,
  ledger: ChainLedger | undefined,
): Promise<UnitWork> {
  switch (message.type) {
    case 'cascade':
      return executeCascade(context, unit, message);
    case 'rows':
      return executeRows(context, unit, message);
    case 'finalize':
      return executeFinalize(
        context,
        unit,
        message,
        finalizedScope(ledger, scopeIdOf(message.entity, message.id)),
      );
    case 'prefix':
      return executePrefix(context, unit, message);
  }
}

/** The counter label a unit of this message counts under: its relation, or the root's label. */
export function labelOf(message: WorkMessage): string {
  switch (message.type) {
    case 'rows':
      return message.relation;
    default:
      return message.via ?? rootLabel(message.entity);
  }
}

export async function sendPlanned(
  context: EngineContext,
  units: readonly PlannedUnit[],
): Promise<void> {
  await dispatchUnits(context, units);
}

/**
 * How a message reached `handleWorkMessage`. Absent (the sweeper's recovery, a restore in
 * process): from the queue, with nothing run inline after it.
 */
export interface Delivery {
  /** True when the worker runs this unit itself, right after the commit that planned it. */
  readonly inline: boolean;
  /** What the chain of this queue message may still run inline (see inline-budget.ts). */
  readonly budget: InlineBudget;
  /** What the chain wrote, so that its inline units need not read it back (chain-ledger.ts). */
  readonly ledger?: ChainLedger | undefined;
}

/**
 * Handles one work-queue message body (see the file comment). Returns how the unit ended;
 * throws when the message must come back (a retryable error, or an `InvalidMessageError`
 * for a body no unit matches). With a `delivery` budget, the units its commit plans may be
 * run here at once instead of being sent (`takeInline`); one that throws is sent instead.
 */
export async function handleWorkMessage(
  context: EngineContext,
  body: string,
  delivery?: Delivery,
): Promise<HandleOutcome> {
  const parsed = parseQueueMessage(body);
  // A restore's units keep their bookkeeping on the restore record, not in units and scopes.
  if (parsed.type === 'restore') return handleRestoreMessage(context, parsed);
  const message: WorkMessage = parsed;
  const unitId = unitIdOf(message);
  // A unit this chain just planned is as its commit wrote it: no read.
  const unit =
    (delivery?.inline ? takePlannedUnit(delivery.ledger, unitId) : undefined) ??
    (await getUnit(context.state, message.jobId, unitId));
  if (!unit) throw new InvalidMessageError(`job ${message.jobId} has no planned unit ${unitId}`);
  if (!isDeepStrictEqual(JSON.parse(unit.body), JSON.parse(body))) {
    throw new InvalidMessageError(`message does not match planned unit ${unitId}`);
  }
  if (unit.status === 'done' || unit.status === 'failed') {
    await resendStillPlanned(context, unit);
    return 'duplicate';
  }
  // Another message of this waiting unit owns its next check (a duplicate, or a re-send that
  // came early): the chain of delayed messages stays one chain.
  if (unit.status === 'waiting' && checkNotDue(context, unit)) return 'duplicate';

  let work: UnitWork;
  let failure: { error: string } | undefined;
  try {
    work = await execute(context, unit, message, delivery?.ledger);
  } catch (error) {
    if (error instanceof UnitAlreadySettledError) return 'duplicate';
    if (error instanceof UnitWaitError) return waitForGuards(context, unit, message, error);
    if (!(error instanceof LetheError) || !UNIT_FAILURE_CODES.has(error.code)) throw error;
    const counts: Counts = {};
    addCount(counts, labelOf(message), 'failed', 1);
    // A failed unit claims nothing erased: the receipt leaves a prefix unit pinned go too.
    const intent =
      unit.kind === 'prefix' ? await getIntent(context.state, unit.jobId, unit.unitId) : undefined;
    work = { counts, spawn: [], pinnedLeaves: { parts: intent?.leafParts ?? 0 } };
    failure = { error: `${error.code}: ${error.message}` };
  }

  const result = await commitUnit(context, unit, work, failure, {
    ranInline: delivery?.inline,
    ledger: delivery?.ledger,
  });
  reachCrashPoint(context, 'after-commit', unitId);
  if (!result.committed) return 'duplicate';
  const next = takeInline(result.spawned, delivery?.budget, Date.now());
  await sendPlanned(context, next.send);
  if (message.type === 'finalize')
    await wakeWaiters(context, unit.jobId, message.entity, message.id);
  // Only the units this very commit planned are sure to be unsettled now: whoever settles
  // the last of them checks. Units planned earlier (a successor sent before this unit erased)
  // may all have settled already, so this unit may be the job's last whatever it planned —
  // unless its commit left its scope open: a unit still holds a slot there, and the scope's
  // finalize, planned by whoever gives back the last, comes after it.
  if (result.spawned.length === 0 && !result.scopeOpen)
    await completeAndPublish(context, unit.jobId);
  if (next.inline.length > 0 && delivery) await runInline(context, next.inline, delivery);
  return failure ? 'failed' : 'done';
}

/**
 * Runs units this worker just planned, one after the other, each as if its message had
 * arrived. One after the other: siblings settle on the same job and scope items, and side by
 * side their transactions would cancel each other; those left when the budget's time is up
 * are sent. A unit whose run throws is sent through the queue instead, which retries it as
 * any message (and reports its error there); only a failed send is thrown.
 */
async function runInline(
  context: EngineContext,
  units: readonly PlannedUnit[],
  { budget, ledger }: Delivery,
): Promise<void> {
  for (const [index, planned] of units.entries()) {
    // Out of time (an earlier sibling ran long): the rest go through the queue.
    if (budget.untilMs !== undefined && Date.now() >= budget.untilMs) {
      await sendPlanned(context, units.slice(index));
      return;
    }
    try {
      await handleWorkMessage(context, planned.body, { inline: true, budget, ledger });
    } catch {
      await sendPlanned(context, [planned]);
    }
  }
}

/** True while the unit's next check is not due yet (with a little slack for clock skew). */
function checkNotDue(context: EngineContext, unit: Unit): boolean {
  if (unit.nextCheckAt === undefined) return false;
  const slackMs = Math.min(2000, context.settings.guardRecheckSeconds * 250);
  return context.state.now().getTime() < Date.parse(unit.nextCheckAt) - slackMs;
}

async function waitForGuards(
  context: EngineContext,
  unit: Unit,
  message: WorkMessage,
  wait: UnitWaitError,
): Promise<HandleOutcome> {
  const delaySeconds = context.settings.guardRecheckSeconds;
  const nextCheckAt = await markWaiting(context.state, unit, {
    label: labelOf(message),
    reason: wait.reason,
    held: wait.held,
    delaySeconds,
  });
  // Settled, or its check claimed, by a twin run meanwhile: that run sends what follows.
  if (nextCheckAt === undefined) return 'duplicate';
  await dispatchCheck(context, unit, nextCheckAt, delaySeconds);
  return 'waiting';
}

/**
 * A redelivered message of a settled unit: sends again the units it spawned that are still
 * planned (its worker may have died between the commit and the send), each at most once per
 * `resendAfterSeconds` however many copies of the message arrive (`claimRedeliveryResend`),
 * and wakes and completes what its commit would have.
 */
async function resendStillPlanned(context: EngineContext, unit: Unit): Promise<void> {
  const planned: PlannedUnit[] = [];
  for (const spawnedId of unit.spawned ?? []) {
    const spawned = await getUnit(context.state, unit.jobId, spawnedId);
    if (spawned?.status !== 'planned') continue;
    const claimed = await claimRedeliveryResend(
      context.state,
      unit.jobId,
      spawnedId,
      context.settings.resendAfterSeconds,
    );
    if (!claimed) continue;
    planned.push({
      unitId: spawned.unitId,
      body: spawned.body,
      scope: spawned.scope,
      message: JSON.parse(spawned.body),
    });
  }
  try {
    await sendPlanned(context, planned);
  } catch (error) {
    // Refused: the next copy of this message, or the sweeper, sends them.
    await mapConcurrent(planned, 4, (p) =>
      releaseRedeliveryResend(context.state, unit.jobId, p.unitId),
    );
    throw error;
  }
  // A crash may have come between this finalize's commit and its wake-up of other jobs.
  if (unit.kind === 'finalize') {
    const message = parseWorkMessage(unit.body);
    if (message.type === 'finalize')
      await wakeWaiters(context, unit.jobId, message.entity, message.id);
  }
  await completeAndPublish(context, unit.jobId);
}
