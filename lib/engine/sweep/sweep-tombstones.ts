// Watermarks over tombstones: per shard, read the tombstones in (watermark, watermark +
// batch], make sure each has its cascade dispatched (re-sending a root cascade whose message
// was lost), and advance the watermark by compare-and-set to just before the first one that
// is not. It never passes a tombstone whose dispatch did not happen: a cascade counts as
// dispatched when it ran, or when the queue accepted its message (see dispatch-units.ts).
// A number with nothing written at it is a writer still at work, or one that died after
// taking it: once `tombstoneGapGraceSeconds` have passed since it was taken, it is voided
// (see tombstones.ts), and a void is passed like a dispatched tombstone.

import { stateKeys } from '../../model/state-keys.js';
import { getShardCounter, VOID_TOMBSTONE_TYPE, voidSequence } from '../../model/tombstones.js';
import { advanceWatermark, getWatermark } from '../../model/watermarks.js';
import type { Item } from '../../ports/document-store.js';
import { reachCrashPoint } from '../engine-context.js';
import { claimAndResend } from './resend-unit.js';
import { hasBudget, idleSeconds, type SweepContext, secondsBetween } from './sweep-context.js';

export interface ShardReport {
  readonly shard: number;
  readonly watermark: number;
  readonly highest: number;
  readonly lag: number;
  readonly resent: number;
  /** Tombstones passed in this run, their cascades dispatched (voids are not counted). */
  readonly dispatched: number;
  /** Numbers voided in this run: taken by a writer that never wrote them. */
  readonly voided: number;
  /** Sequence of the first tombstone not yet dispatched, if the range stopped at one. */
  readonly stoppedAt?: number | undefined;
  readonly oldestPendingAgeSeconds: number;
  readonly advanced: boolean;
}

async function dispatchState(
  sweep: SweepContext,
  tombstone: Item,
): Promise<'dispatched' | 'resent' | 'pending'> {
  const { engine } = sweep;
  const unitId = `cascade|${String(tombstone.entity)}|${String(tombstone.id)}`;
  const unit = await engine.docs.get(
    engine.state.table,
    stateKeys.unit(String(tombstone.jobId), unitId),
  );
  if (!unit) return 'pending';
  if (unit.status === 'done' || unit.status === 'failed') return 'dispatched';
  // Planned or waiting: dispatched only while a message the queue accepted is on its way.
  // `lastSentAt` is written after the queue accepted one, never before a send.
  const sentAt = unit.lastSentAt as string | undefined;
  const accepted = sentAt !== undefined;
  if (idleSeconds(sweep, sentAt ?? String(unit.plannedAt)) < engine.settings.resendAfterSeconds)
    return accepted ? 'dispatched' : 'pending';
  // Out of individual resends (each one accepted): the stall detection owns it from here.
  if (Number(unit.resends ?? 0) >= engine.settings.maxResends)
    return accepted ? 'dispatched' : 'pending';
  try {
    const outcome = await claimAndResend(engine, unit, sweep.now);
    if (outcome === 'failed') sweep.sends.failed++;
    // Claimed by another sweeper: its send is not confirmed yet, so not dispatched for this run.
    return outcome === 'sent' ? 'resent' : 'pending';
  } catch {
    return 'pending';
  }
}

/**
 * When number `seq` was taken at the latest (ISO 8601): numbers are taken in order, so no
 * later than the first tombstone written with a higher one, nor than the counter's last take.
 */
function takenBy(page: readonly Item[], seq: number, counterTakenAt: string | undefined) {
  const later = page
    .filter((t) => Number(t.seq) > seq && typeof t.deletedAt === 'string')
    .map((t) => String(t.deletedAt))
    .sort()[0];
  return later ?? counterTakenAt;
}

/** A number still unwritten: voided once its grace has passed; 'voided' when this run did. */
async function settleGap(
  sweep: SweepContext,
  shard: number,
  seq: number,
  takenAt: string | undefined,
): Promise<'voided' | 'pending'> {
  const { engine } = sweep;
  if (takenAt === undefined) return 'pending';
  if (secondsBetween(takenAt, sweep.now) < engine.settings.tombstoneGapGraceSeconds)
    return 'pending';
  const reason = `unwritten ${engine.settings.tombstoneGapGraceSeconds} s after it was taken (sweeper ${sweep.sweeper})`;
  // Not voided: a tombstone committed just now; the next run dispatches it.
  return (await voidSequence(engine.state, shard, seq, reason)) ? 'voided' : 'pending';
}

export async function sweepShard(sweep: SweepContext, shard: number): Promise<ShardReport> {
  const { engine } = sweep;
  const state = engine.state;
  const watermark = await getWatermark(state, sweep.sweeper, shard);
  const counter = await getShardCounter(state, shard);
  const highest = counter.seq;
  const upper = Math.min(highest, watermark + engine.settings.sweepBatch);
  let dispatched = 0;
  let resent = 0;
  let voided = 0;
  let stoppedAt: number | undefined;
  let oldestPendingAgeSeconds = 0;
  let reached = watermark;
  if (upper > watermark) {
    const page = await engine.docs.query({
      table: engine.state.table,
      keyCondition: {
        expression: 'pk = :pk AND sk BETWEEN :low AND :high',
        values: {
          ':pk': stateKeys.tombstonePartition(shard),
          ':low': stateKeys.tombstoneSeqSortKey(watermark + 1),
          ':high': stateKeys.tombstoneSeqSortKey(upper),
        },
      },
      consistent: true,
    });
    const bySeq = new Map(page.items.map((t) => [Number(t.seq), t]));
    for (let seq = watermark + 1; seq <= upper; seq++) {
      const tombstone = bySeq.get(seq);
      // A missing number is a transaction not yet visible, or a writer that died: wait for it
      // or, past its grace, void it.
      const state = !hasBudget(sweep)
        ? 'pending'
        : !tombstone
          ? await settleGap(sweep, shard, seq, takenBy(page.items, seq, counter.allocatedAt))
          : tombstone.type === VOID_TOMBSTONE_TYPE
            ? 'void'
            : await dispatchState(sweep, tombstone);
      if (state === 'pending') {
        stoppedAt = seq;
        if (tombstone?.deletedAt !== undefined)
          oldestPendingAgeSeconds = secondsBetween(String(tombstone.deletedAt), sweep.now);
        break;
      }
      if (state === 'resent') resent++;
      if (state === 'voided') voided++;
      // A void its writer (or an earlier run) left is passed, and counts as neither.
      else if (state !== 'void') dispatched++;
      reached = seq;
    }
  }
  if (reached > watermark) reachCrashPoint(engine, 'mid-watermark', `shard ${shard}: ${reached}`);
  const advanced =
    reached > watermark &&
    (await advanceWatermark(state, sweep.sweeper, shard, watermark, reached));
  const now = advanced ? reached : watermark;
  return {
    shard,
    watermark: now,
    highest,
    lag: highest - now,
    dispatched,
    resent,
    voided,
    stoppedAt,
    oldestPendingAgeSeconds,
    advanced,
  };
}
