// A bounded pool for pipelined runners: a lister submits work as pages arrive and waits only
// when `limit` tasks are already in flight, so listing overlaps deleting.

export interface TaskPool {
  /** Waits for a free slot, then starts `task`; rethrows the first failure seen so far. */
  submit(task: () => Promise<void>): Promise<void>;
  /** Waits for everything in flight; rethrows the first failure. */
  drain(): Promise<void>;
}

export function createTaskPool(limit: number): TaskPool {
  if (!(Number.isInteger(limit) && limit > 0)) throw new RangeError(`bad pool size ${limit}`);
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;

  const rethrow = () => {
    if (failure) throw failure.error;
  };

  return {
    async submit(task) {
      rethrow();
      while (inFlight.size >= limit) {
        await Promise.race(inFlight);
        rethrow();
      }
      const running: Promise<void> = task()
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(() => inFlight.delete(running));
      inFlight.add(running);
    },
    async drain() {
      while (inFlight.size > 0) await Promise.race(inFlight);
      rethrow();
    },
  };
}
