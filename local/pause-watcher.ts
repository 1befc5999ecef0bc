// Makes the local runtime follow the state-table pause flag, as the AWS switch turns the
// worker's event source mapping and the sweeper's schedule off: `lethe pause` from another
// process stops the worker poller and the sweeper timer within `everyMs` (one GetItem a tick),
// `lethe resume` starts them again. What was applied is written back to the state table only
// when it changes, for `lethe status` and `lethe pause --wait` to read.
import {
  isPaused,
  type LocalRuntimeReport,
  writeLocalRuntimeReport,
} from '../lib/model/control.js';
import type { StateContext } from '../lib/model/state-context.js';
import type { SqsPoller } from './sqs-poller.js';

export interface PauseWatcherOptions {
  readonly state: StateContext;
  readonly worker: SqsPoller;
  /** True while a sweep started by the schedule is running. */
  readonly sweeping: () => boolean;
  /** How often the flag is read; 0 reads it only on `check()`. */
  readonly everyMs?: number;
  readonly onError?: (error: unknown) => void;
}

export interface PauseWatcher {
  /** The flag as last read: the sweeper timer skips its runs while it is set. */
  readonly paused: boolean;
  /** Reads the flag now and applies it (checks run one at a time, in order). */
  check(): Promise<void>;
  stop(): Promise<void>;
}

export function startPauseWatcher(options: PauseWatcherOptions): PauseWatcher {
  const { state, worker } = options;
  let paused = worker.paused;
  let reported = '';
  let queue: Promise<void> = Promise.resolve();
  let pending = 0;

  async function checkOnce(): Promise<void> {
    paused = await isPaused(state, true);
    if (paused) worker.pause();
    else worker.resume();
    const report: Omit<LocalRuntimeReport, 'updatedAt'> = {
      pid: process.pid,
      worker: paused ? (worker.busy > 0 ? 'disabling' : 'disabled') : 'enabled',
      sweeper: paused ? (options.sweeping() ? 'disabling' : 'disabled') : 'enabled',
    };
    const key = `${report.worker}/${report.sweeper}`;
    if (key === reported) return;
    await writeLocalRuntimeReport(state, report);
    reported = key;
  }

  // One check at a time: a read that started before a write cannot undo what a later one saw.
  function check(): Promise<void> {
    pending += 1;
    const run = queue.then(checkOnce).finally(() => {
      pending -= 1;
    });
    queue = run.catch(() => undefined);
    return run;
  }

  const everyMs = options.everyMs ?? 1000;
  const timer =
    everyMs > 0
      ? setInterval(() => {
          // A slow table must not pile ticks up.
          if (pending === 0) check().catch((error: unknown) => options.onError?.(error));
        }, everyMs)
      : undefined;
  timer?.unref();

  return {
    get paused() {
      return paused;
    },
    check,
    async stop() {
      if (timer) clearInterval(timer);
      await queue;
    },
  };
}
