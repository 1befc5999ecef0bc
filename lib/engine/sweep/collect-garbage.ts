// Garbage collection: a job is done with when it has completed and the watermark of every
// shard has passed each of its tombstones. Then its tombstones, lookup items, units, scopes
// and counters get an expiresAt (DynamoDB TTL) of now + the tombstone retention. Until then
// the lookup items keep refusing writes of the deleted ids.

import { stateIndex, stateKeys, TTL_ATTRIBUTE } from '../../model/state-keys.js';
import { updateIf } from '../../model/update-if.js';
import { getWatermark } from '../../model/watermarks.js';
import type { Item } from '../../ports/document-store.js';
import { hasBudget, type SweepContext } from './sweep-context.js';

const JOBS_PER_RUN = 10;

export async function collectGarbage(
  sweep: SweepContext,
): Promise<{ jobs: number; more: boolean }> {
  const { engine } = sweep;
  const state = engine.state;
  const jobs = await engine.docs.query({
    table: state.table,
    index: stateIndex.name,
    keyCondition: {
      expression: 'gsi1pk = :pk',
      values: { ':pk': stateIndex.jobsByStatus('completed') },
    },
    limit: JOBS_PER_RUN,
  });
  const watermarks = new Map<number, number>();
  const watermarkOf = async (shard: number) => {
    const known = watermarks.get(shard);
    if (known !== undefined) return known;
    const seq = await getWatermark(state, sweep.sweeper, shard);
    watermarks.set(shard, seq);
    return seq;
  };
  const expiresAt =
    Math.floor(sweep.now.getTime() / 1000) + engine.settings.tombstoneRetentionDays * 86_400;
  let collected = 0;
  for (const job of jobs.items) {
    if (!hasBudget(sweep)) return { jobs: collected, more: true };
    // Verification on: a job is kept in the completed partition until it was verified, or
    // restored (a restored job is never verified: its items are back on purpose).
    const unverified = job.verification === undefined && job.restoredAt === undefined;
    if (engine.settings.verifyAfterMinutes > 0 && unverified) continue;
    const jobId = String(job.jobId);
    const items: Item[] = [];
    let startKey: Record<string, string | number> | undefined;
    do {
      const page = await engine.docs.query({
        table: state.table,
        keyCondition: { expression: 'pk = :pk', values: { ':pk': stateKeys.jobPartition(jobId) } },
        startKey,
        consistent: true,
      });
      items.push(...page.items);
      startKey = page.lastKey;
    } while (startKey && hasBudget(sweep));
    if (startKey) return { jobs: collected, more: true };
    // A job being restored is left alone until its restore finished: the items below are put
    // back as read, which would undo what the restore's units write meanwhile (its counts and
    // step on the restore record). So is a job with an event still in its outbox: put back
    // after its publisher removed it, the event would be published a second time.
    const busy = (item: Item) =>
      (item.sk === 'RESTORE' && item.status === 'running') || item.type === 'outbox-event';
    if (items.some(busy)) continue;

    const cascades = items.filter((item) => item.type === 'unit' && item.kind === 'cascade');
    const lookups: Item[] = [];
    let passed = true;
    for (const unit of cascades) {
      const message = JSON.parse(String(unit.body)) as { entity: string; id: string };
      const lookup = await engine.docs.get(
        state.table,
        stateKeys.tombstoneLookup(message.entity, message.id),
      );
      if (!lookup || lookup.jobId !== jobId) continue;
      if ((await watermarkOf(Number(lookup.shard))) < Number(lookup.seq)) {
        passed = false;
        break;
      }
      lookups.push(lookup);
    }
    if (!passed) continue;

    const expiring = items.map((item) =>
      item.sk === 'JOB'
        ? { ...item, [TTL_ATTRIBUTE]: expiresAt, gsi1pk: stateIndex.jobsByStatus('expiring') }
        : { ...item, [TTL_ATTRIBUTE]: expiresAt },
    );
    await engine.docs.batchPut(state.table, expiring);
    for (const lookup of lookups) {
      // Only while it still stands and is this job's: a restore may have lifted it since it
      // was read, and a put of the copy read would bring the tombstone back.
      await updateIf(engine.docs, {
        table: state.table,
        key: { pk: String(lookup.pk), sk: String(lookup.sk) },
        update: { expression: `SET ${TTL_ATTRIBUTE} = :at`, values: { ':at': expiresAt } },
        condition: { expression: 'jobId = :job', values: { ':job': jobId } },
      });
      await engine.docs.update({
        table: state.table,
        key: stateKeys.tombstone(Number(lookup.shard), Number(lookup.seq)),
        update: { expression: `SET ${TTL_ATTRIBUTE} = :at`, values: { ':at': expiresAt } },
      });
    }
    collected++;
  }
  return { jobs: collected, more: jobs.lastKey !== undefined };
}
