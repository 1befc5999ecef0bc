// Issue 22 §1 — a dispatch counts only once the queue accepted its message (DESIGN §3 rule 3).
// SQS sends fail through SDK middleware on the engine's real client; nothing that was not
// accepted may look sent: not a watermark, not a resend (nor one of maxResends), not a guard's
// re-check, not a stall report.
import { describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../lib/engine/create-engine.js';
import type { SweepReport } from '../../../lib/engine/sweep/sweep.js';
import { stateKeys } from '../../../lib/model/state-keys.js';
import { getWatermark } from '../../../lib/model/watermarks.js';
import type { EventBus } from '../../../lib/ports/event-bus.js';
import { createPipelineHarness, type PipelineHarness } from '../support/pipeline-harness.js';
import { failNextWriteOf, injectSendFaults } from '../support/send-faults.js';

const minutesFromNow = (m: number) => new Date(Date.now() + m * 60_000);

async function queuedMessages(pipeline: PipelineHarness): Promise<number> {
  const depth = await pipeline.consumer.depth(pipeline.workQueueUrl);
  return depth.visible + depth.inFlight + depth.delayed;
}

/** Hands every message on the queue to `engine` until the queue is empty (failures come back). */
async function drain(pipeline: PipelineHarness, engine: Engine): Promise<void> {
  for (let idle = 0; idle < 3; ) {
    const messages = await pipeline.consumer.receive(pipeline.workQueueUrl, {
      max: 10,
      waitSeconds: 1,
      visibilityTimeoutSeconds: 1,
    });
    idle = messages.length === 0 ? idle + 1 : 0;
    const handled: string[] = [];
    for (const message of messages) {
      const ok = await engine.handleMessage(message.body).then(
        () => true,
        () => false,
      );
      if (ok) handled.push(message.receiptHandle);
    }
    if (handled.length > 0) await pipeline.consumer.deleteBatch(pipeline.workQueueUrl, handled);
  }
}

/** Artifact rows to delete (an artifact's key template needs its row). */
async function artifactRows(pipeline: PipelineHarness, ids: readonly string[]): Promise<void> {
  const table = pipeline.graph.tables.artifacts?.name ?? '';
  for (const artifactId of ids)
    await pipeline.engine.context.docs.put(table, { artifactId, projectId: 'p1' });
}

async function unitItem(pipeline: PipelineHarness, jobId: string, unitId: string) {
  const state = pipeline.engine.context.state;
  return state.docs.get(state.table, stateKeys.unit(jobId, unitId));
}

describe('Rule: a watermark never passes a tombstone whose dispatch the queue did not accept', () => {
  it('keeps the watermark at 3 over sweeps while SQS refuses the resend of tombstone 4, and passes it once a resend is accepted', async () => {
    // Prepare: one shard, tombstones 1–3 done and swept (watermark 3).
    const pipeline = await createPipelineHarness('wm4', {
      settings: { shards: 1, stallAfterSeconds: 3600 },
    });
    const sqs = injectSendFaults(pipeline.clients);
    await artifactRows(pipeline, ['a1', 'a2', 'a3', 'a4', 'a5']);
    for (const id of ['a1', 'a2', 'a3']) {
      const { jobId } = await pipeline.engine.requestDeletion({ entity: 'artifact', id });
      await pipeline.run(jobId);
    }
    expect((await pipeline.engine.sweep()).shards[0]?.watermark).toBe(3);
    // Tombstone 4 commits, its message is lost (the send after the commit fails).
    sqs.failing = true;
    await expect(
      pipeline.engine.requestDeletion({ entity: 'artifact', id: 'a4' }),
    ).rejects.toThrow();
    sqs.failing = false;
    const lost = await pipeline.engine.getTombstone('artifact', 'a4');
    // Tombstone 5 commits and its job runs to the end.
    const later = await pipeline.engine.requestDeletion({ entity: 'artifact', id: 'a5' });
    await pipeline.run(later.jobId);

    // Act: SQS refuses every send; two sweeps past the resend threshold, 30 s apart.
    sqs.failing = true;
    const first = await pipeline.engine.sweep({ now: minutesFromNow(5) });
    const second = await pipeline.engine.sweep({
      now: new Date(minutesFromNow(5).getTime() + 30_000),
    });
    const unitWhileFailing = await unitItem(pipeline, lost?.jobId ?? '', 'cascade|artifact|a4');
    sqs.failing = false;
    const recovered = await pipeline.engine.sweep({ now: minutesFromNow(6) });
    const job = await pipeline.run(lost?.jobId ?? '');

    // Assess
    expect(lost).toMatchObject({ seq: 4 });
    expect(first.shards[0]).toMatchObject({ watermark: 3, stoppedAt: 4, advanced: false });
    expect(second.shards[0]).toMatchObject({ watermark: 3, stoppedAt: 4, advanced: false });
    expect(first.sendsFailed).toBeGreaterThan(0);
    expect(unitWhileFailing).toMatchObject({ status: 'planned' });
    expect(unitWhileFailing?.lastSentAt).toBeUndefined();
    expect(unitWhileFailing?.resends).toBeUndefined();
    expect(recovered.shards[0]).toMatchObject({ watermark: 5, advanced: true, resent: 1 });
    expect(await getWatermark(pipeline.engine.context.state, 'main', 0)).toBe(5);
    expect(job).toMatchObject({ status: 'completed', outcome: 'deleted' });
  });

  it('does not count a cascade as dispatched while its first send is unconfirmed', async () => {
    // Prepare: the request's send fails; a sweep comes before the resend threshold.
    const pipeline = await createPipelineHarness('wmfresh', { settings: { shards: 1 } });
    const sqs = injectSendFaults(pipeline.clients);
    sqs.failing = true;
    await expect(
      pipeline.engine.requestDeletion({ entity: 'artifact', id: 'f1' }),
    ).rejects.toThrow();
    sqs.failing = false;
    const sent = await pipeline.engine.requestDeletion({ entity: 'artifact', id: 'f2' });

    // Act
    const report = await pipeline.engine.sweep();

    // Assess: tombstone 2's message was accepted, tombstone 1's never was.
    expect(report.shards[0]).toMatchObject({ watermark: 0, stoppedAt: 1, advanced: false });
    expect(await unitItem(pipeline, sent.jobId, 'cascade|artifact|f2')).toHaveProperty(
      'lastSentAt',
    );
  });
});

describe('Rule: a resend counts only once the queue accepted it', () => {
  it('spends none of maxResends on refused sends, and re-sends once SQS accepts again', async () => {
    // Prepare: a request whose message was lost, and one resend allowed.
    const pipeline = await createPipelineHarness('resend', {
      // No stall re-dispatch within the test's hour: only the resend path sends.
      settings: { shards: 1, maxResends: 1, stallAfterSeconds: 3600 },
    });
    const sqs = injectSendFaults(pipeline.clients);
    await artifactRows(pipeline, ['r1']);
    const { jobId } = await pipeline
      .silentEngine()
      .requestDeletion({ entity: 'artifact', id: 'r1' });
    const unitId = 'cascade|artifact|r1';

    const beforeFailures = await unitItem(pipeline, jobId, unitId);

    // Act: three sweeps while SQS refuses, then one while it accepts.
    sqs.failing = true;
    const failing: SweepReport[] = [];
    for (const minutes of [5, 10, 15])
      failing.push(await pipeline.engine.sweep({ now: minutesFromNow(minutes) }));
    const afterFailures = await unitItem(pipeline, jobId, unitId);
    sqs.failing = false;
    const working = await pipeline.engine.sweep({ now: minutesFromNow(20) });
    const afterResend = await unitItem(pipeline, jobId, unitId);
    const job = await pipeline.run(jobId);

    // Assess
    const resent = (r: (typeof failing)[number]) => r.unitsResent + (r.shards[0]?.resent ?? 0);
    expect(failing.map(resent)).toEqual([0, 0, 0]);
    expect(afterFailures?.resends ?? 0).toBe(0);
    expect(afterFailures?.lastSentAt).toBe(beforeFailures?.lastSentAt);
    expect(failing.every((r) => r.sendsFailed > 0)).toBe(true);
    expect(sqs.refused).toBeGreaterThanOrEqual(3);
    expect(resent(working)).toBe(1);
    expect(afterResend?.resends).toBe(1);
    expect(job).toMatchObject({ status: 'completed', outcome: 'deleted' });
  });
});

describe('Rule: a guard re-check is sent before it counts as sent', () => {
  it('gives the check back when its delayed message is refused, so the redelivery runs it', async () => {
    // Prepare: an artifact under a legal hold; its cascade waits on its guard.
    const pipeline = await createPipelineHarness('recheck');
    const sqs = injectSendFaults(pipeline.clients);
    const artifacts = pipeline.graph.tables.artifacts?.name ?? '';
    await pipeline.engine.context.docs.put(artifacts, { artifactId: 'a-held', projectId: 'p1' });
    await pipeline.engine.placeHold({ entity: 'artifact', id: 'a-held', reason: 'audit' });
    const { jobId } = await pipeline.silentEngine().requestDeletion({
      entity: 'artifact',
      id: 'a-held',
    });
    const body = JSON.stringify({ v: 1, jobId, type: 'cascade', entity: 'artifact', id: 'a-held' });

    // Act: the first run's re-check send is refused (the message comes back), the next accepted.
    sqs.failing = true;
    const refused = await pipeline.engine.handleMessage(body).catch((error: unknown) => error);
    const afterRefusal = await unitItem(pipeline, jobId, 'cascade|artifact|a-held');
    sqs.failing = false;
    const redelivered = await pipeline.engine.handleMessage(body);
    const afterAccepted = await unitItem(pipeline, jobId, 'cascade|artifact|a-held');

    // Assess
    expect(refused).toBeInstanceOf(Error);
    expect(afterRefusal).toMatchObject({ status: 'waiting' });
    expect(afterRefusal?.lastSentAt).not.toBe(afterRefusal?.nextCheckAt);
    expect(redelivered).toBe('waiting');
    expect(afterAccepted?.lastSentAt).toBe(afterAccepted?.nextCheckAt);
    expect(await queuedMessages(pipeline)).toBe(1);
  });
});

describe('Rule: a stall is reported and an event removed only once it went out', () => {
  it('does not take a refused re-dispatch for one: it re-dispatches once SQS accepts, before any stall report', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('redispatch', {
      settings: { maxResends: 0, stallAfterSeconds: 600 },
    });
    const sqs = injectSendFaults(pipeline.clients);
    await pipeline.silentEngine().requestDeletion({ entity: 'artifact', id: 'a-stalled' });

    // Act
    sqs.failing = true;
    const refused = await pipeline.engine.sweep({ now: minutesFromNow(11) });
    sqs.failing = false;
    const accepted = await pipeline.engine.sweep({ now: minutesFromNow(23) });

    // Assess
    expect(refused).toMatchObject({ jobsRedispatched: 0, jobsStalled: 0 });
    expect(refused.sendsFailed).toBeGreaterThan(0);
    expect(accepted).toMatchObject({ jobsRedispatched: 1, jobsStalled: 0 });
    expect(await queuedMessages(pipeline)).toBe(1);
  });

  it('reports a stall whose outbox write failed on a later run, exactly once', async () => {
    // Prepare: a job that stays stalled after its re-dispatch.
    const pipeline = await createPipelineHarness('stallwrite', {
      settings: { maxResends: 0, stallAfterSeconds: 600 },
    });
    const { jobId } = await pipeline
      .silentEngine()
      .requestDeletion({ entity: 'artifact', id: 'a-quiet' });
    await pipeline.engine.sweep({ now: minutesFromNow(11) });
    const write = failNextWriteOf(pipeline.clients, 'EVENT#DeletionStalled');

    // Act
    const failed = await pipeline.engine
      .sweep({ now: minutesFromNow(23) })
      .catch((e: unknown) => e);
    const retried = await pipeline.engine.sweep({ now: minutesFromNow(24) });
    const again = await pipeline.engine.sweep({ now: minutesFromNow(40) });

    // Assess
    expect(write.failed).toBe(true);
    expect(failed).toBeInstanceOf(Error);
    expect(retried.jobsStalled).toBe(1);
    expect(again.jobsStalled).toBe(0);
    const stalled = pipeline.events.events.filter(
      (e) => e.detailType === 'DeletionStalled' && e.detail.jobId === jobId,
    );
    expect(stalled).toHaveLength(1);
  });

  it('leaves an event the bus refused in the outbox, runs the rest of the sweep, and publishes it later', async () => {
    // Prepare: a completed job whose DeletionCompleted could not be published.
    const pipeline = await createPipelineHarness('outbox', { settings: { shards: 1 } });
    let refusing = true;
    const bus: EventBus = {
      async publish(event) {
        if (refusing) throw new Error('injected: the event bus refused');
        await pipeline.events.publish(event);
      },
    };
    const refusingEngine = createEngine({
      graph: pipeline.graph,
      settings: pipeline.settings,
      clients: pipeline.clients,
      workQueueUrl: pipeline.workQueueUrl,
      events: bus,
    });
    const { jobId } = await refusingEngine.requestDeletion({ entity: 'artifact', id: 'a-out' });
    await drain(pipeline, refusingEngine);
    const state = pipeline.engine.context.state;
    const outboxKey = stateKeys.outboxEvent(jobId, 'DeletionCompleted');

    // Act
    const refused = await refusingEngine.sweep();
    const kept = await state.docs.get(state.table, outboxKey);
    refusing = false;
    const published = await refusingEngine.sweep();

    // Assess
    expect(refused).toMatchObject({ eventsPublished: 0 });
    expect(refused.sendsFailed).toBeGreaterThan(0);
    expect(refused.shards[0]).toMatchObject({ watermark: 1 });
    expect(kept).toBeDefined();
    expect(published.eventsPublished).toBe(1);
    expect(await state.docs.get(state.table, outboxKey)).toBeUndefined();
    const completed = pipeline.events.events.filter(
      (e) => e.detailType === 'DeletionCompleted' && e.detail.jobId === jobId,
    );
    expect(completed).toHaveLength(1);
  });
});
