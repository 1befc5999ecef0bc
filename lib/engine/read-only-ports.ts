// Re-discovery reads production tables and buckets long after a job: it must never write,
// and must not crowd out the traffic they serve. These wrappers give it ports that refuse
// every write and pace every request to a fixed rate (a token bucket, one second of burst).
import { LetheError } from '../errors.js';
import type { DocumentStore, Key } from '../ports/document-store.js';
import type { ObjectStore } from '../ports/object-store.js';
import { chunk, mapConcurrent, sleep } from '../retry.js';

/** A write attempted through a read-only port: a defect in lethe, never retried. */
export class ReadOnlyViolationError extends LetheError {
  constructor(operation: string) {
    super('READ_ONLY_VIOLATION', `refusing ${operation}: this walk only reads`);
    this.name = 'ReadOnlyViolationError';
  }
}

/** Paces requests to `perSecond` on average, allowing a burst of one second's worth. */
export interface RequestPacer {
  /** Resolves when one more request may be sent. */
  take(): Promise<void>;
  /** Requests let through so far. */
  readonly taken: number;
}

/** The clock a pacer reads and waits on; tests give their own. */
export interface PacerClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: PacerClock = { now: () => Date.now(), sleep };

/** Throws RangeError unless `perSecond` is a positive number. */
export function createRequestPacer(perSecond: number, clock: PacerClock = realClock): RequestPacer {
  if (!(perSecond > 0)) throw new RangeError(`requests per second must be > 0, got ${perSecond}`);
  const interval = 1000 / perSecond;
  const burst = Math.max(1, perSecond);
  // The time at which the bucket is full again: each request pushes it one interval on.
  let fullAt = clock.now();
  let taken = 0;
  return {
    get taken() {
      return taken;
    },
    async take() {
      const at = clock.now();
      fullAt = Math.max(fullAt, at) + interval;
      taken++;
      const wait = fullAt - at - burst * interval;
      if (wait > 0) await clock.sleep(wait);
    },
  };
}

function refuse(operation: string): () => Promise<never> {
  return async () => {
    throw new ReadOnlyViolationError(operation);
  };
}

/** A DocumentStore that only reads (Get, Query, BatchGet), each request paced by `pacer`. */
export function readOnlyDocuments(docs: DocumentStore, pacer: RequestPacer): DocumentStore {
  return {
    async get(table, key, consistent) {
      await pacer.take();
      return docs.get(table, key, consistent);
    },
    async query(spec) {
      await pacer.take();
      return docs.query(spec);
    },
    async batchGet(table, keys, attributes) {
      // BatchGetItem takes 100 keys a request: pace each request, not each call.
      const pages = await mapConcurrent(chunk(keys, 100), 1, async (page: Key[]) => {
        await pacer.take();
        return docs.batchGet(table, page, attributes);
      });
      return pages.flat();
    },
    put: refuse('PutItem'),
    update: refuse('UpdateItem'),
    delete: refuse('DeleteItem'),
    transact: refuse('TransactWriteItems'),
    batchDelete: refuse('BatchWriteItem'),
    batchPut: refuse('BatchWriteItem'),
  };
}

/** An ObjectStore that only reads (list, get, head), each request paced by `pacer`. */
export function readOnlyObjects(objects: ObjectStore, pacer: RequestPacer): ObjectStore {
  return {
    async listPage(bucket, prefix, token, maxKeys) {
      await pacer.take();
      return objects.listPage(bucket, prefix, token, maxKeys);
    },
    async listAfter(bucket, prefix, after, maxKeys) {
      await pacer.take();
      return objects.listAfter(bucket, prefix, after, maxKeys);
    },
    async getText(bucket, key) {
      await pacer.take();
      return objects.getText(bucket, key);
    },
    async exists(bucket, key) {
      await pacer.take();
      return objects.exists(bucket, key);
    },
    async existing(bucket, keys) {
      // One listing per key underneath: pace each, a few in flight.
      const found = new Set<string>();
      await mapConcurrent([...keys], 4, async (key) => {
        await pacer.take();
        for (const k of await objects.existing(bucket, [key])) found.add(k);
      });
      return found;
    },
    async getBytes(bucket, key) {
      await pacer.take();
      return objects.getBytes(bucket, key);
    },
    deleteKeys: refuse('DeleteObjects'),
    deleteVersions: refuse('DeleteObjects'),
    putBytes: refuse('PutObject'),
  };
}
