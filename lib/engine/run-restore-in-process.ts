// A restore run to the end in the calling process, for engines with no worker on their queue
// (a unit test's engine, a script): the same units the workers would run — the same code,
// not a second restore — handed to the engine one by one from an in-memory queue instead of
// SQS. A unit that throws is handed back later, as the queue would redeliver it.
import { LetheError } from '../errors.js';
import type { OutgoingMessage, WorkQueue } from '../ports/work-queue.js';
import type { EngineContext } from './engine-context.js';
import { handleWorkMessage } from './handle-work-message.js';
import { type RestoreReport, restoreDeletion, restoreProgress } from './restore-deletion.js';

/** How {@link runRestoreInProcess} hands messages over. */
export interface InProcessRestoreOptions {
  /**
   * Picks the next message from those waiting (in send order) and returns its index; lets a
   * test deliver out of order. @default 0 (first sent, first run)
   */
  readonly pick?: (waiting: readonly string[]) => number;
  /** Hands each message over this many times (duplicates). @default 1 */
  readonly deliveries?: number;
  /** Deliveries that may fail before the run gives up (a bug, not a fault). @default 1000 */
  readonly maxFailures?: number;
}

/**
 * Starts the restore of `jobId` on an engine built on `context`'s state and stores, runs every
 * unit it sends in this process until the restore finished, and returns its report. The
 * messages never reach `context.queue`. Errors a unit throws are retried (the message is
 * handed back after the others); `maxFailures` of them in all end the run with the last one.
 *
 * @throws RestoreRefusedError when the restore is refused
 * @throws LetheError `RESTORE_STUCK` when asking for the current step again moves nothing
 */
export async function runRestoreInProcess(
  context: EngineContext,
  jobId: string,
  options: InProcessRestoreOptions = {},
): Promise<RestoreReport> {
  const waiting: string[] = [];
  const queue: WorkQueue = {
    send: async (messages: readonly OutgoingMessage[]) => {
      for (const m of messages) waiting.push(m.body);
    },
  };
  const local: EngineContext = { ...context, queue };
  await restoreDeletion(local, jobId);
  let failures = 0;
  const maxFailures = options.maxFailures ?? 1000;
  let idleAt: string | undefined;
  for (;;) {
    if (waiting.length === 0) {
      // Nothing in flight and not finished: asking again re-sends the current step's units;
      // a second time with no progress in between means nothing would ever move it.
      const progress = JSON.stringify(await restoreProgress(local, jobId));
      if (progress === idleAt)
        throw new LetheError('RESTORE_STUCK', `the restore of job ${jobId} makes no progress`);
      idleAt = progress;
      const report = await restoreDeletion(local, jobId);
      if (report.status === 'restored') return report;
      continue;
    }
    const at = Math.min(Math.max(0, options.pick?.(waiting) ?? 0), waiting.length - 1);
    const [body] = waiting.splice(at, 1);
    if (body === undefined) continue;
    for (let i = 0; i < (options.deliveries ?? 1); i++) {
      try {
        await handleWorkMessage(local, body);
      } catch (error) {
        failures++;
        if (failures >= maxFailures) throw error;
        waiting.push(body);
      }
    }
  }
}
