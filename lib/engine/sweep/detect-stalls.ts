// Stalled jobs: a running job without progress for `stallAfterSeconds` gets its planned
// units re-dispatched once; if it still makes no progress, one DeletionStalled event is
// written to the outbox (and published with the other outbox events). A running job whose
// units are all settled is completed here: its completion write was lost with a message
// that will not come back (dead-lettered, or run by the sweeper's own intent recovery).
import { ConditionFailedError } from '../../errors.js';
import { stateIndex, stateKeys } from '../../model/state-keys.js';
import type { Item } from '../../ports/document-store.js';
import { completeAndPublish } from '../publish-completion.js';
import { hasBudget, idleSeconds, type SweepContext } from './sweep-context.js';

export interface StallReport {
  readonly redispatched: number;
  readonly stalled: number;
  /** Running jobs with every unit settled, completed by the sweeper. */
  readonly completed: number;
}

async function markJob(
  sweep: SweepContext,
  job: Item,
  attribute: 'redispatchedAt' | 'stalledAt',
): Promise<boolean> {
  try {
    await sweep.engine.docs.update({
      table: sweep.engine.state.table,
      key: stateKeys.job(String(job.jobId)),
      update: {
        expression: `SET ${attribute} = :now`,
        values: { ':now': sweep.now.toISOString(), ':seen': job.updatedAt },
      },
      condition: { expression: `attribute_not_exists(${attribute}) AND updatedAt = :seen` },
    });
    return true;
  } catch (error) {
    if (error instanceof ConditionFailedError) return false;
    throw error;
  }
}

export async function detectStalledJobs(sweep: SweepContext): Promise<StallReport> {
  const { engine } = sweep;
  const report = { redispatched: 0, stalled: 0, completed: 0 };
  const page = await engine.docs.query({
    table: engine.state.table,
    index: stateIndex.name,
    keyCondition: {
      expression: 'gsi1pk = :pk',
      values: { ':pk': stateIndex.jobsByStatus('running') },
    },
    limit: 50,
  });
  for (const job of page.items) {
    if (!hasBudget(sweep)) break;
    const jobId = String(job.jobId);
    if (Number(job.planned) === Number(job.settled)) {
      // Read from the index (eventually consistent); the completion itself re-reads and is conditional.
      if (await completeAndPublish(engine, jobId).catch(() => false)) report.completed++;
      continue;
    }
    const idle = idleSeconds(sweep, String(job.updatedAt));
    if (idle < engine.settings.stallAfterSeconds) continue;
    const redispatchedAt = job.redispatchedAt as string | undefined;
    if (!redispatchedAt) {
      if (!(await markJob(sweep, job, 'redispatchedAt'))) continue;
      const units = await engine.docs.query({
        table: engine.state.table,
        keyCondition: {
          expression: 'pk = :pk AND begins_with(sk, :unit)',
          values: { ':pk': stateKeys.jobPartition(jobId), ':unit': 'UNIT#' },
        },
        filter: {
          expression: '#status = :planned',
          names: { '#status': 'status' },
          values: { ':planned': 'planned' },
        },
        consistent: true,
      });
      await engine.queue.send(
        units.items.map((u) => ({ id: String(u.unitId), body: String(u.body) })),
      );
      report.redispatched++;
      continue;
    }
    if (job.stalledAt || idleSeconds(sweep, redispatchedAt) < engine.settings.stallAfterSeconds)
      continue;
    if (!(await markJob(sweep, job, 'stalledAt'))) continue;
    await engine.docs.put(engine.state.table, {
      ...stateKeys.outboxEvent(jobId, 'DeletionStalled'),
      type: 'outbox-event',
      jobId,
      detailType: 'DeletionStalled',
      detail: {
        jobId,
        entity: job.entity,
        id: job.id,
        planned: job.planned,
        settled: job.settled,
        idleSeconds: idle,
        lastProgressAt: job.updatedAt,
      },
      createdAt: sweep.now.toISOString(),
      gsi1pk: stateIndex.outbox(),
      gsi1sk: `${sweep.now.toISOString()}#${jobId}`,
    });
    report.stalled++;
  }
  return report;
}
