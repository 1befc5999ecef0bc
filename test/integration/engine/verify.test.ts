import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { verifyReceipt } from '../../../lib/engine/verify-receipt.js';
import { getReceipt } from '../../../lib/engine/write-receipt.js';
import {
  DELETION_VERIFIED,
  deletionVerifiedDetailSchema,
} from '../../../lib/events/deletion-verified.js';
import type { SignedReceipt } from '../../../lib/model/receipts.js';
import { JobNotCompletedError } from '../../../lib/model/verification.js';
import type { Item } from '../../../lib/ports/document-store.js';
import { type SeededDataset, SMALL_SIZE } from '../../../local/example-dataset.js';
import { createPipelineHarness, type PipelineHarness } from '../support/pipeline-harness.js';

const SIZE = { ...SMALL_SIZE, projects: 2, artifactsPerProject: 4, alertsPerProject: 2 };
const minutesFromNow = (m: number) => new Date(Date.now() + m * 60_000);
const byEntity = (a: { entity: string }, b: { entity: string }) => a.entity.localeCompare(b.entity);

/** Deletes the target organization and runs its job to completion. */
async function deletedOrganization(pipeline: PipelineHarness) {
  const dataset = await pipeline.seed(SIZE);
  const { jobId } = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'acme' });
  const job = await pipeline.run(jobId);
  return { dataset, jobId, job };
}

function tableOf(pipeline: PipelineHarness, table: string): string {
  return pipeline.graph.tables[table]?.name ?? '';
}

function bucketOf(pipeline: PipelineHarness, bucket: string): string {
  return pipeline.graph.buckets[bucket]?.name ?? '';
}

function targetRows(pipeline: PipelineHarness, dataset: SeededDataset, table: string): Item[] {
  return [...(dataset.target.rows[tableOf(pipeline, table)] ?? [])];
}

/** A write that skips lethe (no guardedPut, no stream consumer running): "behind its back". */
async function putObject(pipeline: PipelineHarness, bucket: string, key: string, body: string) {
  await pipeline.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

describe('Method: verify (re-discovery)', () => {
  it('finds nothing after a complete deletion, and records that on the job', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('verclean');
    const { jobId } = await deletedOrganization(pipeline);

    // Act
    const outcome = await pipeline.engine.verify(jobId);

    // Assess
    expect(outcome.verification).toMatchObject({ findings: 0, items: [], truncated: false });
    expect(outcome.verification.requests).toBeGreaterThan(0);
    const job = await pipeline.engine.getJob(jobId);
    expect(job?.verification).toMatchObject({ findings: 0, trigger: 'cli' });
    const published = pipeline.events.events.filter((e) => e.detailType === DELETION_VERIFIED);
    expect(published).toHaveLength(1);
    expect(deletionVerifiedDetailSchema.parse(published[0]?.detail)).toMatchObject({
      jobId,
      findings: 0,
    });
  });

  it('finds a row put back behind lethe’s back, with its table, key and relation path', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('verrow');
    const { dataset, jobId } = await deletedOrganization(pipeline);
    const artifact = targetRows(pipeline, dataset, 'artifacts')[0] as Item;
    await pipeline.engine.context.docs.put(tableOf(pipeline, 'artifacts'), artifact);

    // Act
    const { verification } = await pipeline.engine.verify(jobId);

    // Assess
    expect(verification.findings).toBe(1);
    expect(verification.items).toEqual([
      {
        kind: 'row',
        relation: 'project.artifact.projectId',
        path: `project:${String(artifact.projectId)}`,
        table: tableOf(pipeline, 'artifacts'),
        key: { artifactId: artifact.artifactId },
      },
    ]);
  });

  it('finds an object put back under a deleted project’s prefix, and the root row', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('verobj');
    const { dataset, jobId } = await deletedOrganization(pipeline);
    const projectId = dataset.target.projectIds[0] ?? '';
    const key = `projects/${projectId}/late.bin`;
    await putObject(pipeline, bucketOf(pipeline, 'artifacts'), key, 'late');
    const organization = targetRows(pipeline, dataset, 'organizations')[0] as Item;
    await pipeline.engine.context.docs.put(tableOf(pipeline, 'organizations'), organization);

    // Act
    const { verification } = await pipeline.engine.verify(jobId);

    // Assess
    expect(verification.findings).toBe(2);
    expect(verification.items).toContainEqual({
      kind: 'object',
      relation: 'organization.project.orgId',
      path: `project:${projectId}`,
      bucket: bucketOf(pipeline, 'artifacts'),
      key,
    });
    expect(verification.items).toContainEqual({
      kind: 'row',
      relation: 'root.organization',
      path: 'organization:acme',
      table: tableOf(pipeline, 'organizations'),
      key: { orgId: 'acme' },
    });
  });

  it('erases what it found: a follow-up job deletes each owner again, then verify finds nothing', async () => {
    // Prepare: an object under a deleted project's prefix, an artifact row and the root row.
    const pipeline = await createPipelineHarness('vererase');
    const { dataset, jobId } = await deletedOrganization(pipeline);
    const projectId = dataset.target.projectIds[0] ?? '';
    await putObject(
      pipeline,
      bucketOf(pipeline, 'artifacts'),
      `projects/${projectId}/late.bin`,
      'x',
    );
    const artifact = targetRows(pipeline, dataset, 'artifacts').find(
      (row) => row.projectId === projectId,
    ) as Item;
    await pipeline.engine.context.docs.put(tableOf(pipeline, 'artifacts'), artifact);
    const organization = targetRows(pipeline, dataset, 'organizations')[0] as Item;
    await pipeline.engine.context.docs.put(tableOf(pipeline, 'organizations'), organization);
    const found = await pipeline.engine.verify(jobId);

    // Act
    const erasures = await pipeline.engine.eraseFindings(found.owners);
    for (const erasure of erasures)
      if (erasure.status === 'requested') await pipeline.run(erasure.jobId);
    const again = await pipeline.engine.verify(jobId);

    // Assess: `lethe delete` would only name the job; a follow-up per owner erased it all.
    expect(found.verification.findings).toBe(3);
    expect(
      erasures.map(({ entity, id, status }) => ({ entity, id, status })).sort(byEntity),
    ).toEqual([
      { entity: 'organization', id: 'acme', status: 'requested' },
      { entity: 'project', id: projectId, status: 'requested' },
    ]);
    expect(again.verification.findings).toBe(0);
    for (const erasure of erasures) {
      const followUp = await pipeline.engine.getJob(
        erasure.status === 'requested' ? erasure.jobId : '',
      );
      expect(followUp).toMatchObject({
        status: 'completed',
        followUpOf: jobId,
        requester: 'verify-findings',
      });
    }
    expect((await pipeline.engine.getJob(jobId))?.followUps).toBe(2);
  });

  it('keeps a shared image still referenced elsewhere and a re-pointed set-null row out of the findings', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('verkept');
    const { dataset, jobId } = await deletedOrganization(pipeline);
    const docs = pipeline.engine.context.docs;
    // A snapshot and its manifest put back: the images it lists that another tenant still
    // references are kept, an image only it owned (put back too) is a finding.
    const snapshot = targetRows(pipeline, dataset, 'snapshots').find((row) => {
      const images = imagesOf(dataset, String(row.snapshotId));
      return (
        images.some((i) => dataset.expected.imagesKept.includes(i)) &&
        images.some((i) => dataset.expected.imagesDeleted.includes(i))
      );
    });
    if (!snapshot) throw new Error('the data set has no snapshot with both kinds of image');
    const snapshotId = String(snapshot.snapshotId);
    const images = imagesOf(dataset, snapshotId);
    const deletedImage = images.find((i) => dataset.expected.imagesDeleted.includes(i)) ?? '';
    await docs.put(tableOf(pipeline, 'snapshots'), snapshot);
    const manifestKey = `manifests/${snapshotId}.json`;
    await putObject(
      pipeline,
      bucketOf(pipeline, 'snapshots'),
      manifestKey,
      JSON.stringify({ snapshotId, images: images.map((i) => i.replace(/^images\//, '')) }),
    );
    await putObject(pipeline, bucketOf(pipeline, 'images'), deletedImage, 'bytes');
    // Two alerts of a deleted project: one re-pointed to the decoy's project, one naming the
    // deleted project again.
    const [moved, stale] = targetRows(pipeline, dataset, 'alerts');
    if (!moved || !stale) throw new Error('the data set has fewer than two alerts');
    await docs.put(tableOf(pipeline, 'alerts'), {
      ...moved,
      projectId: dataset.decoy.projectIds[0],
    });
    await docs.put(tableOf(pipeline, 'alerts'), stale);

    // Act
    const { verification } = await pipeline.engine.verify(jobId);

    // Assess
    const where = verification.items.map((f) =>
      f.kind === 'object'
        ? `${f.kind} ${f.bucket}/${f.key}`
        : `${f.kind} ${f.table} ${JSON.stringify(f.key)}`,
    );
    expect(where.sort()).toEqual(
      [
        `row ${tableOf(pipeline, 'snapshots')} ${JSON.stringify({ snapshotId })}`,
        `object ${bucketOf(pipeline, 'snapshots')}/${manifestKey}`,
        `object ${bucketOf(pipeline, 'images')}/${deletedImage}`,
        `nulled ${tableOf(pipeline, 'alerts')} ${JSON.stringify({ alertId: stale.alertId })}`,
      ].sort(),
    );
    expect(verification.kept.shared).toBe(
      images.filter((i) => dataset.expected.imagesKept.includes(i)).length,
    );
  });

  it('keeps a row put back under a held project out of the findings', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('verheld');
    const { dataset, jobId } = await deletedOrganization(pipeline);
    const artifact = targetRows(pipeline, dataset, 'artifacts')[0] as Item;
    await pipeline.engine.context.docs.put(tableOf(pipeline, 'artifacts'), artifact);
    await pipeline.engine.placeHold({
      entity: 'project',
      id: String(artifact.projectId),
      reason: 'litigation',
    });

    // Act
    const { verification } = await pipeline.engine.verify(jobId);

    // Assess
    expect(verification).toMatchObject({ findings: 0, kept: { held: 1 } });
  });

  it('refuses a job that has not completed', async () => {
    // Prepare: the job's first message is lost, so it stays running.
    const pipeline = await createPipelineHarness('verrun');
    await pipeline.seed(SIZE);
    const silent = pipeline.silentEngine();
    const { jobId } = await silent.requestDeletion({ entity: 'organization', id: 'acme' });

    // Act
    const refused = await pipeline.engine.verify(jobId).then(
      () => undefined,
      (error: unknown) => error,
    );

    // Assess
    expect(refused).toBeInstanceOf(JobNotCompletedError);
    expect((await pipeline.engine.getJob(jobId))?.verification).toBeUndefined();
  });
});

describe('Sweeper: verification after completion', () => {
  it('verifies a job once, verifyAfterMinutes after it completed, and only then collects it', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('versweep', {
      settings: { shards: 1, verifyAfterMinutes: 5 },
    });
    const { jobId } = await deletedOrganization(pipeline);

    // Act
    const early = await pipeline.engine.sweep();
    const due = await Promise.all([
      pipeline.engine.sweep({ now: minutesFromNow(6) }),
      pipeline.engine.sweep({ now: minutesFromNow(6) }),
    ]);
    const later = await pipeline.engine.sweep({ now: minutesFromNow(7) });

    // Assess
    expect(early).toMatchObject({ jobsVerified: 0, jobsCollected: 0 });
    expect(due.map((r) => r.jobsVerified).sort()).toEqual([0, 1]);
    // Collecting is idempotent (it sets a TTL): either run may have done it, once verified.
    expect(due.reduce((n, r) => n + r.jobsCollected, 0) + later.jobsCollected).toBeGreaterThan(0);
    expect(later.jobsVerified).toBe(0);
    const job = await pipeline.engine.getJob(jobId);
    expect(job?.verification).toMatchObject({ findings: 0, trigger: 'sweeper' });
    const verified = pipeline.events.events.filter((e) => e.detailType === DELETION_VERIFIED);
    expect(verified).toHaveLength(1);
    expect(verified[0]?.detail).toMatchObject({ jobId, findings: 0, trigger: 'sweeper' });
  });

  it('signs the verification onto the job’s receipt, where a changed finding count fails the check', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('verattest', {
      settings: { shards: 1, verifyAfterMinutes: 5 },
    });
    const { jobId } = await deletedOrganization(pipeline);
    const publicKey = (await pipeline.engine.context.signer?.publicKeyPem()) ?? '';
    const before = await getReceipt(pipeline.engine.context.state, jobId);

    // Act
    await pipeline.engine.sweep({ now: minutesFromNow(6) });
    const signed = await getReceipt(pipeline.engine.context.state, jobId);

    // Assess
    expect(before?.verification).toBeUndefined();
    expect(signed?.verification?.attestation).toMatchObject({
      jobId,
      receiptRoot: signed?.receipt.root,
      findings: 0,
      trigger: 'sweeper',
    });
    expect(verifyReceipt(signed, publicKey)).toMatchObject({ ok: true, problems: [] });
    const hidden = structuredClone(signed) as SignedReceipt & {
      verification: { attestation: { findings: number } };
    };
    hidden.verification.attestation.findings = 3;
    expect(verifyReceipt(hidden, publicKey).problems).toEqual([
      'verification.signature: does not match the verification and this public key',
    ]);
    const moved = structuredClone(signed) as SignedReceipt;
    moved.receipt.root = '0'.repeat(64);
    expect(verifyReceipt(moved, publicKey).problems).toContain(
      "verification.receiptRoot is not the receipt's root",
    );
  });

  it('keeps sweeping when a verification fails, and tries it again at the next run', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('versweepfail', {
      settings: { shards: 1, verifyAfterMinutes: 1 },
    });
    const { jobId } = await deletedOrganization(pipeline);
    let failing = true;
    pipeline.clients.s3.middlewareStack.add(
      (next, context) => async (args) => {
        if (failing && context.commandName === 'ListObjectsV2Command')
          throw new Error('injected: ListObjectsV2 denied');
        return next(args);
      },
      { step: 'initialize', name: 'failListing' },
    );

    // Act
    const failed = await pipeline.engine.sweep({ now: minutesFromNow(2) });
    failing = false;
    const retried = await pipeline.engine.sweep({ now: minutesFromNow(3) });

    // Assess
    expect(failed).toMatchObject({ jobsVerified: 0, verificationsFailed: 1, jobsCollected: 0 });
    expect(retried).toMatchObject({ jobsVerified: 1, verificationsFailed: 0 });
    expect((await pipeline.engine.getJob(jobId))?.verification?.findings).toBe(0);
  });

  it('reports the findings of what it verified, for the alarm', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('versweepfind', {
      settings: { shards: 1, verifyAfterMinutes: 1 },
    });
    const { dataset } = await deletedOrganization(pipeline);
    const artifact = targetRows(pipeline, dataset, 'artifacts')[0] as Item;
    await pipeline.engine.context.docs.put(tableOf(pipeline, 'artifacts'), artifact);

    // Act
    const report = await pipeline.engine.sweep({ now: minutesFromNow(2) });

    // Assess
    expect(report).toMatchObject({ jobsVerified: 1, verificationFindings: 1 });
  });
});

/** The image keys (`images/<digest>`) a target snapshot's manifest lists. */
function imagesOf(dataset: SeededDataset, snapshotId: string): string[] {
  return [...dataset.imageOwners]
    .filter(([, owners]) => owners.includes(`snapshot#${snapshotId}`))
    .map(([key]) => key);
}
