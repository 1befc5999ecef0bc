import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createDynamoDbStreamReader } from '../../../lib/adapters/dynamodb-stream-reader.js';
import { enableStreams, provisionResources } from '../../../lib/adapters/provision-resources.js';
import { createEngine } from '../../../lib/engine/create-engine.js';
import { TombstonedError } from '../../../lib/engine/guarded-put.js';
import type { SweepReport } from '../../../lib/engine/sweep/sweep.js';
import { setPaused } from '../../../lib/model/control.js';
import { totalOf } from '../../../lib/model/counters.js';
import { stateKeys } from '../../../lib/model/state-keys.js';
import { writeTombstone } from '../../../lib/model/tombstones.js';
import { getWatermark } from '../../../lib/model/watermarks.js';
import { sleep } from '../../../lib/retry.js';
import { SMALL_SIZE } from '../../../local/example-dataset.js';
import { stateTablePlan } from '../../../local/local-resource-plan.js';
import { startStreamPoller } from '../../../local/stream-poller.js';
import { createPipelineHarness, type PipelineHarness } from '../support/pipeline-harness.js';

const minutesFromNow = (m: number) => new Date(Date.now() + m * 60_000);

/** Requests deletions whose first message is lost: tombstone, job and unit commit, the send does not happen. */
async function lostRequests(pipeline: PipelineHarness, entity: string, ids: string[]) {
  const silent = pipeline.silentEngine();
  const requested = [];
  for (const id of ids) requested.push(await silent.requestDeletion({ entity, id }));
  return requested;
}

async function queuedMessages(pipeline: PipelineHarness): Promise<number> {
  const depth = await pipeline.consumer.depth(pipeline.workQueueUrl);
  return depth.visible + depth.inFlight + depth.delayed;
}

describe('Sweeper: tombstone watermarks', () => {
  it('dispatches a tombstone whose first message was lost, then advances the watermark', async () => {
    const pipeline = await createPipelineHarness('lost', { settings: { shards: 1 } });
    await pipeline.seed({ ...SMALL_SIZE, projects: 1 });
    const [request] = await lostRequests(pipeline, 'organization', ['acme']);
    expect(await queuedMessages(pipeline)).toBe(0);

    const report = await pipeline.engine.sweep({ now: minutesFromNow(10) });

    expect(report.shards[0]?.resent).toBe(1);
    expect(report.shards[0]?.watermark).toBe(1);
    const job = await pipeline.run(request?.jobId ?? '');
    expect(job.outcome).toBe('deleted');
  });

  it('advances over a range whose tombstones are all dispatched, and stays put on an empty one', async () => {
    const pipeline = await createPipelineHarness('range', { settings: { shards: 1 } });
    const requests = await Promise.all(
      ['a1', 'a2', 'a3'].map((id) => pipeline.engine.requestDeletion({ entity: 'artifact', id })),
    );
    for (const r of requests) await pipeline.run(r.jobId);

    const first = await pipeline.engine.sweep();
    const second = await pipeline.engine.sweep();

    expect(first.shards[0]).toMatchObject({ watermark: 3, advanced: true, lag: 0, resent: 0 });
    expect(second.shards[0]).toMatchObject({ watermark: 3, advanced: false, lag: 0 });
  });

  it('never advances past a tombstone whose dispatch did not happen', async () => {
    const pipeline = await createPipelineHarness('stuck', { settings: { shards: 1 } });
    const done = await pipeline.engine.requestDeletion({ entity: 'artifact', id: 'a1' });
    await pipeline.run(done.jobId);
    // A child tombstone whose cascade unit was never planned (its rows unit died before committing).
    await writeTombstone(pipeline.engine.context.state, {
      entity: 'project',
      id: 'p-orphan',
      jobId: 'j-gone',
      shards: 1,
      root: false,
    });
    const after = await pipeline.engine.requestDeletion({ entity: 'artifact', id: 'a3' });
    await pipeline.run(after.jobId);

    const report = await pipeline.engine.sweep({ now: minutesFromNow(10) });

    expect(report.shards[0]).toMatchObject({ watermark: 1, stoppedAt: 2, highest: 3, lag: 2 });
    expect(report.oldestPendingTombstoneAgeSeconds).toBeGreaterThanOrEqual(590);
  });

  it('voids a number whose writer died after taking it, once its grace is over, and passes it', async () => {
    // Prepare: a1 and a3 deleted and done; number 2 taken by a writer that died before writing it.
    const pipeline = await createPipelineHarness('gap', {
      settings: { shards: 1, tombstoneGapGraceSeconds: 60 },
    });
    const state = pipeline.engine.context.state;
    const first = await pipeline.engine.requestDeletion({ entity: 'artifact', id: 'a1' });
    await pipeline.run(first.jobId);
    await state.docs.update({
      table: state.table,
      key: stateKeys.shardCounter(0),
      update: {
        expression: 'SET allocatedAt = :now ADD seq :one',
        values: { ':now': new Date().toISOString(), ':one': 1 },
      },
    });
    const after = await pipeline.engine.requestDeletion({ entity: 'artifact', id: 'a3' });
    await pipeline.run(after.jobId);

    // Act
    const within = await pipeline.engine.sweep();
    const past = await pipeline.engine.sweep({ now: minutesFromNow(2) });

    // Assess
    expect(within.shards[0]).toMatchObject({ watermark: 1, stoppedAt: 2, voided: 0, lag: 2 });
    expect(past.shards[0]).toMatchObject({ watermark: 3, voided: 1, dispatched: 1, lag: 0 });
    expect(await state.docs.get(state.table, stateKeys.tombstone(0, 2))).toMatchObject({
      type: 'tombstone-void',
    });
    // A writer of number 2 that comes back now takes another number and is swept like any.
    const late = await pipeline.engine.requestDeletion({ entity: 'artifact', id: 'a-late' });
    await pipeline.run(late.jobId);
    expect((await pipeline.engine.sweep()).shards[0]).toMatchObject({ watermark: 4, lag: 0 });
  });

  it('does not advance past a tombstone whose re-send fails', async () => {
    const pipeline = await createPipelineHarness('sendfail', { settings: { shards: 1 } });
    await lostRequests(pipeline, 'artifact', ['a1']);
    const failing = createEngine({
      graph: pipeline.graph,
      settings: pipeline.settings,
      documents: pipeline.engine.context.docs,
      objects: pipeline.engine.context.objects,
      events: pipeline.events,
      queue: {
        send: async () => {
          throw new Error('SQS unavailable');
        },
      },
    });
    const report = await failing.sweep({ now: minutesFromNow(10) });
    expect(report.shards[0]).toMatchObject({ watermark: 0, stoppedAt: 1, advanced: false });
  });

  it('keeps its watermark when it crashes mid-advance; the next run advances it and re-sends nothing', async () => {
    let crashes = 0;
    const pipeline = await createPipelineHarness('midwm', {
      settings: { shards: 1 },
      crashPoint: (point) => {
        if (point === 'mid-watermark' && crashes === 0) {
          crashes++;
          throw new Error('crash during the watermark advance');
        }
      },
    });
    await lostRequests(pipeline, 'artifact', ['a1', 'a2']);
    const now = minutesFromNow(10);

    const crashed = await pipeline.engine.sweep({ now }).catch((error: unknown) => error);
    const watermarkAfterCrash = await getWatermark(pipeline.engine.context.state, 'main', 0);
    const queuedAfterCrash = await queuedMessages(pipeline);
    const report = await pipeline.engine.sweep({ now });

    expect(crashed).toBeInstanceOf(Error);
    expect(watermarkAfterCrash).toBe(0);
    expect(queuedAfterCrash).toBe(2);
    expect(report.shards[0]).toMatchObject({ watermark: 2, advanced: true, resent: 0 });
    expect(report.unitsResent).toBe(0);
    expect(await queuedMessages(pipeline)).toBe(2);
  });

  it('two sweepers at once neither skip nor double-dispatch', async () => {
    const pipeline = await createPipelineHarness('twosweep', { settings: { shards: 2 } });
    const ids = Array.from({ length: 20 }, (_, i) => `a-${i}`);
    await lostRequests(pipeline, 'artifact', ids);
    const now = minutesFromNow(10);

    const [a, b] = await Promise.all([
      pipeline.engine.sweep({ now }),
      pipeline.engine.sweep({ now }),
    ]);

    const resent = [...(a?.shards ?? []), ...(b?.shards ?? [])].reduce(
      (sum, s) => sum + s.resent,
      0,
    );
    expect(resent + (a?.unitsResent ?? 0) + (b?.unitsResent ?? 0)).toBe(20);
    expect(await queuedMessages(pipeline)).toBe(20);
    const final = await pipeline.engine.sweep({ now });
    expect(final.lag).toBe(0);
    expect(final.shards.reduce((sum, s) => sum + s.watermark, 0)).toBe(20);
  });
});

describe('Sweeper: row after tombstone', () => {
  it('deletes a child written with a plain PutItem after its parent’s job completed', async () => {
    const pipeline = await createPipelineHarness('rowafter');
    const artifacts = pipeline.graph.tables.artifacts?.name ?? '';
    await enableStreams(pipeline.clients, [artifacts]);
    const reader = createDynamoDbStreamReader(pipeline.clients);
    const poller = await startStreamPoller({
      reader,
      tables: [artifacts],
      region: pipeline.clients.region,
      onError: (error) => console.error('stream handler failed', error),
      handler: async (records) => {
        for (const record of records) {
          const image = record.dynamodb?.NewImage;
          if (!image) continue;
          await pipeline.engine.catchRowAfterTombstone('artifact', {
            artifactId: image.artifactId?.S,
            projectId: image.projectId?.S,
          });
        }
        return undefined;
      },
    });
    try {
      const { jobId } = await pipeline.engine.requestDeletion({ entity: 'project', id: 'p-gone' });
      expect((await pipeline.run(jobId)).status).toBe('completed');

      await pipeline.clients.documents.send(
        new PutCommand({ TableName: artifacts, Item: { artifactId: 'late', projectId: 'p-gone' } }),
      );
      let lateJob: string | undefined;
      for (let i = 0; i < 100 && !lateJob; i++) {
        lateJob = (await pipeline.engine.getTombstone('artifact', 'late'))?.jobId;
        await sleep(100);
      }
      expect(lateJob).toBeDefined();
      await pipeline.run(lateJob ?? '');
      expect(
        await pipeline.engine.context.docs.get(artifacts, { artifactId: 'late' }),
      ).toBeUndefined();
    } finally {
      await poller.stop();
    }
  });
});

describe('Sweeper: recovery', () => {
  it('re-dispatches a stalled job once, then reports DeletionStalled', async () => {
    const pipeline = await createPipelineHarness('stall', {
      settings: { maxResends: 0, stallAfterSeconds: 600 },
    });
    const [request] = await lostRequests(pipeline, 'artifact', ['a-stalled']);

    const first = await pipeline.engine.sweep({ now: minutesFromNow(11) });
    const second = await pipeline.engine.sweep({ now: minutesFromNow(23) });
    const third = await pipeline.engine.sweep({ now: minutesFromNow(40) });

    expect(first.jobsRedispatched).toBe(1);
    expect(await queuedMessages(pipeline)).toBe(1);
    expect(second.jobsStalled).toBe(1);
    expect(third.jobsStalled).toBe(0);
    const stalled = pipeline.events.events.filter((e) => e.detailType === 'DeletionStalled');
    expect(stalled).toHaveLength(1);
    expect(stalled[0]?.detail.jobId).toBe(request?.jobId);
  });

  it('finishes an intent left by a unit that crashed after deleting its rows', async () => {
    let crash = true;
    const pipeline = await createPipelineHarness('intent', {
      crashPoint: (point) => {
        if (point === 'after-rows' && crash) throw new Error('crash after rows');
      },
    });
    const dataset = await pipeline.seed({ ...SMALL_SIZE, projects: 1 });
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'acme' });
    // Run until the first crash, then stop the workers: the intent is left behind.
    const runner = pipeline.run(jobId, { timeoutMs: 8_000 }).catch(() => undefined);
    await runner;
    crash = false;

    const report = await pipeline.engine.sweep({ now: minutesFromNow(10) });
    const job = await pipeline.run(jobId);

    expect(report.intentsFinished).toBeGreaterThanOrEqual(1);
    expect((await pipeline.verify(dataset)).checks.filter((c) => !c.ok)).toEqual([]);
    expect(totalOf(job.counts, 'rowsDeleted')).toBe(dataset.expected.rowsDeleted);
    expect(totalOf(job.counts, 'objectsDeleted')).toBe(dataset.expected.objectsDeleted);
  });
});

describe('Sweeper: retention policies', () => {
  it('requests deletion of entities older than their retention, found through the time index', async () => {
    const pipeline = await createPipelineHarness('retention');
    const artifacts = pipeline.graph.tables.artifacts?.name ?? '';
    const old = new Date(Date.now() - 200 * 86_400_000).toISOString();
    const fresh = new Date().toISOString();
    const rows = [
      ...Array.from({ length: 5 }, (_, i) => ({
        artifactId: `old-${i}`,
        projectId: 'p1',
        retentionClass: 'standard',
        createdAt: old,
      })),
      ...Array.from({ length: 3 }, (_, i) => ({
        artifactId: `new-${i}`,
        projectId: 'p1',
        retentionClass: 'standard',
        createdAt: fresh,
      })),
    ];
    await pipeline.engine.context.docs.batchPut(artifacts, rows);

    const report = await pipeline.engine.sweep();
    for (let i = 0; i < 5; i++) {
      const tombstone = await pipeline.engine.getTombstone('artifact', `old-${i}`);
      await pipeline.run(tombstone?.jobId ?? '');
    }

    expect(report.retentionRequested).toBe(5);
    for (let i = 0; i < 5; i++)
      expect(
        await pipeline.engine.context.docs.get(artifacts, { artifactId: `old-${i}` }),
      ).toBeUndefined();
    for (let i = 0; i < 3; i++)
      expect(
        await pipeline.engine.context.docs.get(artifacts, { artifactId: `new-${i}` }),
      ).toBeDefined();
  });
});

describe('Sweeper: garbage collection', () => {
  it('gives a done-with job and its tombstones a TTL, and keeps refusing writes until then', async () => {
    const pipeline = await createPipelineHarness('gc', {
      settings: { shards: 1, tombstoneRetentionDays: 30 },
    });
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'project', id: 'p-gc' });
    await pipeline.run(jobId);

    const report = await pipeline.engine.sweep();

    const state = pipeline.engine.context.state;
    const lookup = await state.docs.get(state.table, stateKeys.tombstoneLookup('project', 'p-gc'));
    const tombstone = await state.docs.get(state.table, stateKeys.tombstone(0, 1));
    const job = await state.docs.get(state.table, stateKeys.job(jobId));
    const in30Days = Date.now() / 1000 + 30 * 86_400;
    expect(report.jobsCollected).toBe(1);
    expect(Number(lookup?.expiresAt)).toBeGreaterThan(in30Days - 120);
    expect(Number(tombstone?.expiresAt)).toBeGreaterThan(in30Days - 120);
    expect(Number(job?.expiresAt)).toBeGreaterThan(in30Days - 120);
    await expect(
      pipeline.engine.guardedPut('project', { projectId: 'p-gc', orgId: 'o' }),
    ).rejects.toBeInstanceOf(TombstonedError);
    expect((await pipeline.engine.sweep()).jobsCollected).toBe(0);
  });
});

describe('Sweeper: bounded work', () => {
  async function completedTombstones(count: number) {
    const pipeline = await createPipelineHarness(`flat${count}`, { settings: { shards: 1 } });
    const settings = {
      ...pipeline.settings,
      stateTableName: `${pipeline.settings.stateTableName}-flat`,
    };
    // A state table without a stream: DynamoDB Local slows down with every stream record it
    // keeps, and 100,000 of them would measure only that. The sweeper never reads the stream.
    await provisionResources(pipeline.clients, {
      tables: [{ ...stateTablePlan(settings), stream: false }],
      queues: [],
      buckets: [],
    });
    const engine = pipeline.silentEngine({ stateTableName: settings.stateTableName });
    const state = engine.context.state;
    const items = Array.from({ length: count }, (_, i) => ({
      ...stateKeys.tombstone(0, i + 1),
      type: 'tombstone',
      entity: 'artifact',
      id: `a-${i}`,
      seq: i + 1,
      shard: 0,
      jobId: `job-${i}`,
      deletedAt: '2026-01-01T00:00:00.000Z',
    }));
    await state.docs.batchPut(state.table, [
      ...items,
      { ...stateKeys.shardCounter(0), seq: count },
      { ...stateKeys.watermark('main', 0), seq: count },
    ]);
    return { engine };
  }

  it('reads the same number of items with 1,000 and with 100,000 completed tombstones', async () => {
    const small = await completedTombstones(1_000);
    const large = await completedTombstones(100_000);
    const a = await small.engine.sweep();
    const b = await large.engine.sweep();
    expect(a.itemsRead).toBe(b.itemsRead);
    expect(a.lag).toBe(0);
    expect(b.lag).toBe(0);
  }, 300_000);

  it('stops at its budget and says more remains', async () => {
    const pipeline = await createPipelineHarness('budget', { settings: { shards: 1 } });
    await lostRequests(
      pipeline,
      'artifact',
      Array.from({ length: 30 }, (_, i) => `b-${i}`),
    );
    const report = await pipeline.engine.sweep({ now: minutesFromNow(10), budget: 12 });
    expect(report.more).toBe(true);
    expect(report.shards[0]?.watermark).toBeLessThan(30);
  });

  it('starts no new work past its deadline, and says more remains', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('deadline', { settings: { shards: 1 } });
    await lostRequests(pipeline, 'artifact', ['d-1']);

    // Act
    const late = await pipeline.engine.sweep({
      now: minutesFromNow(10),
      deadline: new Date(Date.now() - 1),
    });
    const inTime = await pipeline.engine.sweep({
      now: minutesFromNow(10),
      deadline: new Date(Date.now() + 60_000),
    });

    // Assess
    expect(late).toMatchObject({ shards: [], unitsResent: 0, intentsFinished: 0, more: true });
    expect(inTime.shards[0]?.resent).toBe(1);
  });

  it('does nothing while paused', async () => {
    const pipeline = await createPipelineHarness('paused', { settings: { shards: 1 } });
    await lostRequests(pipeline, 'artifact', ['p-1']);
    await pipeline.engine.pause('maintenance');
    const paused = await pipeline.engine.sweep({ now: minutesFromNow(10) });
    await pipeline.engine.resume();
    const resumed = await pipeline.engine.sweep({ now: minutesFromNow(10) });
    expect(paused).toMatchObject({ paused: true, unitsResent: 0, shards: [] });
    expect(resumed.shards[0]?.resent).toBe(1);
  });

  it('counts waiting from the resume: what waited through a long pause is not re-sent or stalled at once', async () => {
    // Prepare: a unit planned now, then an hour-long pause that ends at minute 60.
    const pipeline = await createPipelineHarness('longpause', {
      settings: { shards: 1, resendAfterSeconds: 120, stallAfterSeconds: 600 },
    });
    await lostRequests(pipeline, 'artifact', ['p-long']);
    const atMinute60 = { ...pipeline.engine.context.state, now: () => minutesFromNow(60) };
    await setPaused(atMinute60, true, 'restore');
    await setPaused(atMinute60, false);

    // Act
    const oneMinuteIn = await pipeline.engine.sweep({ now: minutesFromNow(61) });
    const threeMinutesIn = await pipeline.engine.sweep({ now: minutesFromNow(63) });

    // Assess: at minute 61 the unit has waited 1 minute of running time, not 61.
    // (The watermark path or the pending-units path may re-send it, whichever meets it first.)
    const resent = (report: SweepReport) => report.unitsResent + (report.shards[0]?.resent ?? 0);
    expect(oneMinuteIn).toMatchObject({ paused: false, jobsRedispatched: 0 });
    expect(resent(oneMinuteIn)).toBe(0);
    expect(resent(threeMinutesIn)).toBe(1);
    expect(threeMinutesIn).toMatchObject({ jobsRedispatched: 0, jobsStalled: 0 });
    expect(await queuedMessages(pipeline)).toBe(1);
  });
});
