// A restore is a job of its own, run as units on the work queue (issue 17 §2): starting it
// returns before anything is back, its units travel as `restore` messages, rows come back
// parents before children whatever order a step's messages arrive in, and `status` shows
// where it is (step i of n, units left) while it runs.
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../lib/engine/create-engine.js';
import { readJobTree } from '../../../lib/engine/job-tree.js';
import { entityDepths } from '../../../lib/engine/restore-plan.js';
import { runRestoreInProcess } from '../../../lib/engine/run-restore-in-process.js';
import { totalOf } from '../../../lib/model/counters.js';
import { encodeValue } from '../../../lib/model/restore-log.js';
import type { Item } from '../../../lib/ports/document-store.js';
import { type ExampleDatasetSize, SMALL_SIZE } from '../../../local/example-dataset.js';
import { connectTo, lethe } from '../support/lethe-cli.js';
import { createPipelineHarness, type PipelineHarness } from '../support/pipeline-harness.js';

const SIZE: ExampleDatasetSize = {
  ...SMALL_SIZE,
  projects: 2,
  artifactsPerProject: 4,
  snapshotsPerProject: 2,
  alertsPerProject: 3,
  members: 3,
  prefixObjectsPerProject: 1,
  decoyScale: 0.2,
};

function keyOf(pipeline: PipelineHarness, tableName: string, item: Item): Record<string, string> {
  const table = Object.values(pipeline.graph.tables).find((t) => t.name === tableName);
  const names = table ? [table.partitionKey, ...(table.sortKey ? [table.sortKey] : [])] : [];
  return Object.fromEntries(names.map((name) => [name, String(item[name])]));
}

/** How many of the target tenant's seeded rows are missing or differ now, read from outside. */
async function rowsNotBack(
  pipeline: PipelineHarness,
  rows: Readonly<Record<string, readonly Item[]>>,
) {
  let wrong = 0;
  for (const [table, items] of Object.entries(rows)) {
    for (const item of items) {
      const now = await pipeline.engine.context.docs.get(table, keyOf(pipeline, table, item), true);
      if (!now || encodeValue(now) !== encodeValue(item)) wrong++;
    }
  }
  return wrong;
}

/**
 * Records, in order, each write a transaction makes to an entity table: a row put back (its
 * entity's depth × 2) or a pointer set again (× 2 + 1) — the order a restore must keep.
 */
function recordWriteRanks(pipeline: PipelineHarness): number[] {
  const depths = entityDepths(pipeline.graph);
  const depthOfTable = new Map(
    Object.values(pipeline.graph.entities).map((e) => [e.tableName, depths.get(e.name) ?? 0]),
  );
  const ranks: number[] = [];
  pipeline.clients.documents.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as {
        TransactItems?: { Put?: { TableName?: string }; Update?: { TableName?: string } }[];
      };
      for (const item of input.TransactItems ?? []) {
        const put = depthOfTable.get(item.Put?.TableName ?? '');
        const update = depthOfTable.get(item.Update?.TableName ?? '');
        if (put !== undefined) ranks.push(put * 2);
        if (update !== undefined) ranks.push(update * 2 + 1);
      }
      return next(args);
    },
    { step: 'initialize', name: 'recordRestoreWrites' },
  );
  return ranks;
}

describe('Restore: units on the work queue', () => {
  it('restores parents before children when each step’s messages arrive in reverse, and shows its progress while it runs', async () => {
    // Prepare: a deleted organization, and an engine whose queue the test holds.
    const pipeline = await createPipelineHarness('restore-units');
    const prefix = pipeline.graph.tables.projects?.name.replace(/-projects$/, '') ?? '';
    const connection = connectTo(pipeline, prefix);
    const dataset = await pipeline.seed(SIZE);
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'acme' });
    const job = await pipeline.run(jobId);
    const rowCount = Object.values(dataset.target.rows).flat().length;
    const sent: string[] = [];
    const restorer = createEngine({
      graph: pipeline.graph,
      settings: pipeline.settings,
      documents: pipeline.engine.context.docs,
      objects: pipeline.engine.context.objects,
      events: pipeline.events,
      queue: {
        send: async (messages) => {
          for (const m of messages) sent.push(m.body);
        },
      },
    });
    const writes = recordWriteRanks(pipeline);

    // Act: start it; then run the lift, and look at it mid-way; then every step, in reverse.
    const started = await restorer.restore(jobId);
    const notBackAtStart = await rowsNotBack(pipeline, dataset.target.rows);
    const firstMessages = sent.splice(0).map((body) => JSON.parse(body));
    for (const m of firstMessages) await restorer.handleMessage(JSON.stringify(m));
    const midway = await restorer.restoreProgress(jobId);
    const tree = await readJobTree(pipeline.engine.context.state, pipeline.graph, jobId);
    const status = await lethe(['--connection', connection, 'status', jobId, '--json']);
    const delivered: { type: string; step: unknown }[] = [];
    while (sent.length > 0) {
      for (const body of sent.splice(0).reverse()) {
        delivered.push(JSON.parse(body));
        await restorer.handleMessage(body);
      }
    }
    const report = await restorer.restore(jobId);

    // Assess: it returned before anything came back, with the lift as its one message.
    expect(started.status).toBe('running');
    expect(notBackAtStart).toBe(rowCount);
    expect(firstMessages).toEqual([{ v: 1, jobId, type: 'restore', step: 'lift' }]);
    // Mid-way: past the lift, the first step's units outstanding, in the engine and in status.
    expect(midway).toMatchObject({ status: 'running', step: 1 });
    expect(midway?.steps).toBeGreaterThan(2);
    expect(midway?.outstanding).toBeGreaterThan(0);
    expect(tree?.extras.restore).toEqual(midway);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).restore).toEqual(midway);
    // Every unit was a restore message, one step at a time; nothing came back out of order.
    expect(delivered.length).toBeGreaterThan(2);
    expect(delivered.every((m) => m.type === 'restore')).toBe(true);
    expect(new Set(writes).size).toBeGreaterThan(2);
    expect(writes).toEqual([...writes].sort((a, b) => a - b));
    expect(await rowsNotBack(pipeline, dataset.target.rows)).toBe(0);
    expect(report.status).toBe('restored');
    expect(report.totals.rowsRestored).toBe(totalOf(job.counts, 'rowsDeleted'));
    expect(pipeline.events.events.filter((e) => e.detailType === 'DeletionRestored')).toHaveLength(
      1,
    );
  });

  it('gets a step whose messages were lost going again from the sweeper, which gives up only on re-sends that move nothing', async () => {
    // Prepare: re-sends due at once; an engine whose queue the test holds (and may lose).
    const pipeline = await createPipelineHarness('restore-lost', {
      settings: { resendAfterSeconds: 0, maxResends: 2 },
    });
    const dataset = await pipeline.seed(SIZE);
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'acme' });
    await pipeline.run(jobId);
    const sent: string[] = [];
    const restorer = createEngine({
      graph: pipeline.graph,
      settings: pipeline.settings,
      documents: pipeline.engine.context.docs,
      objects: pipeline.engine.context.objects,
      events: pipeline.events,
      queue: {
        send: async (messages) => {
          for (const m of messages) sent.push(m.body);
        },
      },
    });
    const restoreSent = () => sent.splice(0).filter((body) => JSON.parse(body).type === 'restore');
    await restorer.restore(jobId);
    // Run it up to the first step of more than one unit.
    let lost = restoreSent();
    while (lost.length === 1) {
      for (const body of lost) await restorer.handleMessage(body);
      lost = restoreSent();
    }
    const step = JSON.parse(lost[0] ?? '{}').step;

    // Act: the step's messages are lost; the sweeper re-sends the restore's planned message
    // until its re-sends run out; one unit settles and the next re-send earns them back.
    await restorer.sweep();
    const firstResend = restoreSent();
    await restorer.sweep();
    restoreSent();
    await restorer.sweep();
    const spent = restoreSent();
    const [one] = lost;
    if (one) await restorer.handleMessage(one);
    for (const body of firstResend) await restorer.handleMessage(body);
    restoreSent();
    await restorer.sweep();
    const credited = restoreSent();
    for (const body of credited) await restorer.handleMessage(body);
    while (sent.length > 0) for (const body of sent.splice(0)) await restorer.handleMessage(body);
    const report = await restorer.restore(jobId);

    // Assess
    expect(lost.length).toBeGreaterThan(1);
    expect(firstResend.map((body) => JSON.parse(body))).toEqual([
      { v: 1, jobId, type: 'restore', step },
    ]);
    expect(spent).toEqual([]);
    expect(credited).toEqual(firstResend);
    expect(report.status).toBe('restored');
    expect(await rowsNotBack(pipeline, dataset.target.rows)).toBe(0);
  });

  it('is not undone by the garbage collector re-timing the job’s partition while it runs', async () => {
    // Prepare: a deleted organization; an engine whose queue the test holds.
    const pipeline = await createPipelineHarness('restore-gc');
    const dataset = await pipeline.seed(SIZE);
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'acme' });
    await pipeline.run(jobId);
    const sent: string[] = [];
    const restorer = createEngine({
      graph: pipeline.graph,
      settings: pipeline.settings,
      documents: pipeline.engine.context.docs,
      objects: pipeline.engine.context.objects,
      events: pipeline.events,
      queue: {
        send: async (messages) => {
          for (const m of messages) sent.push(m.body);
        },
      },
    });
    const drain = async () => {
      while (sent.length > 0) for (const body of sent.splice(0)) await restorer.handleMessage(body);
    };
    // Between the collector's reads of the job's partition and its write of them back, the
    // restore starts and lifts the job's tombstones.
    let interleaved = false;
    pipeline.clients.documents.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { RequestItems?: Record<string, unknown> };
        if (!interleaved && input.RequestItems?.[pipeline.settings.stateTableName]) {
          interleaved = true;
          await restorer.restore(jobId);
          for (const body of sent.splice(0)) await restorer.handleMessage(body);
        }
        return next(args);
      },
      { step: 'initialize', name: 'restoreDuringCollection' },
    );

    // Act: a sweep collects the completed job; then the restore runs its units.
    const swept = await restorer.sweep();
    await drain();
    const report = await restorer.restore(jobId);

    // Assess: the lifted tombstone stays lifted, and every row came back.
    expect(interleaved).toBe(true);
    expect(swept.jobsCollected).toBe(1);
    expect(await pipeline.engine.getTombstone('organization', 'acme')).toBeUndefined();
    expect(report.status).toBe('restored');
    expect(report.totals.skipped).toBe(0);
    expect(await rowsNotBack(pipeline, dataset.target.rows)).toBe(0);
  });

  it('keeps the garbage collector off a job whose restore is running', async () => {
    // Prepare: a restore under way (its first step's units not run yet).
    const pipeline = await createPipelineHarness('restore-gc-running');
    const dataset = await pipeline.seed(SIZE);
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'acme' });
    await pipeline.run(jobId);
    const sent: string[] = [];
    const restorer = createEngine({
      graph: pipeline.graph,
      settings: pipeline.settings,
      documents: pipeline.engine.context.docs,
      objects: pipeline.engine.context.objects,
      events: pipeline.events,
      queue: {
        send: async (messages) => {
          for (const m of messages) sent.push(m.body);
        },
      },
    });
    await restorer.restore(jobId);
    for (const body of sent.splice(0)) await restorer.handleMessage(body);
    const [first, ...rest] = sent.splice(0);

    // Act: one unit settles while a sweep would put the restore record back as it read it.
    let interleaved = false;
    pipeline.clients.documents.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { RequestItems?: Record<string, unknown> };
        if (!interleaved && first && input.RequestItems?.[pipeline.settings.stateTableName]) {
          interleaved = true;
          await restorer.handleMessage(first);
        }
        return next(args);
      },
      { step: 'initialize', name: 'settleDuringCollection' },
    );
    const swept = await restorer.sweep();
    if (!interleaved && first) await restorer.handleMessage(first);
    for (const body of rest) await restorer.handleMessage(body);
    while (sent.length > 0) for (const body of sent.splice(0)) await restorer.handleMessage(body);
    const report = await restorer.restore(jobId);

    // Assess: the job is not collected while restoring; the restore finishes, counted once.
    expect(swept.jobsCollected).toBe(0);
    expect(report.status).toBe('restored');
    expect(await rowsNotBack(pipeline, dataset.target.rows)).toBe(0);
  });

  it('runs a restore to the end in-process for an engine with no worker (runRestoreInProcess)', async () => {
    // Prepare: an engine whose sends go nowhere, as in a unit test with no queue behind it.
    const pipeline = await createPipelineHarness('restore-inprocess');
    const dataset = await pipeline.seed(SIZE);
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'acme' });
    const job = await pipeline.run(jobId);
    const engine = pipeline.silentEngine();

    // Act: the last message sent first, every one twice.
    const report = await runRestoreInProcess(engine.context, jobId, {
      pick: (waiting) => waiting.length - 1,
      deliveries: 2,
    });

    // Assess
    expect(report.status).toBe('restored');
    expect(report.totals.rowsRestored).toBe(totalOf(job.counts, 'rowsDeleted'));
    expect(await rowsNotBack(pipeline, dataset.target.rows)).toBe(0);
    expect(await engine.restore(jobId)).toEqual(report);
  });

  it('returns from `lethe restore --no-wait` at once, runs the units on the workers, and `lethe restore` waits for them', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('restore-nowait');
    const prefix = pipeline.graph.tables.projects?.name.replace(/-projects$/, '') ?? '';
    const cli = (args: string[]) => lethe(['--connection', connectTo(pipeline, prefix), ...args]);
    const dataset = await pipeline.seed(SIZE);
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'acme' });
    const job = await pipeline.run(jobId);
    const rowCount = Object.values(dataset.target.rows).flat().length;

    // Act
    const noWait = await cli(['restore', jobId, '--no-wait', '--json']);
    const notBack = await rowsNotBack(pipeline, dataset.target.rows);
    const status = await cli(['status', jobId]);
    const waiting = cli(['restore', jobId, '--json']);
    const bodies: string[] = [];
    await pipeline.restore(jobId, { onMessage: (body) => bodies.push(body) });
    const waited = await waiting;

    // Assess
    expect(noWait.code).toBe(0);
    expect(JSON.parse(noWait.stdout)).toMatchObject({ jobId, status: 'running' });
    expect(notBack).toBe(rowCount);
    expect(status.stdout).toContain('restore: running, step 1 of');
    expect(bodies.length).toBeGreaterThan(2);
    expect(bodies.every((body) => JSON.parse(body).type === 'restore')).toBe(true);
    expect(waited.code).toBe(0);
    expect(JSON.parse(waited.stdout)).toMatchObject({
      status: 'restored',
      totals: { rowsRestored: totalOf(job.counts, 'rowsDeleted'), conflicts: 0 },
    });
    expect(await rowsNotBack(pipeline, dataset.target.rows)).toBe(0);
    expect(pipeline.handlerErrors).toEqual([]);
  });
});
