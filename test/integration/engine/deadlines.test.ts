import { describe, expect, it } from 'vitest';
import { exampleGraphDefinition } from '../../../infra/example-graph.js';
import { reportDeletions, reportTotals } from '../../../lib/engine/compliance-report.js';
import { defineGraph } from '../../../lib/graph/define-graph.js';
import { SMALL_SIZE } from '../../../local/example-dataset.js';
import { createPipelineHarness } from '../support/pipeline-harness.js';
import { runUntil } from './engine-test-support.js';

const DAY_MS = 86_400_000;
const TWO_PROJECTS = { ...SMALL_SIZE, projects: 2, artifactsPerProject: 4, snapshotsPerProject: 2 };

/** A clock the test moves ahead, so a deadline can pass without waiting for it. */
function movableClock() {
  let aheadMs = 0;
  return {
    now: () => new Date(Date.now() + aheadMs),
    moveTo: (at: number) => {
      aheadMs = at - Date.now();
    },
  };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

describe('Deadlines', () => {
  it('gives a job its entity’s deadline, or a shorter one asked for, and refuses a longer one', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('deadlinedays', {
      graph: (prefix) => {
        const definition = exampleGraphDefinition({ prefix });
        return defineGraph({
          ...definition,
          entities: {
            ...definition.entities,
            project: { ...definition.entities.project, deadlineDays: 7 },
          },
        });
      },
    });
    const { engine } = pipeline;

    // Act
    const entityDefault = await engine.requestDeletion({ entity: 'project', id: 'p-default' });
    const shorter = await engine.requestDeletion({
      entity: 'project',
      id: 'p-shorter',
      deadlineDays: 2,
    });
    const pipelineDefault = await engine.requestDeletion({ entity: 'organization', id: 'o-1' });
    const longer = await engine
      .requestDeletion({ entity: 'project', id: 'p-longer', deadlineDays: 8 })
      .then(
        () => undefined,
        (error: unknown) => error,
      );

    // Assess
    const daysOf = async (jobId: string) => {
      const job = await engine.getJob(jobId);
      return job?.deadlineAt === undefined
        ? undefined
        : (Date.parse(job.deadlineAt) - Date.parse(job.createdAt)) / DAY_MS;
    };
    expect(await daysOf(entityDefault.jobId)).toBe(7);
    expect(await daysOf(shorter.jobId)).toBe(2);
    expect(await daysOf(pipelineDefault.jobId)).toBe(30);
    expect(longer).toMatchObject({
      code: 'INVALID_REQUEST',
      message:
        'deadlineDays 8 is longer than the 7 days a deletion of project may take: a request may only shorten its deadline',
    });
    expect(await engine.getTombstone('project', 'p-longer')).toBeUndefined();
  });

  it('raises DeletionDeadlineAtRisk once, naming the hold, and reports the held job as held — not missed', async () => {
    // Prepare
    const clock = movableClock();
    const pipeline = await createPipelineHarness('deadlinerisk', {
      settings: { guardRecheckSeconds: 1 },
      now: clock.now,
    });
    const { engine } = pipeline;
    await pipeline.seed(TWO_PROJECTS);
    const since = new Date(Date.now() - 60_000);
    await engine.placeHold({ entity: 'project', id: 'acme-p01', reason: 'litigation 2026-17' });
    const onTime = await engine.requestDeletion({ entity: 'project', id: 'acme-p02' });
    await pipeline.run(onTime.jobId);

    // Act
    const { jobId } = await engine.requestDeletion({
      entity: 'project',
      id: 'acme-p01',
      deadlineDays: 1,
    });
    const held = await runUntil(pipeline, jobId, (job) => job.held > 0);
    const createdAt = Date.parse(held.createdAt);
    clock.moveTo(createdAt + 0.5 * DAY_MS);
    const early = await engine.sweep();
    clock.moveTo(createdAt + 0.85 * DAY_MS);
    const atRisk = await engine.sweep();
    const again = await engine.sweep();
    clock.moveTo(createdAt + 1.1 * DAY_MS);
    const past = await engine.sweep();
    await engine.liftHold({ entity: 'project', id: 'acme-p01' });
    const done = await pipeline.run(jobId);
    const period = { since, until: new Date(createdAt + 2 * DAY_MS) };
    const rows = await collect(reportDeletions(engine.context.state, period));
    const totals = await reportTotals(engine.context.state, period);

    // Assess
    expect(early.deadlinesAtRisk).toBe(0);
    expect(atRisk.deadlinesAtRisk).toBe(1);
    expect(again.deadlinesAtRisk).toBe(0);
    expect(past.deadlinesMissed).toBe(1);
    const events = pipeline.events.events.filter((e) => e.detailType === 'DeletionDeadlineAtRisk');
    expect(events).toHaveLength(1);
    expect(events[0]?.detail).toMatchObject({
      jobId,
      entity: 'project',
      id: 'acme-p01',
      held: 1,
      heldBy: 'held by entity:project:acme-p01: litigation 2026-17',
      reason: '1 unit(s) held: held by entity:project:acme-p01: litigation 2026-17',
    });
    expect(done).toMatchObject({
      status: 'completed',
      deadlineStatus: 'held',
      deadlineReason: 'legal hold: held by entity:project:acme-p01: litigation 2026-17',
    });
    expect(rows.map((r) => [r.jobId, r.deadline?.status])).toEqual([
      [onTime.jobId, 'met'],
      [jobId, 'held'],
    ]);
    expect(rows[1]).toMatchObject({
      entity: 'project',
      id: 'acme-p01',
      deadline: { status: 'held', reason: expect.stringContaining('litigation 2026-17') },
    });
    expect(totals).toMatchObject({
      requests: 2,
      completed: 2,
      completedWithinDeadline: 1,
      held: 1,
      missed: 0,
    });
    expect(pipeline.handlerErrors).toEqual([]);
  });

  it('records a deadline passed without a hold as missed, with what kept the job', async () => {
    // Prepare
    const clock = movableClock();
    const pipeline = await createPipelineHarness('deadlinemiss', { now: clock.now });
    const { engine } = pipeline;
    // Nothing works the queue: the job's root unit stays planned.
    const { jobId } = await engine.requestDeletion({
      entity: 'project',
      id: 'p-stuck',
      deadlineDays: 1,
    });
    const job = await engine.getJob(jobId);

    // Act
    clock.moveTo(Date.parse(job?.createdAt ?? '') + 1.5 * DAY_MS);
    const swept = await engine.sweep();
    const rows = await collect(
      reportDeletions(engine.context.state, { since: new Date(Date.now() - 60_000) }),
    );

    // Assess
    expect(swept).toMatchObject({ deadlinesAtRisk: 1, deadlinesMissed: 1 });
    expect(rows).toHaveLength(1);
    expect(rows[0]?.deadline).toEqual({
      status: 'missed',
      reason: 'running: 0 of 1 units settled',
    });
  });
});
