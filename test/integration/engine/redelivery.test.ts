// A message delivered again after its unit settled re-sends the units that unit spawned and
// that are still planned: its worker may have died between the commit and the send (DESIGN
// §3, the outbox). Each such unit is sent again once per `resendAfterSeconds`, however many
// copies of the parent's message arrive; before, every copy re-sent every planned child, and
// with every message delivered twice the copies multiplied down the tree (44 copies of one
// finalize in one run).
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../lib/engine/create-engine.js';
import type { Item } from '../../../lib/ports/document-store.js';
import type { WorkQueue } from '../../../lib/ports/work-queue.js';
import type { Settings } from '../../../lib/settings.js';
import { SMALL_SIZE } from '../../../local/example-dataset.js';
import { createPipelineHarness, type PipelineHarness } from '../support/pipeline-harness.js';
import { unitsOf } from './engine-test-support.js';

const ROOT = 'cascade|organization|acme';

/** A deletion of `acme` whose root cascade committed and then crashed before any send. */
async function crashedAfterRootCommit(label: string) {
  let crashed = false;
  const pipeline = await createPipelineHarness(label, {
    crashPoint: (point, unitId) => {
      if (point === 'after-commit' && unitId === ROOT && !crashed) {
        crashed = true;
        throw new Error('crash after commit');
      }
    },
  });
  const dataset = await pipeline.seed(SMALL_SIZE);
  const { jobId } = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'acme' });
  const body = String((await unitOf(pipeline, jobId, ROOT))?.body);
  await expect(pipeline.engine.handleMessage(body)).rejects.toThrow('crash after commit');
  const planned = (await unitsOf(pipeline, jobId))
    .filter((u) => u.status === 'planned')
    .map((u) => String(u.body))
    .sort();
  return { pipeline, dataset, jobId, body, planned };
}

/**
 * An engine on the pipeline's state whose sends go to `queue` (the work queue by default),
 * each body recorded in `sent` once the queue accepted it. Nothing runs inline.
 */
function copiesEngine(
  pipeline: PipelineHarness,
  sent: string[],
  overrides: Partial<Settings> = {},
  queue: WorkQueue = pipeline.engine.context.queue,
) {
  return createEngine({
    graph: pipeline.graph,
    settings: { ...pipeline.settings, inlineUnitsPerMessage: 0, ...overrides },
    documents: pipeline.engine.context.docs,
    objects: pipeline.engine.context.objects,
    events: pipeline.events,
    queue: {
      send: async (messages) => {
        await queue.send(messages);
        sent.push(...messages.map((m) => m.body));
      },
    },
  });
}

async function unitOf(pipeline: PipelineHarness, jobId: string, unitId: string) {
  return (await unitsOf(pipeline, jobId)).find((u: Item) => u.unitId === unitId);
}

describe('Redelivery of a settled unit', () => {
  it('sends each still-planned child once, however many copies of the message arrive', async () => {
    // Prepare
    const { pipeline, dataset, jobId, body, planned } = await crashedAfterRootCommit('redeliver');
    const sent: string[] = [];
    const copies = copiesEngine(pipeline, sent);

    // Act: three copies one after the other, then three at once.
    for (let i = 0; i < 3; i++) await copies.handleMessage(body);
    await Promise.all([1, 2, 3].map(() => copies.handleMessage(body)));

    // Assess
    expect(planned.length).toBeGreaterThan(1);
    expect(sent.sort()).toEqual(planned);
    // What was re-sent (and the ingest's own message) finishes the job.
    const job = await pipeline.run(jobId);
    expect(job.status).toBe('completed');
    expect((await pipeline.verify(dataset)).ok).toBe(true);
  });

  it('sends them again once resendAfterSeconds has passed since the last re-send', async () => {
    // Prepare
    const { pipeline, body, planned } = await crashedAfterRootCommit('redeliver-window');
    const sent: string[] = [];
    const copies = copiesEngine(pipeline, sent, { resendAfterSeconds: 0 });

    // Act
    await copies.handleMessage(body);
    await copies.handleMessage(body);

    // Assess
    expect(sent.sort()).toEqual([...planned, ...planned].sort());
  });

  it('gives the claim back when the queue refuses, so the next copy sends them', async () => {
    // Prepare
    const { pipeline, body, planned } = await crashedAfterRootCommit('redeliver-refused');
    const refused: string[] = [];
    const refusing = copiesEngine(
      pipeline,
      refused,
      {},
      {
        send: async () => {
          throw new Error('queue unavailable');
        },
      },
    );
    const sent: string[] = [];
    const copies = copiesEngine(pipeline, sent);

    // Act
    await expect(refusing.handleMessage(body)).rejects.toThrow('queue unavailable');
    await copies.handleMessage(body);

    // Assess
    expect(refused).toEqual([]);
    expect(sent.sort()).toEqual(planned);
  });
});
