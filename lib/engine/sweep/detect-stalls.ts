// Stalled jobs: a running job without progress for `stallAfterSeconds` gets its planned
// units re-dispatched once; if it still makes no progress, one DeletionStalled event is
// written to the outbox (and published with the other outbox events). A running job whose
// units are all settled is completed here: its completion write was lost with a message
// that will not come back (dead-lettered, or run by the sweeper's own intent recovery).
// Neither mark stands for what did not happen: a re-dispatch the queue refused is unmarked,
// and the stall mark is written in one transaction with its outbox event.
import { ConditionFailedError } from '../../errors.js';
import { stateIndex, stateKeys } from '../../model/state-keys.js';
import { type PlannedUnit, unitFromItem } from '../../model/units.js';
import { transactIf, updateIf } from '../../model/update-if.js';
import type { Item, TransactItem, UpdateSpec } from '../../ports/document-store.js';
import { dispatchUnits } from '../dispatch-units.js';
import { completeAndPublish } from '../publish-completion.js';
import { parseWorkMessage } from '../work-message.js';
import { hasBudget, idleSeconds, type SweepContext } from './sweep-context.js';

export interface StallReport {
  readonly redispatched: number;
  readonly stalled: number;
  /** Running jobs with every unit settled, completed by the sweeper. */
  readonly completed: number;
}

/**
 * Sets `attribute` on a job not moved since it was read, with `alongside` in the same
 * transaction; false when another sweeper set it first or the job moved on.
 */
async function markJob(
  sweep: SweepContext,
  job: Item,
  attribute: 'redispatchedAt' | 'stalledAt',
  alongside: readonly TransactItem[] = [],
): Promise<boolean> {
  const mark: UpdateSpec = {
    table: sweep.engine.state.table,
    key: stateKeys.job(String(job.jobId)),
    update: {
      expression: `SET ${attribute} = :now`,
      values: { ':now': sweep.now.toISOString(), ':seen': job.updatedAt },
    },
    condition: { expression: `attribute_not_exists(${attribute}) AND updatedAt = :seen` },
  };
  const { docs } = sweep.engine;
  return alongside.length === 0
    ? updateIf(docs, mark)
    : transactIf(docs, [{ kind: 'update', ...mark }, ...alongside]);
}

/** Takes back a re-dispatch mark this run set, when the queue refused the re-dispatch. */
async function unmarkRedispatch(sweep: SweepContext, job: Item): Promise<void> {
  try {
    await sweep.engine.docs.update({
      table: sweep.engine.state.table,
      key: stateKeys.job(String(job.jobId)),
      update: { expression: 'REMOVE redispatchedAt' },
      condition: {
        expression: 'redispatchedAt = :mine',
        values: { ':mine': sweep.now.toISOString() },
      },
    });
  } catch (error) {
    if (!(error instanceof ConditionFailedError)) throw error;
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
      const planned: PlannedUnit[] = units.items.map((item) => {
        const unit = unitFromItem(item);
        return { ...unit, message: parseWorkMessage(unit.body) };
      });
      try {
        await dispatchUnits(engine, planned);
      } catch {
        // Not re-dispatched: the next run tries again, and no stall is reported for a
        // re-dispatch that never happened.
        await unmarkRedispatch(sweep, job);
        sweep.sends.failed++;
        continue;
      }
      report.redispatched++;
      continue;
    }
    if (job.stalledAt || idleSeconds(sweep, redispatchedAt) < engine.settings.stallAfterSeconds)
      continue;
    const event: TransactItem = {
      kind: 'put',
      table: engine.state.table,
      item: {
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
      },
    };
    if (!(await markJob(sweep, job, 'stalledAt', [event]))) continue;
    report.stalled++;
  }
  return report;
}
