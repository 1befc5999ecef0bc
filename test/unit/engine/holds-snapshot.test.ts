// The process's read of the legal holds: one consistent Query serves every check within
// `maxAgeMs` of when it was sent, checks that come while it is in flight share it, and a
// failed read is not kept.
import { describe, expect, it } from 'vitest';
import { createHoldsSnapshot } from '../../../lib/engine/holds-snapshot.js';
import type { StateContext } from '../../../lib/model/state-context.js';
import type { DocumentStore, Item } from '../../../lib/ports/document-store.js';

/** A state whose holds partition answers with `holds()` and counts the Queries it serves. */
function holdsTable(holds: () => Item[] | Error) {
  const queries: { consistent: boolean | undefined }[] = [];
  const docs = {
    async query(request: { consistent?: boolean }) {
      queries.push({ consistent: request.consistent });
      const answer = holds();
      if (answer instanceof Error) throw answer;
      return { items: answer };
    },
  } as unknown as DocumentStore;
  const state: StateContext = { docs, table: 'state', now: () => new Date() };
  return { state, queries };
}

const HOLD = { holdId: 'entity:user:u1', entity: 'user', id: 'u1', reason: 'audit', placedAt: 'x' };

describe('Function: createHoldsSnapshot', () => {
  it('serves every check within maxAgeMs of the read from that one consistent Query', async () => {
    // Prepare
    let now = 0;
    const { state, queries } = holdsTable(() => [HOLD]);
    const snapshot = createHoldsSnapshot(state, 1000, () => now);

    // Act
    const first = await snapshot.read();
    now = 999;
    const second = await snapshot.read();

    // Assess
    expect(first.map((h) => h.holdId)).toEqual(['entity:user:u1']);
    expect(second).toBe(first);
    expect(queries).toEqual([{ consistent: true }]);
  });

  it('reads again once maxAgeMs have passed since the Query was sent', async () => {
    // Prepare
    let now = 0;
    let answer: Item[] = [];
    const { state, queries } = holdsTable(() => answer);
    const snapshot = createHoldsSnapshot(state, 1000, () => now);
    await snapshot.read();

    // Act
    answer = [HOLD];
    now = 1000;
    const later = await snapshot.read();

    // Assess
    expect(later.map((h) => h.holdId)).toEqual(['entity:user:u1']);
    expect(queries).toHaveLength(2);
  });

  it('gives checks that arrive while the Query is in flight the same answer', async () => {
    // Prepare
    const { state, queries } = holdsTable(() => [HOLD]);
    const snapshot = createHoldsSnapshot(state, 1000, () => 0);

    // Act
    const [a, b, c] = await Promise.all([snapshot.read(), snapshot.read(), snapshot.read()]);

    // Assess
    expect(a).toBe(b);
    expect(b).toBe(c);
    expect(queries).toHaveLength(1);
  });

  it('reads before every check with maxAgeMs 0', async () => {
    const { state, queries } = holdsTable(() => []);
    const snapshot = createHoldsSnapshot(state, 0, () => 0);
    await snapshot.read();
    await snapshot.read();
    expect(queries).toHaveLength(2);
  });

  it('reads again after forget: a hold placed through this engine counts at once', async () => {
    // Prepare
    let answer: Item[] = [];
    const { state, queries } = holdsTable(() => answer);
    const snapshot = createHoldsSnapshot(state, 1000, () => 0);
    await snapshot.read();

    // Act
    answer = [HOLD];
    snapshot.forget();
    const after = await snapshot.read();

    // Assess
    expect(after).toHaveLength(1);
    expect(queries).toHaveLength(2);
  });

  it('keeps no failed read: the check fails and the next one queries again', async () => {
    // Prepare
    let fail = true;
    const { state, queries } = holdsTable(() => (fail ? new Error('throttled') : [HOLD]));
    const snapshot = createHoldsSnapshot(state, 1000, () => 0);

    // Act
    const failed = snapshot.read();
    await expect(failed).rejects.toThrow('throttled');
    fail = false;
    const retried = await snapshot.read();

    // Assess
    expect(retried).toHaveLength(1);
    expect(queries).toHaveLength(2);
  });
});
