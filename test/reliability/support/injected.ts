// What an injected fault looks like once it comes back as an error, and the "process" a crash
// kills. Injected errors carry a mark (also through `cause`), so every error a handler saw can
// be told apart: a fault the plan injected, or something the product did on its own.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { CrashPoint } from '../../../lib/engine/engine-context.js';
import { LetheError } from '../../../lib/errors.js';

const INJECTED = Symbol.for('lethe.reliability.injected');

export function markInjected<E extends Error>(error: E, kind: string): E {
  Object.defineProperty(error, INJECTED, { value: kind, enumerable: false });
  return error;
}

/** A process crash at a named point: the invocation dies, nothing after the point runs. */
export class InjectedCrash extends Error {
  readonly point: CrashPoint;
  /** True when the process had already died at another point (not a fault of its own). */
  readonly aftershock: boolean;

  constructor(point: CrashPoint, detail: string, aftershock = false) {
    super(`injected crash at ${point}${aftershock ? ' (process already dead)' : ''}: ${detail}`);
    this.name = 'InjectedCrash';
    this.point = point;
    this.aftershock = aftershock;
    markInjected(this, `crash.${point}`);
    const store = invocations.getStore();
    if (store) store.crashed = true;
  }
}

/**
 * What explains an error a handler saw: the injected fault in its cause chain; or, for the
 * errors the product raises once injected faults outlast its own retries, their fault kind;
 * or `contention` for a transaction DynamoDB cancelled on its own (a retryable conflict).
 * Undefined when nothing explains it.
 */
export function explainError(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 8; depth++) {
    const kind = (current as { [INJECTED]?: string })[INJECTED];
    if (kind) return kind;
    current = (current as { cause?: unknown }).cause;
  }
  if (error instanceof LetheError) {
    if (error.code === 'UNPROCESSED_ITEMS') return 'dynamodb.unprocessed';
    if (error.code === 'SEND_FAILED') return 'sqs.partialBatch';
    if (error.code === 'TRANSACTION_CANCELLED' && error.retryable) return 'contention';
    // A restore unit delivered before its step came (out of order, or a step held up by a
    // fault): the queue brings it back.
    if (error.code === 'RESTORE_STEP_NOT_REACHED') return 'restore step not reached';
  }
  return undefined;
}

interface Invocation {
  crashed: boolean;
}

const invocations = new AsyncLocalStorage<Invocation>();

/** Runs one handler invocation as one "process": a crash anywhere in it kills all of it. */
export async function runInvocation<T>(fn: () => Promise<T>): Promise<{
  result?: T;
  error?: unknown;
  crashed: boolean;
}> {
  const store: Invocation = { crashed: false };
  return invocations.run(store, async () => {
    try {
      const result = await fn();
      return { result, crashed: store.crashed };
    } catch (error) {
      return { error, crashed: store.crashed };
    }
  });
}

/** True inside an invocation whose process crashed. */
export function processCrashed(): boolean {
  return invocations.getStore()?.crashed ?? false;
}
