import { DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createBulkWriter } from '../../../lib/adapters/bulk-writer.js';
import type { CrashPoint } from '../../../lib/engine/engine-context.js';
import { totalOf } from '../../../lib/model/counters.js';
import type { Job } from '../../../lib/model/jobs.js';
import {
  type ExampleDatasetSize,
  type SeededDataset,
  SMALL_SIZE,
} from '../../../local/example-dataset.js';
import { createPipelineHarness, type PipelineHarness } from '../support/pipeline-harness.js';
import { injectDeleteObjectsFaults, unitsOf } from './engine-test-support.js';

/** ≥ 5,000 objects: 2-page prefixes, keyed artifacts, manifests listing shared images. */
const FIVE_THOUSAND_OBJECTS: ExampleDatasetSize = {
  ...SMALL_SIZE,
  projects: 4,
  prefixObjectsPerProject: 1200,
  artifactsPerProject: 100,
  snapshotsPerProject: 25,
  imagesPerSnapshot: 4,
  imagePool: 60,
  imagesSharedWithDecoy: 10,
  alertsPerProject: 2,
  members: 5,
  decoyScale: 0.25,
};

/** Small, but every page chains: rows pages of 15, prefix units of 2 pages of 10 keys. */
const CHAINED_PAGES: ExampleDatasetSize = { ...SMALL_SIZE, prefixObjectsPerProject: 30 };
const CHAINED_SETTINGS = { pageSize: 15, objectPageSize: 10, prefixPagesPerUnit: 2 };

function ownedObjects(dataset: SeededDataset): number {
  return (
    Object.values(dataset.target.objects).reduce((sum, keys) => sum + keys.length, 0) +
    dataset.expected.imagesDeleted.length
  );
}

async function deleteOrganization(pipeline: PipelineHarness, timeoutMs = 120_000) {
  const { jobId } = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'acme' });
  return pipeline.run(jobId, { timeoutMs });
}

async function expectExactDeletion(pipeline: PipelineHarness, dataset: SeededDataset, job: Job) {
  const verification = await pipeline.verify(dataset);
  expect(verification.checks.filter((c) => !c.ok)).toEqual([]);
  expect(job.outcome).toBe('deleted');
  expect(totalOf(job.counts, 'rowsDeleted')).toBe(dataset.expected.rowsDeleted);
  expect(totalOf(job.counts, 'objectsDeleted')).toBe(dataset.expected.objectsDeleted);
  expect(totalOf(job.counts, 'objectsShared')).toBe(dataset.expected.objectsShared);
  expect(totalOf(job.counts, 'objectsFailed')).toBe(0);
  expect(job.planned).toBe(job.settled);
  expect(pipeline.events.events.filter((e) => e.detailType === 'DeletionCompleted')).toHaveLength(
    1,
  );
}

describe('Engine: deleting objects (rows, then objects)', () => {
  it('erases ≥ 5,000 objects under prefixes and manifests, keeping shared images and every decoy', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('fivek');
    const dataset = await pipeline.seed(FIVE_THOUSAND_OBJECTS);

    // Act
    const job = await deleteOrganization(pipeline, 300_000);

    // Assess
    expect(ownedObjects(dataset)).toBeGreaterThanOrEqual(5_000);
    expect(dataset.expected.imagesKept.length).toBeGreaterThan(0);
    await expectExactDeletion(pipeline, dataset, job);
    // One prefix unit per project: two pages, 1,000 keys and 200.
    expect(job.counts['organization.project.orgId']?.objectsDeleted).toBe(4 * 1200);
    expect(pipeline.handlerErrors).toEqual([]);
  }, 400_000);

  it('retries keys answered with SlowDown (20% of every call) until each one is deleted', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('slowdown');
    const dataset = await pipeline.seed({ ...SMALL_SIZE, prefixObjectsPerProject: 400 });
    const injected = injectDeleteObjectsFaults(pipeline, () =>
      Math.random() < 0.2
        ? { code: 'SlowDown', message: 'Please reduce your request rate.' }
        : undefined,
    );

    // Act
    const job = await deleteOrganization(pipeline);

    // Assess
    expect(injected.length).toBeGreaterThan(0.1 * ownedObjects(dataset));
    await expectExactDeletion(pipeline, dataset, job);
  });

  it('records a key denied for good as failed, with key and reason, and ends partial', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('denied');
    const dataset = await pipeline.seed(SMALL_SIZE);
    const [image] = dataset.expected.imagesDeleted;
    const denied = new Set([
      'artifacts/acme-p01/acme-p01-a00003.bin',
      'projects/acme-p02/uploads/file-0001.dat',
      image ?? '',
    ]);
    injectDeleteObjectsFaults(pipeline, (key) =>
      denied.has(key) ? { code: 'AccessDenied', message: 'Access Denied' } : undefined,
    );

    // Act
    const job = await deleteOrganization(pipeline);

    // Assess
    expect(job.outcome).toBe('partial');
    expect(totalOf(job.counts, 'objectsFailed')).toBe(3);
    expect(totalOf(job.counts, 'objectsDeleted')).toBe(dataset.expected.objectsDeleted - 3);
    const failures = (await unitsOf(pipeline, job.jobId)).flatMap(
      (unit) => (unit.failures as { key: string; code: string; bucket: string }[]) ?? [],
    );
    expect(failures.map((f) => f.key).sort()).toEqual([...denied].sort());
    expect(failures.every((f) => f.code === 'AccessDenied')).toBe(true);
    const objects = pipeline.engine.context.objects;
    const buckets = pipeline.graph.buckets;
    expect(
      await objects.exists(buckets.artifacts?.name ?? '', 'artifacts/acme-p01/acme-p01-a00003.bin'),
    ).toBe(true);
    expect(await objects.exists(buckets.images?.name ?? '', image ?? '')).toBe(true);
    expect(pipeline.events.events[0]?.detail.outcome).toBe('partial');
  });

  it('deletes an unreadable manifest’s own key, counts it, and keeps its key and reason', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('badmanifest');
    const dataset = await pipeline.seed({ ...SMALL_SIZE, projects: 1 });
    const snapshots = pipeline.graph.buckets.snapshots?.name ?? '';
    const writer = createBulkWriter(pipeline.clients);
    await writer.putObjects(snapshots, [
      { key: 'manifests/acme-p01-s0000.json', body: '{"images": [' },
    ]);
    await pipeline.clients.s3.send(
      new DeleteObjectCommand({
        Bucket: snapshots,
        Key: 'manifests/acme-p01-s0001.json',
      }),
    );

    // Act
    const job = await deleteOrganization(pipeline);

    // Assess
    expect(job.counts['project.snapshot.projectId']?.manifestsUnreadable).toBe(2);
    expect(totalOf(job.counts, 'manifestsUnreadable')).toBe(2);
    expect(job.outcome).toBe('partial');
    const objects = pipeline.engine.context.objects;
    expect(await objects.exists(snapshots, 'manifests/acme-p01-s0000.json')).toBe(false);
    const manifests = (await unitsOf(pipeline, job.jobId)).flatMap(
      (unit) => (unit.manifests as { key: string; reason: string }[]) ?? [],
    );
    expect(manifests).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          key: 'manifests/acme-p01-s0000.json',
          reason: 'is not valid JSON',
        }),
        expect.objectContaining({ key: 'manifests/acme-p01-s0001.json', reason: 'does not exist' }),
      ]),
    );
    // Everything else went as usual.
    const checks = (await pipeline.verify(dataset)).checks;
    expect(checks.find((c) => c.name === 'no owned row remains')?.ok).toBe(true);
    expect(checks.find((c) => c.name === 'no owned object remains')?.ok).toBe(true);
    expect(checks.find((c) => c.name === 'shared images still referenced remain')?.ok).toBe(true);
  });
});

describe('Engine: shared content (refcount)', () => {
  it('keeps an image two snapshots share until the second one is deleted', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('shared');
    const { docs, objects } = pipeline.engine.context;
    const snapshotsTable = pipeline.graph.tables.snapshots?.name ?? '';
    const snapshots = pipeline.graph.buckets.snapshots?.name ?? '';
    const images = pipeline.graph.buckets.images?.name ?? '';
    const writer = createBulkWriter(pipeline.clients);
    const listed = { s1: ['common', 'only-1'], s2: ['common', 'only-2'] };
    for (const [snapshotId, digests] of Object.entries(listed)) {
      await docs.put(snapshotsTable, { snapshotId, projectId: 'p-shared' });
      await writer.putObjects(snapshots, [
        { key: `manifests/${snapshotId}.json`, body: JSON.stringify({ images: digests }) },
      ]);
      for (const digest of digests) {
        await writer.putObjects(images, [{ key: `images/${digest}`, body: digest }]);
        await pipeline.engine.registerRef(images, `images/${digest}`, `snapshot#${snapshotId}`);
      }
    }

    // Act
    const first = await pipeline.run(
      (await pipeline.engine.requestDeletion({ entity: 'snapshot', id: 's1' })).jobId,
    );
    const commonAfterFirst = await objects.exists(images, 'images/common');
    const second = await pipeline.run(
      (await pipeline.engine.requestDeletion({ entity: 'snapshot', id: 's2' })).jobId,
    );

    // Assess
    expect(commonAfterFirst).toBe(true);
    expect(first.counts['root.snapshot']).toMatchObject({ objectsDeleted: 2, objectsShared: 1 });
    expect(second.counts['root.snapshot']).toMatchObject({ objectsDeleted: 3 });
    expect(second.counts['root.snapshot']?.objectsShared).toBeUndefined();
    for (const key of ['images/common', 'images/only-1', 'images/only-2'])
      expect(await objects.exists(images, key)).toBe(false);
  });
});

describe('Engine: crash points', () => {
  let baseline: Promise<Job> | undefined;
  const noCrashRun = () => {
    baseline ??= (async () => {
      const pipeline = await createPipelineHarness('nocrash', { settings: CHAINED_SETTINGS });
      const dataset = await pipeline.seed(CHAINED_PAGES);
      const job = await deleteOrganization(pipeline);
      await expectExactDeletion(pipeline, dataset, job);
      return job;
    })();
    return baseline;
  };

  it.each<CrashPoint>([
    'after-tombstone',
    'after-intent',
    'mid-page',
    'after-rows',
    'after-objects',
    'after-commit',
  ])('converges to the no-crash state and counts when workers crash at %s', async (point) => {
    // Prepare
    const expected = await noCrashRun();
    let armed = false;
    let crashes = 0;
    const pipeline = await createPipelineHarness('crash', {
      settings: CHAINED_SETTINGS,
      crashPoint: (reached) => {
        if (armed && reached === point && crashes < 3) {
          crashes++;
          throw new Error(`crash at ${point}`);
        }
      },
    });
    const dataset = await pipeline.seed(CHAINED_PAGES);

    // Act
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'acme' });
    armed = true;
    const job = await pipeline.run(jobId, { timeoutMs: 120_000 });

    // Assess
    expect(crashes).toBe(3);
    await expectExactDeletion(pipeline, dataset, job);
    expect(job.counts).toEqual(expected.counts);
    expect(job.planned).toBe(expected.planned);
  });

  it.each<CrashPoint>(['after-intent', 'mid-page', 'after-objects'])(
    'counts every prefix key exactly once when prefix units crash at %s after pinning their range',
    async (point) => {
      // Prepare
      const expected = await noCrashRun();
      const crashed = new Set<string>();
      const pipeline = await createPipelineHarness('prefixcrash', {
        settings: CHAINED_SETTINGS,
        crashPoint: (reached, unitId) => {
          if (reached === point && unitId.startsWith('prefix|') && !crashed.has(unitId)) {
            crashed.add(unitId);
            throw new Error(`crash at ${point} in ${unitId}`);
          }
        },
      });
      const dataset = await pipeline.seed(CHAINED_PAGES);

      // Act
      const job = await deleteOrganization(pipeline);

      // Assess
      expect(crashed.size).toBeGreaterThanOrEqual(2 * CHAINED_PAGES.projects);
      await expectExactDeletion(pipeline, dataset, job);
      expect(job.counts).toEqual(expected.counts);
      expect(job.planned).toBe(expected.planned);
    },
  );

  it('deletes a key written into a pinned range before the re-run, without counting it', async () => {
    // Prepare
    const expected = await noCrashRun();
    const written: Promise<unknown>[] = [];
    const lateProjects: string[] = [];
    let pipeline: PipelineHarness | undefined;
    pipeline = await createPipelineHarness('pinnedrange', {
      settings: CHAINED_SETTINGS,
      crashPoint: (reached, unitId) => {
        // The first segment of each project's uploads pins file-0000 … file-0019; file-0005a
        // sorts inside that range, and is written after the pin, before the re-run.
        const [kind, , , page, projectId] = unitId.split('|');
        if (reached !== 'after-intent' || kind !== 'prefix' || page !== '0' || !pipeline) return;
        if (projectId === undefined || lateProjects.includes(projectId)) return;
        lateProjects.push(projectId);
        written.push(
          pipeline.clients.s3.send(
            new PutObjectCommand({
              Bucket: pipeline.graph.buckets.artifacts?.name,
              Key: `projects/${projectId}/uploads/file-0005a.dat`,
              Body: 'late',
            }),
          ),
        );
        throw new Error(`crash after pinning ${unitId}`);
      },
    });
    const dataset = await pipeline.seed(CHAINED_PAGES);

    // Act
    const job = await deleteOrganization(pipeline);
    await Promise.all(written);

    // Assess
    expect(lateProjects).toHaveLength(CHAINED_PAGES.projects);
    for (const projectId of lateProjects) {
      const { KeyCount } = await pipeline.clients.s3.send(
        new ListObjectsV2Command({
          Bucket: pipeline.graph.buckets.artifacts?.name,
          Prefix: `projects/${projectId}/uploads/`,
        }),
      );
      expect(KeyCount, projectId).toBe(0);
    }
    await expectExactDeletion(pipeline, dataset, job);
    expect(job.counts).toEqual(expected.counts);
  });

  it('counts every prefix key exactly once when every message is delivered twice at once', async () => {
    // Prepare
    const expected = await noCrashRun();
    const pipeline = await createPipelineHarness('prefixtwice', { settings: CHAINED_SETTINGS });
    const dataset = await pipeline.seed(CHAINED_PAGES);

    // Act
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'acme' });
    const job = await pipeline.run(jobId, { duplicate: true });

    // Assess
    await expectExactDeletion(pipeline, dataset, job);
    expect(job.counts).toEqual(expected.counts);
    expect(job.planned).toBe(expected.planned);
  });
});
