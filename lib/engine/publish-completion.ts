// Completes a job when nothing is outstanding and publishes its DeletionCompleted event from
// the outbox item written with the completion; the item goes once the event is out. The
// completing transaction also stores the job's signed receipt, so a consumer of the event
// finds it and the event carries its root; when signing fails then (the key service, a leaf
// part missing), the job completes without it and the receipt is written when its event is
// published, by this caller or by the sweeper's outbox pass, which retries.
import { completeSettledJob, type Job, settledJob } from '../model/jobs.js';
import type { SignedReceipt } from '../model/receipts.js';
import { stateKeys } from '../model/state-keys.js';
import type { LetheEvent } from '../ports/event-bus.js';
import type { EngineContext } from './engine-context.js';
import { type SealedReceipt, sealReceipt, writeReceipt } from './write-receipt.js';

/**
 * Completes job `jobId` if all its units settled, with its receipt, and publishes its event.
 * False when a unit is outstanding or another caller completed it.
 */
export async function completeAndPublish(context: EngineContext, jobId: string): Promise<boolean> {
  const completion = await settledJob(context.state, jobId);
  if (!completion) return false;
  const sealed = await trySeal(context, completion.job);
  const completed = await completeSettledJob(
    context.state,
    completion,
    sealed && { receipt: sealed.summary, items: [sealed.put] },
  );
  if (!completed) return false;
  await publishOutboxEvent(context, jobId, 'DeletionCompleted', completion.detail, {
    receipt: sealed?.signed,
  });
  return true;
}

/** The job's sealed receipt, or undefined without a signer or when sealing failed. */
async function trySeal(context: EngineContext, job: Job): Promise<SealedReceipt | undefined> {
  if (!context.signer) return undefined;
  try {
    return await sealReceipt(context, context.signer, job);
  } catch {
    return undefined;
  }
}

/**
 * Publishes a job's outbox event and removes the item once the bus took it. Before a
 * `DeletionCompleted`, makes sure the job's signed receipt exists (`options.receipt`: the one
 * its completion just stored; else `writeReceipt` finds or writes it), and its root travels in
 * the event.
 */
export async function publishOutboxEvent(
  context: EngineContext,
  jobId: string,
  detailType: LetheEvent['detailType'],
  detail: Record<string, unknown>,
  options: { receipt?: SignedReceipt | undefined } = {},
): Promise<void> {
  const receipt =
    detailType === 'DeletionCompleted'
      ? (options.receipt ?? (await writeReceipt(context, jobId)))
      : undefined;
  await context.events.publish({
    detailType,
    detail: receipt ? { ...detail, receiptRoot: receipt.receipt.root } : detail,
  });
  await context.docs.delete(context.state.table, stateKeys.outboxEvent(jobId, detailType));
}
