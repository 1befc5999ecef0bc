// Which of the units a commit just planned the worker runs itself, instead of sending them
// through the work queue. A small job is all fixed chain (cascade → rows → finalize →
// prefix), and each queue round trip costs a send, a receive, a delete and the wait in the
// queue; running the next unit at once, in the same invocation, saves all four. The planned
// unit items written by the commit stay the outbox: a worker that dies mid-chain leaves them
// planned, and the sweeper sends them (`resendAfterSeconds`) as it would a lost message.
import type { PlannedUnit } from '../model/units.js';

/**
 * Kinds a worker may run itself. Never a cascade: the sweeper's watermark counts a cascade
 * as dispatched only once the queue accepted its message (`lastSentAt`).
 */
const INLINE_KINDS: ReadonlySet<PlannedUnit['message']['type']> = new Set([
  'rows',
  'finalize',
  'prefix',
]);

/**
 * A commit that plans more than this many units is a fan-out: they go through the queue, so
 * a big job's units spread over every worker instead of queueing in one invocation.
 */
export const MAX_INLINE_FAN_OUT = 4;

/**
 * What one queue message's chain may still run inline, shared by every unit of the chain
 * (mutable: `takeInline` spends it).
 */
export interface InlineBudget {
  /** Units the chain may still run inline; starts at `inlineUnitsPerMessage`. */
  remaining: number;
  /** After this instant (epoch ms) nothing more starts inline; absent: no limit. */
  readonly untilMs?: number | undefined;
}

/**
 * Splits the units one commit planned into those to run inline now and those to send, and
 * spends the budget on the first. Units run inline only when every one is of an inline kind,
 * there are at most `MAX_INLINE_FAN_OUT` of them, the budget covers them all and its time has
 * not run out; otherwise all are sent. `nowMs` is epoch milliseconds.
 */
export function takeInline(
  units: readonly PlannedUnit[],
  budget: InlineBudget | undefined,
  nowMs: number,
): { inline: readonly PlannedUnit[]; send: readonly PlannedUnit[] } {
  const runs =
    budget !== undefined &&
    units.length > 0 &&
    units.length <= MAX_INLINE_FAN_OUT &&
    units.length <= budget.remaining &&
    (budget.untilMs === undefined || nowMs < budget.untilMs) &&
    units.every((u) => INLINE_KINDS.has(u.message.type));
  if (!runs) return { inline: [], send: units };
  budget.remaining -= units.length;
  return { inline: units, send: [] };
}
