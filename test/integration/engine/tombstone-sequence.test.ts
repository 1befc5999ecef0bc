// Issue #21: tombstone sequence numbers come from an atomic counter, so a burst of deletions
// on one shard never fights for it; every number taken ends as a tombstone or a void.
import { describe, expect, it } from 'vitest';
import { pipelineOverview } from '../../../lib/engine/pipeline-overview.js';
import type { StateContext } from '../../../lib/model/state-context.js';
import { stateKeys } from '../../../lib/model/state-keys.js';
import {
  getShardCounter,
  VOID_TOMBSTONE_TYPE,
  voidSequence,
  writeTombstone,
} from '../../../lib/model/tombstones.js';
import type { DocumentStore } from '../../../lib/ports/document-store.js';
import { createPipelineHarness } from '../support/pipeline-harness.js';

/** The state context with every document-store call counted by method. */
function counted(state: StateContext) {
  const calls: Record<string, number> = {};
  const docs = new Proxy(state.docs, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls[String(name)] = (calls[String(name)] ?? 0) + 1;
        return value.apply(target, args);
      };
    },
  }) as DocumentStore;
  return { state: { ...state, docs }, calls };
}

/** What stands at each number 1…counter of shard 0: 'tombstone', 'void' or 'nothing'. */
async function numbersOf(state: StateContext) {
  const counter = await getShardCounter(state, 0);
  const standing = [];
  for (let seq = 1; seq <= counter.seq; seq++) {
    const item = await state.docs.get(state.table, stateKeys.tombstone(0, seq), true);
    standing.push(
      item === undefined ? 'nothing' : item.type === VOID_TOMBSTONE_TYPE ? 'void' : 'tombstone',
    );
  }
  return standing;
}

describe('Tombstone sequence numbers', () => {
  it('gives 40 deletions at once on one shard 40 numbers, one counter update and one transaction each', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('seq-burst', { settings: { shards: 1 } });
    const { state, calls } = counted(pipeline.engine.context.state);

    // Act
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        writeTombstone(state, {
          entity: 'artifact',
          id: `a-${i}`,
          jobId: `job-${i}`,
          shards: 1,
          root: true,
        }),
      ),
    );

    // Assess
    const seqs = results.map((r) => (r.created ? r.seq : 0)).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(calls).toEqual({ get: 40, update: 40, transact: 40 });
    expect(await numbersOf(state)).toEqual(Array(40).fill('tombstone'));
  });

  it('has the losers of a race for one entity void the numbers they took', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('seq-race', { settings: { shards: 1 } });
    const state = pipeline.engine.context.state;

    // Act
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        writeTombstone(state, {
          entity: 'project',
          id: 'p-raced',
          jobId: `job-${i}`,
          shards: 1,
          root: true,
        }),
      ),
    );

    // Assess
    const winners = results.filter((r) => r.created);
    expect(winners).toHaveLength(1);
    const losers = results.filter((r) => !r.created);
    for (const loser of losers)
      expect(loser).toMatchObject({ existing: { entity: 'project', id: 'p-raced' } });
    const standing = await numbersOf(state);
    expect(standing.filter((s) => s === 'tombstone')).toHaveLength(1);
    expect(standing).not.toContain('nothing');
  });

  it('lets the sweeper pass the numbers that the losers of a race voided, at once', async () => {
    // Prepare: eight requests for one project at once; one job, seven voided numbers.
    const pipeline = await createPipelineHarness('seq-sweep', { settings: { shards: 1 } });
    const requested = await Promise.all(
      Array.from({ length: 8 }, () =>
        pipeline.engine.requestDeletion({ entity: 'project', id: 'p-raced' }),
      ),
    );
    const [job] = requested.filter((r) => r.created);
    await pipeline.run(job?.jobId ?? '');

    // Act
    const report = await pipeline.engine.sweep();

    // Assess: no grace waited for; the voids count as neither dispatched nor voided by this run.
    expect(requested.filter((r) => r.created)).toHaveLength(1);
    const counter = await getShardCounter(pipeline.engine.context.state, 0);
    expect(report.shards[0]).toMatchObject({
      watermark: counter.seq,
      lag: 0,
      dispatched: 1,
      voided: 0,
    });
  });

  it('takes another number when the one it took was voided first', async () => {
    // Prepare: number 1 voided before anyone wrote it (as the sweeper does once its grace is over).
    const pipeline = await createPipelineHarness('seq-voided', { settings: { shards: 1 } });
    const state = pipeline.engine.context.state;
    expect(await voidSequence(state, 0, 1, 'test: voided ahead of its writer')).toBe(true);

    // Act
    const result = await writeTombstone(state, {
      entity: 'artifact',
      id: 'a-late',
      jobId: 'job-late',
      shards: 1,
      root: true,
    });

    // Assess
    expect(result).toEqual({ created: true, shard: 0, seq: 2 });
    expect(await numbersOf(state)).toEqual(['void', 'tombstone']);
    expect(await voidSequence(state, 0, 2, 'test: too late')).toBe(false);
  });

  it('commits a tombstone the caller expects new without reading first, and finds a standing one after voiding the number it took', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('seq-expect-new', { settings: { shards: 1 } });
    const { state, calls } = counted(pipeline.engine.context.state);
    const input = { entity: 'artifact', id: 'a-1', shards: 1, root: true, expectNew: true };

    // Act
    const first = await writeTombstone(state, { ...input, jobId: 'job-1' });
    const firstCalls = { ...calls };
    const again = await writeTombstone(state, { ...input, jobId: 'job-2' });

    // Assess: the first is one update and one transaction; the duplicate finds job-1's.
    expect(first).toEqual({ created: true, shard: 0, seq: 1 });
    expect(firstCalls).toEqual({ update: 1, transact: 1 });
    expect(again).toMatchObject({ created: false, existing: { jobId: 'job-1', seq: 1 } });
    expect(await numbersOf(pipeline.engine.context.state)).toEqual(['tombstone', 'void']);
  });

  it('counts a void the sweeper has not passed yet as pending in the pipeline overview, aged from its voiding', async () => {
    // Prepare: number 1 voided, number 2 a tombstone; no sweeper ran.
    const pipeline = await createPipelineHarness('seq-overview', { settings: { shards: 1 } });
    const state = pipeline.engine.context.state;
    await voidSequence(state, 0, 1, 'test: its writer gave up');
    await writeTombstone(state, {
      entity: 'artifact',
      id: 'a-2',
      jobId: 'job-2',
      shards: 1,
      root: true,
    });
    const voided = await state.docs.get(state.table, stateKeys.tombstone(0, 1), true);

    // Act
    const overview = await pipelineOverview({ state, shards: 1 });

    // Assess
    expect(overview.sweeper.lag).toBe(2);
    expect(overview.sweeper.oldestPendingTombstoneAt).toBe(voided?.voidedAt);
  });
});
