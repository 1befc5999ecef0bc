import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { exampleGraphDefinition } from '../../../infra/example-graph.js';
import { TombstonedError } from '../../../lib/engine/guarded-put.js';
import { InvalidMessageError } from '../../../lib/engine/work-message.js';
import { defineGraph } from '../../../lib/graph/define-graph.js';
import { totalOf } from '../../../lib/model/counters.js';
import { type ExampleDatasetSize, SMALL_SIZE } from '../../../local/example-dataset.js';
import { createPipelineHarness, type PipelineHarness } from '../support/pipeline-harness.js';

/** ≥ 10,000 rows over three levels: organization → projects → artifacts and snapshots. */
const TEN_THOUSAND_ROWS: ExampleDatasetSize = {
  ...SMALL_SIZE,
  projects: 10,
  artifactsPerProject: 920,
  snapshotsPerProject: 60,
  imagesPerSnapshot: 3,
  imagePool: 40,
  alertsPerProject: 20,
  members: 300,
  prefixObjectsPerProject: 20,
  decoyScale: 0.1,
};

async function deleteAndCheck(
  pipeline: PipelineHarness,
  size: ExampleDatasetSize,
  duplicate = false,
) {
  const dataset = await pipeline.seed(size);
  const { jobId } = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'acme' });
  const job = await pipeline.run(jobId, { duplicate, timeoutMs: 240_000 });
  const verification = await pipeline.verify(dataset);
  expect(verification.checks.filter((c) => !c.ok)).toEqual([]);
  expect(job.outcome).toBe('deleted');
  expect(totalOf(job.counts, 'rowsDeleted')).toBe(dataset.expected.rowsDeleted);
  expect(totalOf(job.counts, 'rowsNulled')).toBe(dataset.expected.rowsNulled);
  expect(totalOf(job.counts, 'objectsDeleted')).toBe(dataset.expected.objectsDeleted);
  expect(totalOf(job.counts, 'objectsShared')).toBe(dataset.expected.objectsShared);
  expect(job.planned).toBe(job.settled);
  expect(pipeline.events.events.filter((e) => e.detailType === 'DeletionCompleted')).toHaveLength(
    1,
  );
  expect(pipeline.handlerErrors).toEqual([]);
  return { dataset, job };
}

describe('Engine: deleting an organization of the example graph', () => {
  it('erases ≥ 10,000 rows over three levels, nulls alerts, keeps the other tenant, counts exactly', async () => {
    const pipeline = await createPipelineHarness('tenk');
    const { dataset, job } = await deleteAndCheck(pipeline, TEN_THOUSAND_ROWS);
    expect(dataset.expected.rowsDeleted).toBeGreaterThanOrEqual(10_000);
    // Counters are kept per relation: the artifacts relation shows its own rows.
    expect(job.counts['project.artifact.projectId']?.rowsDeleted).toBe(10 * 920);
    expect(job.counts['organization.membership.orgId']?.rowsDeleted).toBe(300);
    expect(job.counts['root.organization']?.rowsDeleted).toBe(1);
  }, 400_000);

  it('holds when every message is delivered twice, concurrently', async () => {
    const pipeline = await createPipelineHarness('dup');
    await deleteAndCheck(pipeline, SMALL_SIZE, true);
  });

  it('holds when the page size is 1', async () => {
    const pipeline = await createPipelineHarness('page1', { settings: { pageSize: 1 } });
    await deleteAndCheck(pipeline, {
      ...SMALL_SIZE,
      projects: 2,
      artifactsPerProject: 12,
      members: 4,
    });
  }, 300_000);

  it('loses nothing when a worker crashes between its commit and sending what it spawned', async () => {
    let crashes = 0;
    const pipeline = await createPipelineHarness('aftercommit', {
      crashPoint: (point) => {
        if (point === 'after-commit' && crashes < 5) {
          crashes++;
          throw new Error('crash after commit');
        }
      },
    });
    const dataset = await pipeline.seed(SMALL_SIZE);
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'acme' });
    const job = await pipeline.run(jobId);
    expect(crashes).toBe(5);
    expect((await pipeline.verify(dataset)).ok).toBe(true);
    expect(totalOf(job.counts, 'rowsDeleted')).toBe(dataset.expected.rowsDeleted);
  });
});

describe('Method: requestDeletion', () => {
  it('returns the existing job when the same entity is requested again', async () => {
    const pipeline = await createPipelineHarness('again');
    const first = await pipeline.engine.requestDeletion({ entity: 'project', id: 'p-again' });
    const second = await pipeline.engine.requestDeletion({ entity: 'project', id: 'p-again' });
    expect(second).toEqual({ ...first, created: false });
  });

  it('allocates a gap-free sequence per shard in commit order under 50 concurrent writers', async () => {
    const pipeline = await createPipelineHarness('seq', { settings: { shards: 1 } });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        pipeline.engine.requestDeletion({ entity: 'artifact', id: `a-${i}` }),
      ),
    );
    const seqs = results.map((r) => r.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(new Set(results.map((r) => r.jobId)).size).toBe(50);
    // 50 transactions racing on one shard's counter retry with backoff: ~10 s alone, but a
    // busy DynamoDB Local (other files of the suite) stretched it past 120 s once.
  }, 300_000);

  it('rejects an unknown entity with a typed reason', async () => {
    const pipeline = await createPipelineHarness('unknown');
    await expect(pipeline.engine.requestDeletion({ entity: 'planet', id: 'x' })).rejects.toThrow(
      /unknown entity "planet"/,
    );
  });
});

describe('Method: guardedPut', () => {
  it('refuses to write back a tombstoned id, or a child of a tombstoned parent', async () => {
    const pipeline = await createPipelineHarness('guard');
    await pipeline.engine.guardedPut('project', { projectId: 'p-live', orgId: 'o-live' });
    await pipeline.engine.requestDeletion({ entity: 'project', id: 'p-dead' });

    await expect(
      pipeline.engine.guardedPut('project', { projectId: 'p-dead', orgId: 'o-live' }),
    ).rejects.toBeInstanceOf(TombstonedError);
    await expect(
      pipeline.engine.guardedPut('artifact', {
        artifactId: 'a1',
        projectId: 'p-dead',
        retentionClass: 'standard',
      }),
    ).rejects.toThrow(/project "p-dead" is deleted/);
    await expect(
      pipeline.engine.guardedPut('artifact', { artifactId: 'a2', projectId: 'p-live' }),
    ).resolves.toBeUndefined();
  });
});

describe('Relation: restrict', () => {
  it('blocks the parent and everything above it, and the job says so', async () => {
    const pipeline = await createPipelineHarness('restrict', {
      graph: (prefix) => {
        const definition = exampleGraphDefinition({ prefix });
        return defineGraph({
          ...definition,
          entities: {
            ...definition.entities,
            alert: {
              table: 'alerts',
              parents: [
                {
                  entity: 'project',
                  attribute: 'projectId',
                  index: 'byProject',
                  onDelete: 'restrict',
                },
              ],
            },
          },
        });
      },
    });
    const size = { ...SMALL_SIZE, projects: 2, alertsPerProject: 0 };
    const dataset = await pipeline.seed(size);
    const tables = pipeline.graph.tables;
    await pipeline.engine.context.docs.put(tables.alerts?.name ?? '', {
      alertId: 'blocker',
      projectId: 'acme-p02',
    });

    const plan = await pipeline.engine.plan('organization', 'acme');
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'acme' });
    const job = await pipeline.run(jobId);

    expect(job.outcome).toBe('blocked');
    // The dry run plans nothing under the blocked project, as the engine deletes nothing there.
    expect(plan.totals.rowsDeleted).toBe(totalOf(job.counts, 'rowsDeleted'));
    expect(plan.totals.objectsDeleted).toBe(totalOf(job.counts, 'objectsDeleted'));
    expect(plan.totals.blocked).toBe(totalOf(job.counts, 'blocked'));
    expect(job.counts['project.alert.projectId']?.blocked).toBe(1);
    expect(job.counts['organization.project.orgId']?.blocked).toBe(1);
    expect(job.counts['root.organization']?.blocked).toBe(1);
    const docs = pipeline.engine.context.docs;
    expect(await docs.get(tables.projects?.name ?? '', { projectId: 'acme-p02' })).toBeDefined();
    expect(await docs.get(tables.projects?.name ?? '', { projectId: 'acme-p01' })).toBeUndefined();
    expect(await docs.get(tables.organizations?.name ?? '', { orgId: 'acme' })).toBeDefined();
    expect(dataset.target.projectIds).toContain('acme-p02');
  });
});

describe('Method: handleMessage', () => {
  it.each([
    ['invalid JSON', '{not json', /not valid JSON/],
    [
      'an unknown version',
      JSON.stringify({ v: 9, type: 'cascade', jobId: 'j', entity: 'project', id: 'p' }),
      /unknown message version 9/,
    ],
    [
      'wrong types',
      JSON.stringify({ v: 1, type: 'rows', jobId: 'j', relation: 'x', parentId: 'p', page: 'one' }),
      /page/,
    ],
    [
      'an unknown type',
      JSON.stringify({ v: 1, type: 'explode', jobId: 'j' }),
      /malformed work message/,
    ],
    [
      'a unit that was never planned',
      JSON.stringify({ v: 1, type: 'cascade', jobId: 'j', entity: 'planet', id: 'p' }),
      /no planned unit/,
    ],
  ])('rejects %s with a typed reason', async (_label, body, reason) => {
    const pipeline = await createPipelineHarness('badmsg');
    const error = await pipeline.engine.handleMessage(body).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidMessageError);
    expect(String((error as Error).message)).toMatch(reason);
  });

  it('fails only the bad record of a batch; the job still completes', async () => {
    const pipeline = await createPipelineHarness('badbatch', { settings: { maxReceiveCount: 2 } });
    const dataset = await pipeline.seed({ ...SMALL_SIZE, projects: 1 });
    await pipeline.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: pipeline.workQueueUrl,
        MessageBody: '{"v":1,"type":"nope"}',
      }),
    );
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'acme' });
    const job = await pipeline.run(jobId, { timeoutMs: 60_000 });
    expect(job.outcome).toBe('deleted');
    expect((await pipeline.verify(dataset)).ok).toBe(true);
    expect(pipeline.handlerErrors.length).toBeGreaterThanOrEqual(1);
    expect(pipeline.handlerErrors.every((e) => e instanceof InvalidMessageError)).toBe(true);
  });
});
