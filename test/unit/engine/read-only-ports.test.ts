import { describe, expect, it } from 'vitest';
import {
  createRequestPacer,
  type PacerClock,
  ReadOnlyViolationError,
  readOnlyDocuments,
  readOnlyObjects,
} from '../../../lib/engine/read-only-ports.js';
import type { DocumentStore } from '../../../lib/ports/document-store.js';
import type { ObjectStore } from '../../../lib/ports/object-store.js';

/** A clock that only moves when the pacer waits, and records each wait. */
function fakeClock(): PacerClock & { waits: number[] } {
  let time = 0;
  const waits: number[] = [];
  return {
    waits,
    now: () => time,
    async sleep(ms) {
      waits.push(ms);
      time += ms;
    },
  };
}

const unused = async () => {
  throw new Error('the wrapped store is not to be called');
};

describe('Function: createRequestPacer', () => {
  it('lets one second’s worth of requests through at once, then spaces the rest evenly', async () => {
    // Prepare
    const clock = fakeClock();
    const pacer = createRequestPacer(4, clock);

    // Act
    for (let i = 0; i < 6; i++) await pacer.take();

    // Assess
    expect(clock.waits).toEqual([250, 250]);
    expect(pacer.taken).toBe(6);
  });

  it('throws for a rate that is not positive', () => {
    expect(() => createRequestPacer(0)).toThrow(RangeError);
  });
});

describe('Function: readOnlyDocuments', () => {
  it('refuses every write without calling the store', async () => {
    // Prepare
    const store = {
      get: unused,
      put: unused,
      update: unused,
      delete: unused,
      query: unused,
      transact: unused,
      batchGet: unused,
      batchDelete: unused,
      batchPut: unused,
    } as DocumentStore;
    const docs = readOnlyDocuments(store, createRequestPacer(100, fakeClock()));

    // Act
    const refused = await Promise.all([
      docs.put('t', { pk: 'a' }).then(undefined, (e: unknown) => e),
      docs
        .update({ table: 't', key: { pk: 'a' }, update: { expression: 'SET a = :a' } })
        .then(undefined, (e: unknown) => e),
      docs.delete('t', { pk: 'a' }).then(undefined, (e: unknown) => e),
      docs.transact([]).then(undefined, (e: unknown) => e),
      docs.batchDelete('t', [{ pk: 'a' }]).then(undefined, (e: unknown) => e),
      docs.batchPut('t', [{ pk: 'a' }]).then(undefined, (e: unknown) => e),
    ]);

    // Assess
    for (const error of refused) expect(error).toBeInstanceOf(ReadOnlyViolationError);
  });

  it('paces a BatchGetItem of 250 keys as three requests', async () => {
    // Prepare
    const store = { batchGet: async () => [] } as unknown as DocumentStore;
    const pacer = createRequestPacer(100, fakeClock());
    const docs = readOnlyDocuments(store, pacer);

    // Act
    await docs.batchGet(
      't',
      Array.from({ length: 250 }, (_, i) => ({ pk: `k${i}` })),
    );

    // Assess
    expect(pacer.taken).toBe(3);
  });
});

describe('Function: readOnlyObjects', () => {
  it('refuses DeleteObjects and paces each key an existence check lists', async () => {
    // Prepare
    const store = {
      existing: async (_bucket: string, keys: readonly string[]) => new Set(keys.slice(0, 1)),
      deleteKeys: unused,
    } as unknown as ObjectStore;
    const pacer = createRequestPacer(100, fakeClock());
    const objects = readOnlyObjects(store, pacer);

    // Act
    const found = await objects.existing('b', ['a', 'b', 'c']);
    const refused = await objects.deleteKeys('b', ['a']).then(undefined, (e: unknown) => e);

    // Assess
    expect([...found].sort()).toEqual(['a', 'b', 'c']);
    expect(pacer.taken).toBe(3);
    expect(refused).toBeInstanceOf(ReadOnlyViolationError);
  });
});
