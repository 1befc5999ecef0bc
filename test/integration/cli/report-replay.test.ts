import { createHash } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { totalOf } from '../../../lib/model/counters.js';
import type { Job } from '../../../lib/model/jobs.js';
import { SMALL_SIZE } from '../../../local/example-dataset.js';
import { connectTo, lethe } from '../support/lethe-cli.js';
import { createPipelineHarness } from '../support/pipeline-harness.js';

const ONE_PROJECT = { ...SMALL_SIZE, projects: 1, artifactsPerProject: 6, snapshotsPerProject: 3 };

const totalsOf = (job: Job) => ({
  rowsDeleted: totalOf(job.counts, 'rowsDeleted'),
  rowsNulled: totalOf(job.counts, 'rowsNulled'),
  objectsDeleted: totalOf(job.counts, 'objectsDeleted'),
});

describe('Command: lethe report', () => {
  it('lists a deletion with its deadline met, totals first, as JSON, Markdown and with hidden ids', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('report');
    const prefix = pipeline.graph.tables.projects?.name.replace(/-projects$/, '') ?? '';
    const cli = (args: string[]) => lethe(['--connection', connectTo(pipeline, prefix), ...args]);
    const dataset = await pipeline.seed(ONE_PROJECT);
    const since = new Date(Date.now() - 1000).toISOString();
    const deleted = await cli(['delete', 'organization', 'acme', '--json']);
    const { jobId } = JSON.parse(deleted.stdout) as { jobId: string };
    const job = await pipeline.run(jobId);

    // Act
    const json = await cli(['report', '--since', since, '--json']);
    const hidden = await cli(['report', '--since', since, '--json', '--hide-ids']);
    const markdown = await cli(['report', '--since', since, '--markdown']);
    const status = await cli(['status', jobId]);
    const badSince = await cli(['report', '--since', 'last tuesday']);

    // Assess
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(Object.keys(report).slice(0, 5)).toEqual([
      'version',
      'since',
      'until',
      'generatedAt',
      'totals',
    ]);
    expect(report).toMatchObject({
      version: 1,
      totals: { requests: 1, completed: 1, completedWithinDeadline: 1, held: 0, missed: 0 },
    });
    expect(report.deletions).toEqual([
      {
        jobId,
        entity: 'organization',
        id: 'acme',
        requester: 'cli',
        requestedAt: job.createdAt,
        completedAt: job.completedAt,
        status: 'completed',
        outcome: 'deleted',
        deadlineAt: job.deadlineAt,
        deadline: { status: 'met' },
        counts: {
          rowsDeleted: dataset.expected.rowsDeleted,
          rowsNulled: dataset.expected.rowsNulled,
          objectsDeleted: dataset.expected.objectsDeleted,
          failedUnits: 0,
        },
        receiptRoot: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    ]);
    const anonymous = JSON.parse(hidden.stdout).deletions[0];
    expect(anonymous.id).toBeUndefined();
    expect(anonymous.idSha256).toBe(createHash('sha256').update('acme').digest('hex'));
    expect(markdown.stdout).toContain('| completed within deadline | 1 |');
    expect(markdown.stdout).toMatch(/\| organization \| acme \| cli \| .* \| met \| /);
    expect(status.stdout).toContain(`deadline ${job.deadlineAt}: met`);
    expect(badSince.code).toBe(2);
    expect(badSince.stderr).toContain('--since must be an ISO-8601 date');
  });
});

describe('Command: lethe replay', () => {
  it('erases again what a backup restore brought back, with the counts of the first run', async () => {
    // Prepare: seed, keep a copy of what the deletion will erase, delete.
    const pipeline = await createPipelineHarness('replay');
    const prefix = pipeline.graph.tables.projects?.name.replace(/-projects$/, '') ?? '';
    const cli = (args: string[]) => lethe(['--connection', connectTo(pipeline, prefix), ...args]);
    const dataset = await pipeline.seed(ONE_PROJECT);
    const { s3 } = pipeline.clients;
    const imagesBucket = pipeline.graph.buckets.images?.name ?? '';
    const objects = [
      ...Object.entries(dataset.target.objects).flatMap(([bucket, keys]) =>
        keys.map((key) => ({ bucket, key })),
      ),
      ...dataset.expected.imagesDeleted.map((key) => ({ bucket: imagesBucket, key })),
    ];
    const backup = await Promise.all(
      objects.map(async ({ bucket, key }) => {
        const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return { bucket, key, body: await got.Body?.transformToByteArray() };
      }),
    );
    const backupTime = new Date(Date.now() - 1000).toISOString();
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'acme' });
    const first = await pipeline.run(jobId);
    const afterFirst = await pipeline.verify(dataset);

    // Act: restore rows (plain PutItem) and objects (PutObject), as a backup restore would.
    for (const [table, items] of Object.entries(dataset.target.rows))
      for (const item of items) await pipeline.engine.context.docs.put(table, item);
    for (const { bucket, key, body } of backup)
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    const restored = await pipeline.verify(dataset);
    const dryRun = await cli(['replay', '--since', backupTime, '--dry-run', '--json']);
    const replay = await cli(['replay', '--since', backupTime, '--json']);
    const replayed = JSON.parse(replay.stdout).replays as { jobId: string; created: boolean }[];
    const second = await pipeline.run(replayed[0]?.jobId ?? '');
    const again = await cli(['replay', '--since', backupTime, '--json']);
    const afterReplay = await pipeline.verify(dataset);

    // Assess
    expect(afterFirst.checks.filter((c) => !c.ok)).toEqual([]);
    expect(restored.checks.filter((c) => !c.ok).length).toBeGreaterThan(0);
    expect(dryRun.code).toBe(0);
    expect(JSON.parse(dryRun.stdout)).toMatchObject({
      version: 1,
      dryRun: true,
      replays: [{ entity: 'organization', id: 'acme', replayOf: jobId, totals: totalsOf(first) }],
    });
    expect(replay.code).toBe(0);
    expect(replayed).toEqual([
      expect.objectContaining({
        entity: 'organization',
        id: 'acme',
        replayOf: jobId,
        created: true,
      }),
    ]);
    expect(second).toMatchObject({ status: 'completed', outcome: 'deleted', replayOf: jobId });
    expect(totalsOf(second)).toEqual(totalsOf(first));
    expect(afterReplay.checks.filter((c) => !c.ok)).toEqual([]);
    expect(JSON.parse(again.stdout).replays).toEqual([
      expect.objectContaining({ jobId: second.jobId, created: false }),
    ]);
    expect(pipeline.handlerErrors).toEqual([]);
  });
});
