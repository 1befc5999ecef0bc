import { describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../lib/engine/create-engine.js';
import { type Counts, totalOf } from '../../../lib/model/counters.js';
import type { OutgoingMessage } from '../../../lib/ports/work-queue.js';
import { sleep } from '../../../lib/retry.js';
import { boardFootprint, boardGraph, seedBoard } from '../support/board-graph.js';
import { createPipelineHarness, type PipelineHarness } from '../support/pipeline-harness.js';

/** Guarded (deferred) units check again every second. */
const RECHECK = { guardRecheckSeconds: 1 };

/**
 * An engine on the pipeline's state whose messages are kept in hand, so a test chooses which
 * job's messages are delivered when. Delayed messages are delivered once their delay is over.
 */
function handDelivery(pipeline: PipelineHarness) {
  const held: { message: OutgoingMessage; jobId: string; at: number }[] = [];
  const engine: Engine = createEngine({
    graph: pipeline.graph,
    // Every unit is a message in hand: none runs inline, out of the test's chosen order.
    settings: { ...pipeline.settings, inlineUnitsPerMessage: 0 },
    documents: pipeline.engine.context.docs,
    objects: pipeline.engine.context.objects,
    events: pipeline.events,
    queue: {
      send: async (messages) => {
        for (const message of messages) {
          const jobId = String((JSON.parse(message.body) as { jobId: string }).jobId);
          held.push({ message, jobId, at: Date.now() + (message.delaySeconds ?? 0) * 1000 });
        }
      },
    },
  });

  /**
   * Delivers the job's messages, one at a time, until none is left. With `untilOnlyDelayed`,
   * stops once what is left waits for its delay (a unit waiting on something).
   */
  async function deliver(jobId: string, options: { untilOnlyDelayed?: boolean } = {}) {
    for (let rounds = 0; rounds < 10_000; rounds++) {
      const mine = held.filter((h) => h.jobId === jobId);
      if (mine.length === 0) return;
      const due = mine.find((h) => h.at <= Date.now());
      if (!due) {
        if (options.untilOnlyDelayed) return;
        await sleep(Math.max(10, Math.min(...mine.map((h) => h.at)) - Date.now()));
        continue;
      }
      held.splice(held.indexOf(due), 1);
      await engine.handleMessage(due.message.body);
    }
    throw new Error(`job ${jobId} never ran out of messages`);
  }

  /** Delivers one message of the job: the first whose body matches. */
  async function deliverOne(jobId: string, match: (body: Record<string, unknown>) => boolean) {
    const found = held.find((h) => h.jobId === jobId && match(JSON.parse(h.message.body)));
    if (!found) throw new Error(`job ${jobId} has no such message in hand`);
    held.splice(held.indexOf(found), 1);
    await engine.handleMessage(found.message.body);
  }

  return { engine, deliver, deliverOne };
}

function totals(counts: Counts) {
  return {
    rowsDeleted: totalOf(counts, 'rowsDeleted'),
    rowsNulled: totalOf(counts, 'rowsNulled'),
    objectsDeleted: totalOf(counts, 'objectsDeleted'),
  };
}

describe('Engine: two jobs reaching one entity', () => {
  it.each([
    ['the card’s own job', 'card-first'],
    ['the board’s job', 'board-first'],
  ] as const)(
    'ends both jobs complete and exact, each item counted once, when %s gets there first',
    async (_label, order) => {
      // Prepare: workspace w1 / board b1 / cards c1, c2 (3 attachments, 2 comments and one
      // mention each); the board's export lists 2 blobs.
      const pipeline = await createPipelineHarness(`overlap-${order}`, {
        graph: boardGraph(),
        settings: RECHECK,
      });
      const seeded = await seedBoard(pipeline);
      const hand = handDelivery(pipeline);

      // Act: c1 is deleted on its own and its cascade starts; b1 is deleted a moment later,
      // and its page of cards tombstones c1 while c1's job is still running.
      const card = await hand.engine.requestDeletion({ entity: 'card', id: 'c1' });
      await hand.deliverOne(card.jobId, (m) => m.type === 'cascade');
      const board = await hand.engine.requestDeletion({ entity: 'board', id: 'b1' });
      await hand.deliverOne(board.jobId, (m) => m.type === 'cascade');
      await hand.deliverOne(
        board.jobId,
        (m) => m.type === 'rows' && m.relation === 'board.card.boardId',
      );
      if (order === 'card-first') {
        await hand.deliver(card.jobId);
        await hand.deliver(board.jobId);
      } else {
        await hand.deliver(board.jobId, { untilOnlyDelayed: true });
        await hand.deliver(card.jobId);
        await hand.deliver(board.jobId);
      }
      const cardJob = await pipeline.engine.getJob(card.jobId);
      const boardJob = await pipeline.engine.getJob(board.jobId);

      // Assess: both complete and deleted; c1 and what it owns are counted by c1's job only,
      // the board, c2 and what they own by the board's job only.
      expect(cardJob).toMatchObject({ status: 'completed', outcome: 'deleted', failed: 0 });
      expect(boardJob).toMatchObject({ status: 'completed', outcome: 'deleted', failed: 0 });
      expect(totals(cardJob?.counts ?? {})).toEqual({
        rowsDeleted: 1 + 2,
        rowsNulled: 1,
        objectsDeleted: 3,
      });
      expect(totals(boardJob?.counts ?? {})).toEqual({
        rowsDeleted: 1 + 1 + 2,
        rowsNulled: 1,
        objectsDeleted: 3 + 1 + 2,
      });
      expect(await boardFootprint(pipeline, seeded)).toEqual({
        workspace: true,
        board: false,
        cards: [],
        comments: [],
        mentionsPointing: [],
        objects: [],
      });
      expect(
        pipeline.events.events.filter((e) => e.detailType === 'DeletionCompleted'),
      ).toHaveLength(2);
    },
  );
});

describe('Engine: deferring to the job that owns an entity', () => {
  it('keeps the board, blocked, when the job owning its card kept the card', async () => {
    // Prepare: c1's workspaceId cannot be rendered safely, so c1's own job cannot finish it.
    const pipeline = await createPipelineHarness('overlapkept', {
      graph: boardGraph(),
      settings: RECHECK,
    });
    const seeded = await seedBoard(pipeline);
    await pipeline.engine.context.docs.put(seeded.tables.cards, {
      cardId: 'c1',
      boardId: 'b1',
      workspaceId: 'w/1',
    });
    const hand = handDelivery(pipeline);

    // Act
    const card = await hand.engine.requestDeletion({ entity: 'card', id: 'c1' });
    await hand.deliverOne(card.jobId, (m) => m.type === 'cascade');
    const board = await hand.engine.requestDeletion({ entity: 'board', id: 'b1' });
    await hand.deliver(board.jobId, { untilOnlyDelayed: true });
    const deferring = await pipeline.engine.getJob(board.jobId);
    await hand.deliver(card.jobId);
    await hand.deliver(board.jobId);
    const cardJob = await pipeline.engine.getJob(card.jobId);
    const boardJob = await pipeline.engine.getJob(board.jobId);

    // Assess: the board's job waited on c1's, then kept the board; it deleted c2 itself.
    expect(deferring).toMatchObject({ status: 'running', waiting: 1 });
    expect(deferring?.waitReason).toBe(`deferred: card "c1" is being deleted by job ${card.jobId}`);
    expect(cardJob).toMatchObject({ status: 'completed', outcome: 'partial', failed: 1 });
    expect(boardJob).toMatchObject({ status: 'completed', outcome: 'blocked', failed: 0 });
    const footprint = await boardFootprint(pipeline, seeded);
    expect(footprint).toMatchObject({ board: true, cards: ['c1'] });
    expect(footprint.objects).toContain(seeded.exportKey);
  });
});

describe('Engine: a finalize whose row has vanished', () => {
  it('erases the objects of a row deleted upstream after its cascade read it', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('vanished', { graph: boardGraph() });
    const seeded = await seedBoard(pipeline);
    const hand = handDelivery(pipeline);

    // Act: c1's cascade reads its row; then the row is deleted upstream, before the finalize.
    const { jobId } = await hand.engine.requestDeletion({ entity: 'card', id: 'c1' });
    await hand.deliverOne(jobId, (m) => m.type === 'cascade');
    await pipeline.engine.context.docs.delete(seeded.tables.cards, { cardId: 'c1' });
    await hand.deliver(jobId);
    const job = await pipeline.engine.getJob(jobId);

    // Assess: its attachments, located from the values its cascade pinned, are gone too.
    expect(job).toMatchObject({ status: 'completed', outcome: 'deleted', failed: 0 });
    expect(totalOf(job?.counts ?? {}, 'objectsDeleted')).toBe(3);
    const footprint = await boardFootprint(pipeline, seeded);
    expect(footprint.objects.filter((k) => k.includes('/cards/c1/'))).toEqual([]);
    expect(footprint.cards).toEqual(['c2']);
  });

  it('reports, and does not render, the objects of a row gone before lethe read it', async () => {
    // Prepare: card c1's row is gone already; its attachments are still there.
    const pipeline = await createPipelineHarness('gonefirst', { graph: boardGraph() });
    const seeded = await seedBoard(pipeline);
    await pipeline.engine.context.docs.delete(seeded.tables.cards, { cardId: 'c1' });
    const hand = handDelivery(pipeline);

    // Act
    const { jobId } = await hand.engine.requestDeletion({ entity: 'card', id: 'c1' });
    await hand.deliver(jobId);
    const job = await pipeline.engine.getJob(jobId);
    const finalize = await pipeline.engine.context.docs.get(pipeline.engine.context.state.table, {
      pk: `JOB#${jobId}`,
      sk: 'UNIT#finalize|card|c1',
    });

    // Assess: the job ends, not proven whole, with the reason on the unit; no unit failed.
    expect(job).toMatchObject({ status: 'completed', outcome: 'partial', failed: 0 });
    expect(job?.counts['root.card']?.objectsUnlocated).toBe(1);
    expect(finalize).toMatchObject({
      status: 'done',
      unlocated: [
        {
          bucket: seeded.buckets.files,
          template: 'workspaces/{workspaceId}/cards/{cardId}/',
          reason: 'card "c1" was gone before lethe read its row: {workspaceId} unknown',
        },
      ],
    });
    expect((await boardFootprint(pipeline, seeded)).objects).toContain(seeded.attachments.c1?.[0]);
  });
});
