// The restore window on the emulators: a deleted organization comes back whole from the
// restore log (rows equal to the seeded items, set-null pointers set again), the log survives
// a crash between pin and erase, a restore is refused while the job runs or after its
// window, and a project deleted again while the restore runs stays deleted.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { reportDeletion } from '../../../lib/engine/compliance-report.js';
import { createEngine } from '../../../lib/engine/create-engine.js';
import { RestoreRefusedError } from '../../../lib/engine/restore-deletion.js';
import { LetheError } from '../../../lib/errors.js';
import { getEntity } from '../../../lib/graph/graph-queries.js';
import { totalOf } from '../../../lib/model/counters.js';
import type { Job } from '../../../lib/model/jobs.js';
import { encodeValue, listRestoreLog } from '../../../lib/model/restore-log.js';
import { getRestoreRecord } from '../../../lib/model/restores.js';
import type { Item } from '../../../lib/ports/document-store.js';
import { type ExampleDatasetSize, SMALL_SIZE } from '../../../local/example-dataset.js';
import { createPipelineHarness, type PipelineHarness } from '../support/pipeline-harness.js';

const SIZE: ExampleDatasetSize = {
  ...SMALL_SIZE,
  projects: 2,
  artifactsPerProject: 6,
  snapshotsPerProject: 2,
  alertsPerProject: 3,
  members: 4,
  prefixObjectsPerProject: 2,
  decoyScale: 0.2,
};

function keyOf(pipeline: PipelineHarness, tableName: string, item: Item): Record<string, string> {
  const table = Object.values(pipeline.graph.tables).find((t) => t.name === tableName);
  const names = table ? [table.partitionKey, ...(table.sortKey ? [table.sortKey] : [])] : [];
  return Object.fromEntries(names.map((name) => [name, String(item[name])]));
}

/** The target tenant's seeded rows that are missing or differ now, read from outside. */
async function rowsNotAsSeeded(
  pipeline: PipelineHarness,
  rows: Readonly<Record<string, readonly Item[]>>,
): Promise<string[]> {
  const wrong: string[] = [];
  for (const [table, items] of Object.entries(rows)) {
    for (const item of items) {
      const now = await pipeline.engine.context.docs.get(table, keyOf(pipeline, table, item), true);
      if (!now || encodeValue(now) !== encodeValue(item))
        wrong.push(`${table} ${encodeValue(item)}`);
    }
  }
  return wrong;
}

describe('Function: restoreDeletion', () => {
  it('brings a deleted organization back whole, once, however often it runs', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('restore-whole');
    const dataset = await pipeline.seed(SIZE);
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'acme' });
    const job = await pipeline.run(jobId);
    expect((await pipeline.verify(dataset)).ok).toBe(true);
    const rowCount = Object.values(dataset.target.rows).flat().length;
    expect((await rowsNotAsSeeded(pipeline, dataset.target.rows)).length).toBe(rowCount);

    // Act
    const first = await pipeline.restore(jobId);
    const second = await pipeline.engine.restore(jobId);
    const dryAfter = await pipeline.engine.restore(jobId, { dryRun: true });

    // Assess
    expect(await rowsNotAsSeeded(pipeline, dataset.target.rows)).toEqual([]);
    expect(first.totals.rowsRestored).toBe(totalOf(job.counts, 'rowsDeleted'));
    expect(first.totals.pointersRestored).toBe(totalOf(job.counts, 'rowsNulled'));
    expect(first.totals.conflicts).toBe(0);
    expect(second).toEqual(first);
    // A dry run after it finished says what the restore did, not what it "would" do again.
    expect(dryAfter).toEqual({ ...first, dryRun: true });
    const record = await getRestoreRecord(pipeline.engine.context.state, jobId);
    expect(record?.restored).toBe(first.totals.rowsRestored + first.totals.pointersRestored);
    expect((await pipeline.engine.getJob(jobId))?.restoredAt).toBe(record?.restoredAt);
    expect(first.notRestorable.reduce((n, r) => n + r.objects, 0)).toBe(
      totalOf(job.counts, 'objectsDeleted'),
    );
    const restored = pipeline.events.events.filter((e) => e.detailType === 'DeletionRestored');
    expect(restored).toHaveLength(1);
    expect(restored[0]?.detail).toMatchObject({ jobId, totals: first.totals });
    // The tombstones are lifted: a guarded write of the organization is accepted again.
    expect(await pipeline.engine.getTombstone('organization', 'acme')).toBeUndefined();
    await pipeline.engine.guardedPut('project', { projectId: 'p-new', orgId: 'acme' });
  });

  it('reports a row written again since the deletion as a conflict and keeps the newer row', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('restore-conflict');
    const dataset = await pipeline.seed(SIZE);
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'acme' });
    await pipeline.run(jobId);
    const projects = pipeline.graph.tables.projects?.name ?? '';
    const [project] = dataset.target.rows[projects] ?? [];
    const newer = { ...project, name: 'written after the deletion' };
    await pipeline.engine.context.docs.put(projects, newer);

    // Act
    const dryRun = await pipeline.engine.restore(jobId, { dryRun: true });
    const report = await pipeline.restore(jobId);

    // Assess
    expect(dryRun.totals.conflicts).toBe(1);
    expect(report.totals.conflicts).toBe(1);
    expect(report.skips).toContainEqual(
      expect.objectContaining({ entity: 'project', reason: 'conflict' }),
    );
    const now = await pipeline.engine.context.docs.get(
      projects,
      keyOf(pipeline, projects, newer),
      true,
    );
    expect(now?.name).toBe('written after the deletion');
  });

  it('writes nothing on a dry run', async () => {
    const pipeline = await createPipelineHarness('restore-dry');
    const dataset = await pipeline.seed(SIZE);
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'acme' });
    const job = await pipeline.run(jobId);

    const report = await pipeline.engine.restore(jobId, { dryRun: true });

    expect(report.status).toBe('dry-run');
    expect(report.totals.rowsRestored).toBe(totalOf(job.counts, 'rowsDeleted'));
    expect((await pipeline.verify(dataset)).ok).toBe(true);
    expect(await pipeline.engine.getTombstone('organization', 'acme')).toBeDefined();
    expect(await getRestoreRecord(pipeline.engine.context.state, jobId)).toBeUndefined();
  });

  it('keeps the log of a page whose worker crashed between pinning and erasing', async () => {
    // Prepare
    let crashes = 0;
    const pipeline = await createPipelineHarness('restore-crash', {
      crashPoint: (point) => {
        if ((point === 'after-intent' || point === 'mid-page') && crashes < 6) {
          crashes++;
          throw new Error(`crash at ${point}`);
        }
      },
    });
    const dataset = await pipeline.seed(SIZE);
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'acme' });
    await pipeline.run(jobId);
    expect(crashes).toBe(6);

    // Act
    await pipeline.restore(jobId);

    // Assess
    expect(await rowsNotAsSeeded(pipeline, dataset.target.rows)).toEqual([]);
    // One log item per unit that erased or nulled rows, never one per row.
    const log = await listRestoreLog(pipeline.engine.context.state, jobId);
    expect(new Set(log.map((l) => l.entry.unitId)).size).toBe(log.length);
  });

  it('splits a page too large for one state item into parts when there is no restore bucket', async () => {
    // Prepare: items of at most 1 KB compressed, and no restore bucket to spill to.
    const pipeline = await createPipelineHarness('restore-parts', {
      settings: { restoreLogInlineBytes: 1024 },
    });
    const dataset = await pipeline.seed({ ...SIZE, members: 20 });
    // Memberships with notes that do not compress: 20 of them take about 5 KB in a page.
    const table = getEntity(pipeline.graph, 'membership').tableName;
    const rows = (dataset.target.rows[table] ?? []) as Item[];
    for (const [i, row] of rows.entries()) {
      rows[i] = { ...row, notes: randomBytes(200).toString('base64') };
      await pipeline.engine.context.docs.put(table, rows[i] ?? {});
    }
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'acme' });
    const job = await pipeline.run(jobId);

    // Act
    const report = await pipeline.restore(jobId);

    // Assess: pages were split (no unit failed for it), and every row came back.
    const log = await listRestoreLog(pipeline.engine.context.state, jobId);
    expect(log.filter((l) => l.entry.sk.includes('#P#')).length).toBeGreaterThan(0);
    expect(log.every((l) => (l.item.body as Uint8Array).byteLength <= 1024)).toBe(true);
    expect(await rowsNotAsSeeded(pipeline, dataset.target.rows)).toEqual([]);
    expect(report.totals.rowsRestored).toBe(totalOf(job.counts, 'rowsDeleted'));
    expect(report.totals.pointersRestored).toBe(totalOf(job.counts, 'rowsNulled'));
    expect(pipeline.handlerErrors).toEqual([]);
  });

  it('logs nothing for an entity whose window is 0, and brings nothing of it back', async () => {
    const pipeline = await createPipelineHarness('restore-zero', {
      settings: { restoreWindowDays: 0 },
    });
    const dataset = await pipeline.seed(SIZE);
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'acme' });
    await pipeline.run(jobId);

    expect(await listRestoreLog(pipeline.engine.context.state, jobId)).toEqual([]);
    await expect(pipeline.engine.restore(jobId)).rejects.toThrow(RestoreRefusedError);
    expect((await pipeline.verify(dataset)).ok).toBe(true);
  });

  it('refuses a job that is still running', async () => {
    const pipeline = await createPipelineHarness('restore-running');
    await pipeline.seed(SIZE);
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'acme' });

    const refused = await pipeline.engine.restore(jobId).then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(refused).toBeInstanceOf(RestoreRefusedError);
    expect((refused as RestoreRefusedError).reason).toBe('job-running');
  });

  it('refuses a restore after the window ended', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('restore-late', {
      settings: { restoreWindowDays: 2 },
    });
    const dataset = await pipeline.seed(SIZE);
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'acme' });
    await pipeline.run(jobId);
    const later = createEngine({
      graph: pipeline.graph,
      settings: pipeline.settings,
      documents: pipeline.engine.context.docs,
      objects: pipeline.engine.context.objects,
      events: pipeline.events,
      queue: { send: async () => undefined },
      now: () => new Date(Date.now() + 3 * 86_400_000),
    });

    // Act
    const refused = await later.restore(jobId).then(
      () => undefined,
      (error: unknown) => error,
    );

    // Assess
    expect((refused as RestoreRefusedError).reason).toBe('window-passed');
    expect((await pipeline.verify(dataset)).ok).toBe(true);
    expect(await pipeline.engine.getTombstone('organization', 'acme')).toBeDefined();
  });

  it('leaves a project deleted again while the restore runs deleted, and restores the rest', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('restore-race');
    const dataset = await pipeline.seed(SIZE);
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'acme' });
    await pipeline.run(jobId);
    const [target, other] = dataset.target.projectIds;
    if (!target || !other) throw new Error('the data set has two projects');

    // Act: a second deletion of one project, retried until the restore lifted its tombstone.
    const restoring = pipeline.restore(jobId);
    let second = await pipeline.engine.requestDeletion({ entity: 'project', id: target });
    while (!second.created) {
      second = await pipeline.engine.requestDeletion({ entity: 'project', id: target });
    }
    const report = await restoring;
    await pipeline.run(second.jobId);

    // Assess
    const { docs } = pipeline.engine.context;
    const projects = pipeline.graph.tables.projects?.name ?? '';
    const artifacts = pipeline.graph.tables.artifacts?.name ?? '';
    expect(await docs.get(projects, { projectId: target }, true)).toBeUndefined();
    expect(await docs.get(projects, { projectId: other }, true)).toBeDefined();
    const left = (dataset.target.rows[artifacts] ?? []).filter((a) => a.projectId === target);
    for (const artifact of left) {
      expect(await docs.get(artifacts, keyOf(pipeline, artifacts, artifact), true)).toBeUndefined();
    }
    expect(report.status).toBe('restored');
  });

  it('leaves a restored job out of re-discovery: verify refuses it, the sweeper skips it, the report shows the restore', async () => {
    // Prepare: the sweeper verifies completed jobs a minute after they completed.
    let clock = Date.now();
    const pipeline = await createPipelineHarness('restore-verify', {
      settings: { verifyAfterMinutes: 1 },
      now: () => new Date(clock),
    });
    await pipeline.seed(SMALL_SIZE);
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'acme' });
    await pipeline.run(jobId);
    await pipeline.restore(jobId);

    // Act: long after the job completed (and was restored).
    clock += 10 * 60_000;
    const swept = await pipeline.engine.sweep();
    const verify = await pipeline.engine.verify(jobId).then(
      () => undefined,
      (error: unknown) => (error instanceof LetheError ? error.code : error),
    );

    // Assess: its items are back on purpose, so none of them is a finding, signed or not.
    const job = await pipeline.engine.getJob(jobId);
    expect(verify).toBe('JOB_RESTORED');
    expect(swept.jobsVerified).toBe(0);
    expect(swept.verificationsFailed).toBe(0);
    expect(job?.verification).toBeUndefined();
    expect(job?.restoredAt).toBeDefined();
    expect(reportDeletion(job as Job, new Date(clock)).restoredAt).toBe(job?.restoredAt);
  });
});
