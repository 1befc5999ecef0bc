// Issue 17 §3, a restore under faults: a restore unit dies at each of the restore's crash
// points and the queue brings its batch back; two restores of the same job are started at
// once, one while the other is under way. Each time the independent checker (support/restore-checker.ts) finds every deleted row
// back equal to the seeded item, nothing else touched, the restore counted and finished once,
// and a further restore changing nothing. (A restore racing a second deletion, and a restore
// after its window, are in test/integration/engine/restore.test.ts.)
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import type { CrashPoint } from '../../lib/engine/engine-context.js';
import type { RestoreReport } from '../../lib/engine/restore-deletion.js';
import { sleep } from '../../lib/retry.js';
import {
  type ExampleDatasetSize,
  type SeededDataset,
  SMALL_SIZE,
} from '../../local/example-dataset.js';
import { FaultPlan, RESTORE_CRASH_POINTS } from './support/fault-plan.js';
import { checkDeletion, type Reality } from './support/independent-checker.js';
import {
  createReliabilityPipeline,
  type PipelineOptions,
  type ReliabilityPipeline,
} from './support/reliability-pipeline.js';
import { checkRestore, snapshotData } from './support/restore-checker.js';
import { runRestore } from './support/restore-run.js';

// Small pages, so that the log has several entries per relation to crash between.
const SIZE: ExampleDatasetSize = { ...SMALL_SIZE, projects: 2 };
const SETTINGS = { pageSize: 20 };

/** A pipeline that has deleted acme, checked from outside: what is gone must come back. */
async function deletedAcme(options: Omit<PipelineOptions, 'stack'>): Promise<{
  pipeline: ReliabilityPipeline;
  dataset: SeededDataset;
  jobId: string;
  deleted: Reality;
}> {
  const pipeline = await createReliabilityPipeline({ stack: inject('localStack'), ...options });
  const dataset = await pipeline.seed(SIZE);
  pipeline.start();
  const jobId = await pipeline.requestDeletion({ entity: 'organization', id: 'acme' });
  await pipeline.waitForCompletion(jobId, 90_000);
  await pipeline.stop();
  const deletion = await checkDeletion(pipeline.checkInput(jobId, dataset));
  expect(deletion.checks.filter((c) => !c.ok)).toEqual([]);
  return { pipeline, dataset, jobId, deleted: deletion.reality };
}

describe('Restore: a crash inside a restore', () => {
  it.each<CrashPoint>(RESTORE_CRASH_POINTS)(
    'converges when a restore unit dies at %s and the queue redelivers it',
    async (point) => {
      // Prepare: the plan kills one unit at this point (the 2nd log entry mid-way).
      const faults = new FaultPlan({
        seed: 17,
        rates: {},
        ensure: { [`crash.${point}`]: point === 'restore-mid-entry' ? 2 : 1 },
      });
      const { pipeline, dataset, jobId, deleted } = await deletedAcme({
        label: `restore-crash-${point}`,
        faults,
        settings: SETTINGS,
      });

      // Act
      const run = await runRestore({
        pipeline,
        jobId,
        dataset,
        deleted,
        faults,
        timeoutMs: 60_000,
      });
      await pipeline.destroy();

      // Assess: started once; the crashed unit's message came back and finished the restore.
      expect(faults.injected[`crash.${point}`]).toBe(1);
      expect(run.crashes).toBe(1);
      expect(run.runs).toBe(1);
      expect(run.check.checks.filter((c) => !c.ok)).toEqual([]);
    },
  );
});

describe('Restore: transient faults', () => {
  it('absorbs cancelled transactions without ending the run, also on a page half put back', async () => {
    // Prepare: a fifth of the restore's transactions cancelled (TransactionConflict or
    // ThrottlingError), and one crash in the middle of the 2nd log entry, so that its
    // redelivered unit puts that page back row by row.
    const faults = new FaultPlan({
      seed: 23,
      rates: { 'dynamodb.txCancelled': 0.2 },
      ensure: { 'crash.restore-mid-entry': 2 },
    });
    const { pipeline, dataset, jobId, deleted } = await deletedAcme({
      label: 'restore-transient',
      faults,
      settings: SETTINGS,
    });

    // Act
    const run = await runRestore({ pipeline, jobId, dataset, deleted, faults, timeoutMs: 60_000 });
    await pipeline.destroy();

    // Assess: started once, and only the crash made a unit run again.
    expect(faults.injected['dynamodb.txCancelled']).toBeGreaterThan(0);
    expect(run.crashes).toBe(1);
    expect(run.runs).toBe(1);
    expect(run.check.checks.filter((c) => !c.ok)).toEqual([]);
  });
});

describe('Restore: the same restore twice at once', () => {
  it('brings every row back once when a second restore starts while the first is under way', async () => {
    // Prepare: two processes, each with its own clients and engine; writes slowed down so
    // that the two runs overlap entry by entry.
    const { pipeline, dataset, jobId, deleted } = await deletedAcme({
      label: 'restore-twice',
      pools: 2,
      settings: SETTINGS,
      slowCommands: { TransactWriteItemsCommand: 30 },
    });
    const [first, second] = pipeline.pools;
    if (!first || !second) throw new Error('two pools');

    // Act: the second starts once the workers have settled a few of the first's units.
    const settle = (run: Promise<RestoreReport>) =>
      run.then(
        (report) => ({ report }),
        (error: unknown) => ({ error }),
      );
    pipeline.start();
    const early = settle(first.engine.restore(jobId));
    await sleep(300);
    const late = settle(second.engine.restore(jobId));
    const [a, b] = await Promise.all([early, late]);
    while ((await first.engine.restoreProgress(jobId))?.status !== 'restored') await sleep(200);
    await pipeline.stop();
    const finished = await first.engine.restore(jobId);
    await pipeline.pools[0]?.engine.sweep();
    const before = await snapshotData(pipeline.clean, pipeline.graph, pipeline.settings, jobId);
    const again = await first.engine.restore(jobId);
    const after = await snapshotData(pipeline.clean, pipeline.graph, pipeline.settings, jobId);
    const report = await checkRestore({
      clients: pipeline.clean,
      graph: pipeline.graph,
      settings: pipeline.settings,
      dataset,
      jobId,
      deleted,
      events: pipeline.events.events,
      failures: pipeline.failures,
      first: finished,
      second: again,
      before,
      after,
    });
    await pipeline.destroy();

    // Assess
    expect('error' in a ? a.error : undefined).toBeUndefined();
    expect('error' in b ? b.error : undefined).toBeUndefined();
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(finished.totals).toEqual(again.totals);
  });
});

describe('Function: checkRestore', () => {
  it('passes a clean restore, and fails each check whose property is broken', async () => {
    // Prepare
    const { pipeline, dataset, jobId, deleted } = await deletedAcme({
      label: 'restore-checker',
      settings: SETTINGS,
    });
    const run = await runRestore({ pipeline, jobId, dataset, deleted, timeoutMs: 60_000 });
    const { clean: clients, graph, settings } = pipeline;
    const before = await snapshotData(clients, graph, settings, jobId);

    // Act: break every property once, directly on the emulators.
    const table = (name: string) => graph.tables[name]?.name ?? '';
    const artifact = dataset.target.rows[table('artifacts')]?.[0] ?? {};
    const decoy = dataset.decoy.rows[table('projects')]?.[0] ?? {};
    await clients.documents.send(
      new DeleteCommand({
        TableName: table('artifacts'),
        Key: { artifactId: artifact.artifactId },
      }),
    );
    await clients.documents.send(
      new PutCommand({ TableName: table('projects'), Item: { ...decoy, renamed: true } }),
    );
    await clients.documents.send(
      new PutCommand({
        TableName: settings.stateTableName,
        Item: { pk: 'DELETED#organization#acme', sk: 'TOMBSTONE', jobId },
      }),
    );
    const after = await snapshotData(clients, graph, settings, jobId);
    const broken = await checkRestore({
      clients,
      graph,
      settings,
      dataset,
      jobId,
      deleted: { ...deleted, rowsGone: deleted.rowsGone + 1 },
      events: [],
      failures: [{ where: 'restore', process: 'p', message: 'boom', explained: undefined }],
      first: run.report,
      second: run.report,
      before,
      after,
    });
    await pipeline.destroy();

    // Assess
    expect(run.check.checks.filter((c) => !c.ok)).toEqual([]);
    expect(broken.checks.filter((c) => c.ok).map((c) => c.name)).toEqual([]);
  });
});
