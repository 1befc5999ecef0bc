// Recovery of the outbox and of interrupted work: planned units that were never settled
// long after they were planned (their message was lost, or their worker died) are sent
// again, a few times at most (only sends the queue accepted count); intents left behind by an interrupted unit are finished by
// running that unit again, which picks the intent up.
import { PENDING_BUCKETS, stateIndex, stateKeys } from '../../model/state-keys.js';
import { handleWorkMessage } from '../handle-work-message.js';
import { claimAndResend } from './resend-unit.js';
import { hasBudget, idleSeconds, type SweepContext } from './sweep-context.js';

/**
 * Items of one gsi1 partition whose sort key (a time first) is older than `seconds`; none
 * while the pipeline has run for less than that since its last resume.
 */
async function olderThan(sweep: SweepContext, partition: string, seconds: number, limit: number) {
  const cutoff = new Date(sweep.now.getTime() - seconds * 1000).toISOString();
  // Nothing has waited that long while the pipeline has run for less since its last resume.
  if (idleSeconds(sweep, cutoff) < seconds) return [];
  const page = await sweep.engine.docs.query({
    table: sweep.engine.state.table,
    index: stateIndex.name,
    keyCondition: {
      expression: 'gsi1pk = :pk AND gsi1sk < :cutoff',
      values: { ':pk': partition, ':cutoff': cutoff },
    },
    limit,
  });
  return page.items;
}

export async function resendStaleUnits(sweep: SweepContext): Promise<number> {
  const { engine } = sweep;
  let resent = 0;
  for (let bucket = 0; bucket < PENDING_BUCKETS && hasBudget(sweep); bucket++) {
    const units = await olderThan(
      sweep,
      stateIndex.pendingUnits(bucket),
      engine.settings.resendAfterSeconds,
      Math.max(1, Math.min(100, sweep.meter.budget - sweep.meter.itemsRead)),
    );
    for (const unit of units) {
      if (!hasBudget(sweep)) break;
      if (Number(unit.resends ?? 0) >= engine.settings.maxResends) continue;
      const outcome = await claimAndResend(engine, unit, sweep.now);
      if (outcome === 'sent') resent++;
      if (outcome === 'failed') {
        // The queue refuses: the next run tries again, with nothing spent or marked sent.
        sweep.sends.failed++;
        return resent;
      }
    }
  }
  return resent;
}

export async function finishStaleIntents(sweep: SweepContext): Promise<number> {
  const { engine } = sweep;
  let finished = 0;
  for (let bucket = 0; bucket < PENDING_BUCKETS && hasBudget(sweep); bucket++) {
    const intents = await olderThan(
      sweep,
      stateIndex.intents(bucket),
      engine.settings.intentRecoveryAfterSeconds,
      25,
    );
    for (const intent of intents) {
      if (!hasBudget(sweep)) break;
      const unit = await engine.docs.get(
        engine.state.table,
        stateKeys.unit(String(intent.jobId), String(intent.unitId)),
      );
      if (!unit || (unit.status !== 'planned' && unit.status !== 'waiting')) {
        // Settled as failed with its intent kept for the operator: leave it.
        continue;
      }
      try {
        await handleWorkMessage(engine, String(unit.body));
        finished++;
      } catch {
        // Still failing: the unit's own retries, the DLQ and the stall report take it from here.
      }
    }
  }
  return finished;
}
