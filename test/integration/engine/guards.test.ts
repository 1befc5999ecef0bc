import { describe, expect, it } from 'vitest';
import { exampleGraphDefinition } from '../../../infra/example-graph.js';
import { createBulkWriter } from '../../../lib/adapters/bulk-writer.js';
import { defineGraph } from '../../../lib/graph/define-graph.js';
import type { GuardsDefinition } from '../../../lib/graph/graph-types.js';
import { totalOf } from '../../../lib/model/counters.js';
import { stateKeys } from '../../../lib/model/state-keys.js';
import { sleep } from '../../../lib/retry.js';
import { SMALL_SIZE } from '../../../local/example-dataset.js';
import { boardFootprint, boardGraph, seedBoard } from '../support/board-graph.js';
import { createPipelineHarness, type PipelineHarness } from '../support/pipeline-harness.js';
import { runUntil, targetFootprint, unitsOf } from './engine-test-support.js';

/** Guarded units check again every second, so a lifted guard shows quickly. */
const RECHECK = { guardRecheckSeconds: 1 };
const ONE_PROJECT = { ...SMALL_SIZE, projects: 1 };

/** The example graph with guards on one entity, and an archive bucket. */
function guardedGraph(entity: 'artifact' | 'snapshot', guards: GuardsDefinition) {
  return (prefix: string) => {
    const definition = exampleGraphDefinition({ prefix });
    return defineGraph({
      ...definition,
      buckets: { ...definition.buckets, archive: { name: `${prefix}-archive` } },
      entities: {
        ...definition.entities,
        [entity]: { ...definition.entities[entity], guards },
      },
    });
  };
}

async function deleteProject(pipeline: PipelineHarness) {
  return (await pipeline.engine.requestDeletion({ entity: 'project', id: 'acme-p01' })).jobId;
}

describe('Method: placeHold / liftHold / listHolds', () => {
  it('places, lists and lifts holds on an entity and on a tenant', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('holds');
    const { engine } = pipeline;

    // Act
    const onEntity = await engine.placeHold({ entity: 'project', id: 'p1', reason: 'audit' });
    const onTenant = await engine.placeHold({
      tenantId: 't1',
      reason: 'litigation',
      placedBy: 'ops',
    });
    const listed = await engine.listHolds();
    const lifted = await engine.liftHold({ entity: 'project', id: 'p1' });
    const liftedAgain = await engine.liftHold({ entity: 'project', id: 'p1' });

    // Assess
    expect(onEntity).toMatchObject({ holdId: 'entity:project:p1', reason: 'audit' });
    expect(onTenant).toMatchObject({ holdId: 'tenant:t1', tenantId: 't1', placedBy: 'ops' });
    expect(listed.map((h) => h.holdId).sort()).toEqual(['entity:project:p1', 'tenant:t1']);
    expect(lifted).toBe(true);
    expect(liftedAgain).toBe(false);
    expect((await engine.listHolds()).map((h) => h.holdId)).toEqual(['tenant:t1']);
  });

  it.each([
    [
      'neither an entity nor a tenant',
      { reason: 'x' },
      /either an entity and its id, or a tenantId/,
    ],
    [
      'both an entity and a tenant',
      { entity: 'project', id: 'p', tenantId: 't', reason: 'x' },
      /either/,
    ],
    ['an entity without its id', { entity: 'project', reason: 'x' }, /either/],
    ['no reason', { tenantId: 't' }, /reason/],
    ['an unknown entity', { entity: 'planet', id: 'p', reason: 'x' }, /unknown entity "planet"/],
  ])('refuses a hold naming %s', async (_label, input, reason) => {
    const pipeline = await createPipelineHarness('badhold');
    await expect(pipeline.engine.placeHold(input as never)).rejects.toThrow(reason);
  });
});

describe('Guard: legal hold', () => {
  it('keeps a held tenant’s data until the hold is lifted, and then it goes', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('tenanthold', { settings: RECHECK });
    const dataset = await pipeline.seed(SMALL_SIZE);
    const before = await targetFootprint(pipeline, dataset);
    await pipeline.engine.placeHold({ tenantId: 'tenant-acme', reason: 'litigation 2026-17' });

    // Act
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'acme' });
    const held = await runUntil(pipeline, jobId, (job) => job.held > 0);
    // Several more checks pass while it is held.
    await runUntil(pipeline, jobId, () => false, 3_000).catch(() => undefined);
    const whileHeld = await targetFootprint(pipeline, dataset);
    const rootUnit = (await unitsOf(pipeline, jobId)).find((u) => u.kind === 'cascade');
    await pipeline.engine.liftHold({ tenantId: 'tenant-acme' });
    const job = await pipeline.run(jobId);

    // Assess
    expect(held).toMatchObject({ status: 'running', held: 1, waiting: 1 });
    expect(held.counts['root.organization']?.held).toBe(1);
    expect(held.waitReason).toBe('held by tenant:tenant-acme: litigation 2026-17');
    expect(whileHeld).toEqual(before);
    expect(rootUnit).toMatchObject({ status: 'waiting', heldAs: 'root.organization' });
    expect(Number(rootUnit?.waits)).toBeGreaterThanOrEqual(2);
    expect(job).toMatchObject({ status: 'completed', outcome: 'deleted', held: 0, waiting: 0 });
    expect((await pipeline.verify(dataset)).checks.filter((c) => !c.ok)).toEqual([]);
    expect(totalOf(job.counts, 'rowsDeleted')).toBe(dataset.expected.rowsDeleted);
    expect(totalOf(job.counts, 'objectsDeleted')).toBe(dataset.expected.objectsDeleted);
    expect(pipeline.handlerErrors).toEqual([]);
  });

  it('makes a whole page wait for one held row, lets the rest of the job go, and finishes once lifted', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('rowhold', { settings: RECHECK });
    const dataset = await pipeline.seed(ONE_PROJECT);
    await pipeline.engine.placeHold({
      entity: 'artifact',
      id: 'acme-p01-a00003',
      reason: 'evidence',
    });
    const artifactsTable = pipeline.graph.tables.artifacts?.name ?? '';
    const snapshotsTable = pipeline.graph.tables.snapshots?.name ?? '';
    const artifactsBucket = pipeline.graph.buckets.artifacts?.name ?? '';

    // Act
    const jobId = await deleteProject(pipeline);
    // The snapshots page goes; the artifacts page (and so the project itself) waits.
    const held = await runUntil(
      pipeline,
      jobId,
      (job) => job.held === 1 && (job.counts['project.snapshot.projectId']?.rowsDeleted ?? 0) > 0,
    );
    const whileHeld = await targetFootprint(pipeline, dataset);
    await pipeline.engine.liftHold({ entity: 'artifact', id: 'acme-p01-a00003' });
    const job = await pipeline.run(jobId);

    // Assess
    expect(held.counts['project.artifact.projectId']?.held).toBe(1);
    expect(whileHeld.rows[artifactsTable]).toBe(SMALL_SIZE.artifactsPerProject);
    expect(whileHeld.rows[snapshotsTable]).toBe(0);
    expect(whileHeld.objects[artifactsBucket]).toBe(
      SMALL_SIZE.artifactsPerProject + SMALL_SIZE.prefixObjectsPerProject,
    );
    expect(job).toMatchObject({ outcome: 'deleted', held: 0, waiting: 0 });
    const after = await targetFootprint(pipeline, dataset);
    expect(after.rows[artifactsTable]).toBe(0);
    expect(after.objects[artifactsBucket]).toBe(0);
    expect(job.counts['root.project']?.rowsDeleted).toBe(1);
  });

  it('keeps re-checking a waiting unit after maxResends re-sends, and the sweeper re-sends a lost check', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('holdresend', {
      settings: { ...RECHECK, maxResends: 1, resendAfterSeconds: 60 },
    });
    const artifactsTable = pipeline.graph.tables.artifacts?.name ?? '';
    await pipeline.engine.context.docs.put(artifactsTable, {
      artifactId: 'a-held',
      projectId: 'p1',
    });
    await pipeline.engine.placeHold({ entity: 'artifact', id: 'a-held', reason: 'audit' });
    // An engine whose messages are lost: the unit waits and its delayed check never arrives.
    const silent = pipeline.silentEngine();
    const { jobId } = await silent.requestDeletion({ entity: 'artifact', id: 'a-held' });
    const body = JSON.stringify({ v: 1, jobId, type: 'cascade', entity: 'artifact', id: 'a-held' });
    const state = pipeline.engine.context.state;
    const unitKey = stateKeys.unit(jobId, 'cascade|artifact|a-held');

    // Act
    expect(await silent.handleMessage(body)).toBe('waiting');
    // Its check falls due (1 s) and passes unnoticed: the message for it was lost.
    await sleep(1_500);
    const early = await pipeline.engine.sweep({ now: new Date(Date.now() + 30_000) });
    const overdue = await pipeline.engine.sweep({ now: new Date(Date.now() + 120_000) });
    const afterResend = await state.docs.get(state.table, unitKey);
    await runUntil(pipeline, jobId, () => false, 3_000).catch(() => undefined);
    const afterChecks = await state.docs.get(state.table, unitKey);
    await pipeline.engine.liftHold({ entity: 'artifact', id: 'a-held' });
    const job = await pipeline.run(jobId);

    // Assess
    const resent = (report: typeof early) =>
      report.unitsResent + report.shards.reduce((sum, shard) => sum + shard.resent, 0);
    expect(resent(early)).toBe(0);
    expect(resent(overdue)).toBe(1);
    expect(afterResend?.resends).toBe(1);
    expect(afterChecks).toMatchObject({ status: 'waiting', resends: 0 });
    expect(Number(afterChecks?.waits)).toBeGreaterThanOrEqual(2);
    expect(job).toMatchObject({ status: 'completed', outcome: 'deleted', waiting: 0 });
    expect(
      await pipeline.engine.context.docs.get(artifactsTable, { artifactId: 'a-held' }),
    ).toBeUndefined();
  });
});

describe('Guard: minimum retention', () => {
  it('makes rows younger than minRetentionDays wait, and erases them once old enough', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('retainmin', {
      settings: RECHECK,
      graph: guardedGraph('artifact', { minRetentionDays: 30 }),
    });
    const dataset = await pipeline.seed(ONE_PROJECT);
    const artifactsTable = pipeline.graph.tables.artifacts?.name ?? '';

    // Act
    const jobId = await deleteProject(pipeline);
    const waiting = await runUntil(pipeline, jobId, (job) => job.waiting > 0);
    const whileYoung = await targetFootprint(pipeline, dataset);
    const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
    await pipeline.engine.context.docs.batchPut(
      artifactsTable,
      (dataset.target.rows[artifactsTable] ?? []).map((row) => ({ ...row, createdAt: old })),
    );
    const job = await pipeline.run(jobId);

    // Assess
    expect(waiting).toMatchObject({ held: 0 });
    expect(waiting.waitReason).toMatch(
      /^retention: artifact "acme-p01-a\d+" was created .*; kept 30 days/,
    );
    expect(whileYoung.rows[artifactsTable]).toBe(SMALL_SIZE.artifactsPerProject);
    expect(job.outcome).toBe('deleted');
    expect((await targetFootprint(pipeline, dataset)).rows[artifactsTable]).toBe(0);
  });
});

describe('Guard: required archive copy', () => {
  it('keeps rows and objects until every object is found in the archive bucket', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('archive', {
      settings: RECHECK,
      graph: guardedGraph('artifact', { requireArchiveCopy: { bucket: 'archive' } }),
    });
    const dataset = await pipeline.seed(ONE_PROJECT);
    const artifactsTable = pipeline.graph.tables.artifacts?.name ?? '';
    const hot = pipeline.graph.buckets.artifacts?.name ?? '';
    const archive = pipeline.graph.buckets.archive?.name ?? '';
    const keys = (dataset.target.objects[hot] ?? []).filter((k) => k.startsWith('artifacts/'));
    const writer = createBulkWriter(pipeline.clients);
    await writer.putObjects(
      archive,
      keys.slice(1).map((key) => ({ key, body: 'archived' })),
    );

    // Act
    const jobId = await deleteProject(pipeline);
    const waiting = await runUntil(pipeline, jobId, (job) => job.waiting > 0);
    const whileUnarchived = await targetFootprint(pipeline, dataset);
    await writer.putObjects(archive, [{ key: keys[0] ?? '', body: 'archived' }]);
    const job = await pipeline.run(jobId);

    // Assess
    expect(waiting.waitReason).toBe(
      `archive: 1 of ${keys.length} objects have no copy in "${archive}" yet (first: s3://${hot}/${keys[0]})`,
    );
    expect(whileUnarchived.rows[artifactsTable]).toBe(SMALL_SIZE.artifactsPerProject);
    expect(whileUnarchived.objects[hot]).toBe(keys.length + SMALL_SIZE.prefixObjectsPerProject);
    expect(job.outcome).toBe('deleted');
    const after = await targetFootprint(pipeline, dataset);
    expect(after.rows[artifactsTable]).toBe(0);
    expect(after.objects[hot]).toBe(0);
    // The archive keeps its copies.
    expect(
      (await pipeline.engine.context.objects.listPage(archive, 'artifacts/')).keys,
    ).toHaveLength(keys.length);
  });
});

describe('Guard: required archive copy, on objects under a prefix', () => {
  const ARCHIVED_CARDS = { cardGuards: { requireArchiveCopy: { bucket: 'archive' } } };

  it('keeps a card’s row, comments and mentions until every attachment under its prefix has a copy', async () => {
    // Prepare: two of card c1's three attachments have a copy in the archive.
    const pipeline = await createPipelineHarness('archiveprefix', {
      settings: RECHECK,
      graph: boardGraph(ARCHIVED_CARDS),
    });
    const seeded = await seedBoard(pipeline);
    const attachments = seeded.attachments.c1 ?? [];
    const writer = createBulkWriter(pipeline.clients);
    await writer.putObjects(
      seeded.buckets.archive,
      attachments.slice(0, 2).map((key) => ({ key, body: 'archived' })),
    );

    // Act
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'card', id: 'c1' });
    const waiting = await runUntil(pipeline, jobId, (job) => job.waiting > 0);
    await runUntil(pipeline, jobId, () => false, 2_000).catch(() => undefined);
    const whileUnarchived = await boardFootprint(pipeline, seeded);
    await writer.putObjects(seeded.buckets.archive, [
      { key: attachments[2] ?? '', body: 'archived' },
    ]);
    const job = await pipeline.run(jobId);

    // Assess
    expect(waiting.waitReason).toBe(
      `archive: 1 of 3 objects have no copy in "${seeded.buckets.archive}" yet (first: s3://${seeded.buckets.files}/${attachments[2]})`,
    );
    expect(whileUnarchived.cards).toEqual(['c1', 'c2']);
    expect(whileUnarchived.comments).toHaveLength(4);
    expect(whileUnarchived.mentionsPointing).toHaveLength(2);
    expect(whileUnarchived.objects).toEqual(expect.arrayContaining(attachments));
    expect(job).toMatchObject({ outcome: 'deleted', waiting: 0 });
    const after = await boardFootprint(pipeline, seeded);
    expect(after.cards).toEqual(['c2']);
    expect(after.objects.filter((k) => k.includes('/cards/c1/'))).toEqual([]);
  });

  it('makes a page of leaf cards wait until every attachment under their prefixes has a copy', async () => {
    // Prepare: cards without children are erased page by page by their board's job.
    const pipeline = await createPipelineHarness('archivepage', {
      settings: RECHECK,
      graph: boardGraph({ ...ARCHIVED_CARDS, leafCards: true }),
    });
    const seeded = await seedBoard(pipeline);
    const all = Object.values(seeded.attachments).flat();
    const writer = createBulkWriter(pipeline.clients);
    await writer.putObjects(
      seeded.buckets.archive,
      all.slice(1).map((key) => ({ key, body: 'archived' })),
    );

    // Act
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'board', id: 'b1' });
    const waiting = await runUntil(pipeline, jobId, (job) => job.waiting > 0);
    await runUntil(pipeline, jobId, () => false, 2_000).catch(() => undefined);
    const whileUnarchived = await boardFootprint(pipeline, seeded);
    await writer.putObjects(seeded.buckets.archive, [{ key: all[0] ?? '', body: 'archived' }]);
    const job = await pipeline.run(jobId);

    // Assess
    expect(waiting.waitReason).toMatch(/^archive: 1 of 6 objects have no copy/);
    expect(whileUnarchived).toMatchObject({ board: true, cards: ['c1', 'c2'] });
    expect(whileUnarchived.objects).toEqual(expect.arrayContaining(all));
    expect(job).toMatchObject({ outcome: 'deleted', waiting: 0 });
    expect(await boardFootprint(pipeline, seeded)).toMatchObject({
      board: false,
      cards: [],
      objects: [],
    });
  });
});

describe('Guard: custom predicate', () => {
  it('makes a unit wait with the reason the predicate gives, and go once it agrees', async () => {
    // Prepare
    let pinned = true;
    const seen: { id: string; projectId: unknown }[] = [];
    const pipeline = await createPipelineHarness('predicate', {
      settings: RECHECK,
      graph: guardedGraph('snapshot', {
        predicate: ({ id, row }) => {
          seen.push({ id, projectId: row?.projectId });
          return pinned && id === 'acme-p01-s0002' ? `snapshot ${id} is pinned by a release` : true;
        },
      }),
    });
    const dataset = await pipeline.seed(ONE_PROJECT);
    const snapshotsTable = pipeline.graph.tables.snapshots?.name ?? '';

    // Act
    const jobId = await deleteProject(pipeline);
    const waiting = await runUntil(pipeline, jobId, (job) => job.waiting > 0);
    const whilePinned = await targetFootprint(pipeline, dataset);
    pinned = false;
    const job = await pipeline.run(jobId);

    // Assess
    expect(waiting.waitReason).toBe(
      'predicate: snapshot "acme-p01-s0002": snapshot acme-p01-s0002 is pinned by a release',
    );
    expect(whilePinned.rows[snapshotsTable]).toBe(SMALL_SIZE.snapshotsPerProject);
    expect(seen.every((s) => s.projectId === 'acme-p01')).toBe(true);
    expect(job.outcome).toBe('deleted');
    expect((await targetFootprint(pipeline, dataset)).rows[snapshotsTable]).toBe(0);
  });
});
