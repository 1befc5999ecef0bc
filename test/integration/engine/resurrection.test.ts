// No resurrection, also after the job completed: rows written back with a plain PutItem while
// a tombstone lives are erased, through the real local runtime (stream pollers → stream
// consumer handler → engine → work queue → worker handler).
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { exampleGraph } from '../../../infra/example-graph.js';
import type { Job } from '../../../lib/model/jobs.js';
import type { Item, Key } from '../../../lib/ports/document-store.js';
import { sleep } from '../../../lib/retry.js';
import { type LocalRuntime, startLocalRuntime } from '../../../local/local-runtime.js';
import { uniquePrefix } from '../support/local-clients.js';
import { createPipelineHarness } from '../support/pipeline-harness.js';

async function startRuntime(label: string) {
  const prefix = uniquePrefix(label);
  const graph = exampleGraph({ prefix });
  const runtime = await startLocalRuntime({
    graph,
    stack: { ...inject('localStack'), stop: async () => undefined },
    settings: {
      stateTableName: `${prefix}-state`,
      workQueueName: `${prefix}-work`,
      deadLetterQueueName: `${prefix}-dlq`,
      visibilityTimeoutSeconds: 4,
    },
    sweepEveryMs: 0,
    logLevel: 'SILENT',
  });
  onTestFinished(() => runtime.stop());
  const table = (key: string) => graph.tables[key]?.name ?? '';
  return { runtime, table };
}

async function eventually<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)}`);
    await sleep(200);
  }
}

const completed = (runtime: LocalRuntime, jobId: string) =>
  eventually(
    `job ${jobId} completes`,
    () => runtime.engine.getJob(jobId),
    (job) => job?.status === 'completed',
  ) as Promise<Job>;

const gone = (runtime: LocalRuntime, table: string, key: Key) =>
  eventually(
    `${table} ${JSON.stringify(key)} is erased`,
    () => runtime.engine.context.docs.get(table, key, true),
    (item: Item | undefined) => item === undefined,
  );

describe('No resurrection after the job completed', () => {
  it('erases a deleted project written back with a plain PutItem, by a follow-up job linked to the first', async () => {
    // Prepare
    const { runtime, table } = await startRuntime('res-child');
    const docs = runtime.engine.context.docs;
    await docs.put(table('organizations'), { orgId: 'o1' });
    await docs.put(table('projects'), { projectId: 'p1', orgId: 'o1' });
    const { jobId } = await runtime.engine.requestDeletion({ entity: 'organization', id: 'o1' });
    await completed(runtime, jobId);
    expect(await docs.get(table('projects'), { projectId: 'p1' }, true)).toBeUndefined();

    // Act
    await docs.put(table('projects'), { projectId: 'p1', orgId: 'o1' });
    await gone(runtime, table('projects'), { projectId: 'p1' });

    // Assess
    const original = await eventually(
      'the first job counts its follow-up',
      () => runtime.engine.getJob(jobId),
      // At least one: a sighting while the follow-up has pinned the row but not yet erased it
      // starts a second, empty one (known, see CHANGELOG); the row never stays.
      (job) => (job?.followUps ?? 0) >= 1,
    );
    const followUp = await completed(runtime, original?.lastFollowUpJobId ?? '');
    expect(followUp).toMatchObject({
      entity: 'project',
      id: 'p1',
      followUpOf: jobId,
      requester: 'row-after-tombstone',
      outcome: 'deleted',
    });
    if (original?.followUps === 1) expect(followUp.counts['root.project']?.rowsDeleted).toBe(1);
    expect(await docs.get(table('projects'), { projectId: 'p1' }, true)).toBeUndefined();
  });

  it('erases it again each time it is written back while the tombstone lives', async () => {
    // Prepare
    const { runtime, table } = await startRuntime('res-again');
    const docs = runtime.engine.context.docs;
    await docs.put(table('projects'), { projectId: 'p2', orgId: 'o2' });
    const { jobId } = await runtime.engine.requestDeletion({ entity: 'project', id: 'p2' });
    await completed(runtime, jobId);

    // Act
    for (let round = 1; round <= 2; round++) {
      await docs.put(table('projects'), { projectId: 'p2', orgId: 'o2', round });
      await gone(runtime, table('projects'), { projectId: 'p2' });
      const job = await eventually(
        `follow-up ${round} is counted`,
        () => runtime.engine.getJob(jobId),
        // At least one per write-back: a write-back seen while a follow-up has pinned the row
        // but not yet erased it starts another (empty) one — safe, never a row left behind.
        (j) => (j?.followUps ?? 0) >= round,
      );
      await completed(runtime, job?.lastFollowUpJobId ?? '');
    }

    // Assess
    expect((await runtime.engine.getJob(jobId))?.followUps).toBeGreaterThanOrEqual(2);
    expect(await docs.get(table('projects'), { projectId: 'p2' }, true)).toBeUndefined();
  });

  it('erases a deleted root row written back: root tables are followed too', async () => {
    // Prepare
    const { runtime, table } = await startRuntime('res-root');
    const docs = runtime.engine.context.docs;
    await docs.put(table('organizations'), { orgId: 'o3' });
    const { jobId } = await runtime.engine.requestDeletion({ entity: 'organization', id: 'o3' });
    await completed(runtime, jobId);

    // Act
    await docs.put(table('organizations'), { orgId: 'o3', tenantId: 't' });
    await gone(runtime, table('organizations'), { orgId: 'o3' });

    // Assess
    const original = await eventually(
      'the first job counts its follow-up',
      () => runtime.engine.getJob(jobId),
      (job) => (job?.followUps ?? 0) >= 1,
    );
    expect(await completed(runtime, original?.lastFollowUpJobId ?? '')).toMatchObject({
      entity: 'organization',
      id: 'o3',
      followUpOf: jobId,
    });
  });

  it('still catches a brand-new child of a deleted parent, linked to the parent’s job', async () => {
    // Prepare
    const { runtime, table } = await startRuntime('res-new');
    const docs = runtime.engine.context.docs;
    const { jobId } = await runtime.engine.requestDeletion({ entity: 'project', id: 'p4' });
    await completed(runtime, jobId);

    // Act
    await docs.put(table('artifacts'), { artifactId: 'late', projectId: 'p4' });
    await gone(runtime, table('artifacts'), { artifactId: 'late' });

    // Assess
    const late = await runtime.engine.getTombstone('artifact', 'late');
    expect(await runtime.engine.getJob(late?.jobId ?? '')).toMatchObject({ followUpOf: jobId });
    expect((await runtime.engine.getJob(jobId))?.followUps).toBe(1);
  });
});

describe('Method: catchRowAfterTombstone', () => {
  it('leaves a written-back row to the job that deletes it while that job has not reached it', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('res-running');
    const projects = pipeline.graph.tables.projects?.name ?? '';
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'project', id: 'p5' });
    const row = { projectId: 'p5', orgId: 'o5' };
    await pipeline.engine.context.docs.put(projects, row);

    // Act
    const caught = await pipeline.engine.catchRowAfterTombstone('project', row);
    await pipeline.run(jobId);

    // Assess
    expect(caught).toMatchObject({ deletedBy: { jobId }, deletion: { jobId, created: false } });
    expect(await pipeline.engine.context.docs.get(projects, { projectId: 'p5' })).toBeUndefined();
    expect((await pipeline.engine.getJob(jobId))?.followUps).toBe(0);
  });

  it('starts one follow-up when the same written-back row is seen twice', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('res-twice');
    const projects = pipeline.graph.tables.projects?.name ?? '';
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'project', id: 'p6' });
    await pipeline.run(jobId);
    const row = { projectId: 'p6', orgId: 'o6' };
    await pipeline.engine.context.docs.put(projects, row);

    // Act
    const [first, second] = await Promise.all([
      pipeline.engine.catchRowAfterTombstone('project', row),
      pipeline.engine.catchRowAfterTombstone('project', row),
    ]);

    // Assess
    expect(first.deletion?.jobId).toBe(second.deletion?.jobId);
    expect([first.deletion?.created, second.deletion?.created].filter(Boolean)).toHaveLength(1);
    expect((await pipeline.engine.getJob(jobId))?.followUps).toBe(1);
    await pipeline.run(first.deletion?.jobId ?? '');
    expect(await pipeline.engine.context.docs.get(projects, { projectId: 'p6' })).toBeUndefined();
  });
});
