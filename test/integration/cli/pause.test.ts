import { rmSync } from 'node:fs';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { exampleGraph } from '../../../infra/example-graph.js';
import { createSqsQueueConsumer } from '../../../lib/adapters/sqs-queue-consumer.js';
import { sleep } from '../../../lib/retry.js';
import { startLocalRuntime } from '../../../local/local-runtime.js';
import { connectTo, lethe } from '../support/lethe-cli.js';
import { uniquePrefix } from '../support/local-clients.js';

const VISIBILITY_SECONDS = 2;
const EMPTY = { visible: 0, inFlight: 0, delayed: 0 };

/** A local runtime on the shared stack (its own tables and queues), as `lethe local` runs it. */
async function startRuntime(label: string) {
  const prefix = uniquePrefix(label);
  const runtime = await startLocalRuntime({
    graph: exampleGraph({ prefix }),
    stack: { ...inject('localStack'), stop: async () => undefined },
    settings: {
      stateTableName: `${prefix}-state`,
      workQueueName: `${prefix}-work`,
      deadLetterQueueName: `${prefix}-dlq`,
      visibilityTimeoutSeconds: VISIBILITY_SECONDS,
    },
    sweepEveryMs: 1000,
    streams: false,
    logLevel: 'SILENT',
  });
  const connection = connectTo(runtime, prefix);
  onTestFinished(async () => {
    rmSync(connection, { force: true });
    await runtime.stop();
  });
  return {
    runtime,
    consumer: createSqsQueueConsumer(runtime.clients),
    cli: (args: string[]) => lethe(['--connection', connection, ...args]),
  };
}

describe('CLI: pause and resume a running local runtime from another process', () => {
  it('stops the worker and the sweeper: work waits in the queue, none reaches the DLQ; resume drains it', async () => {
    // Prepare
    const { runtime, consumer, cli } = await startRuntime('pause');

    // Act: pause from another process, then send work while paused
    const paused = await cli(['pause', '--wait', '--timeout', '30', '--json']);
    const requests = await Promise.all(
      [1, 2, 3, 4].map((n) =>
        runtime.engine.requestDeletion({ entity: 'organization', id: `gone-${n}` }),
      ),
    );
    // Longer than the visibility timeout: a message received even once would be seen in flight,
    // gone (settled), or back with a receive count on its way to the DLQ.
    const depths: unknown[] = [];
    const watchUntil = Date.now() + (VISIBILITY_SECONDS + 3) * 1000;
    while (Date.now() < watchUntil) {
      depths.push(await consumer.depth(runtime.workQueueUrl));
      await sleep(250);
    }
    const deadLettersWhilePaused = await consumer.depth(runtime.deadLetterQueueUrl);
    const receivedWhilePaused = runtime.worker.stats.received;
    const status = await cli(['status', '--json']);
    const resumed = await cli(['resume', '--wait', '--timeout', '30', '--json']);
    const drained = async () => {
      const jobs = await Promise.all(requests.map((r) => runtime.engine.getJob(r.jobId)));
      const depth = await consumer.depth(runtime.workQueueUrl);
      const done = jobs.every((job) => job?.status === 'completed');
      return { jobs, done: done && depth.visible + depth.inFlight === 0 };
    };
    const deadline = Date.now() + 60_000;
    let after = await drained();
    while (!after.done && Date.now() < deadline) {
      await sleep(250);
      after = await drained();
    }

    // Assess
    expect(paused.code).toBe(0);
    expect(JSON.parse(paused.stdout)).toMatchObject({
      version: 1,
      paused: true,
      reason: 'paused from the CLI',
      parts: [
        { part: 'worker', resource: `local runtime (pid ${process.pid})`, state: 'disabled' },
        { part: 'sweeper', resource: `local runtime (pid ${process.pid})`, state: 'disabled' },
      ],
    });
    expect(depths.length).toBeGreaterThan(10);
    expect(depths).toEqual(depths.map(() => ({ visible: 4, inFlight: 0, delayed: 0 })));
    expect(deadLettersWhilePaused).toEqual(EMPTY);
    expect(receivedWhilePaused).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      version: 1,
      pipeline: { paused: true, parts: [{ state: 'disabled' }, { state: 'disabled' }] },
    });
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({
      version: 1,
      paused: false,
      parts: [
        { part: 'worker', state: 'enabled' },
        { part: 'sweeper', state: 'enabled' },
      ],
    });
    expect(after.jobs.map((job) => job?.status)).toEqual([
      'completed',
      'completed',
      'completed',
      'completed',
    ]);
    expect(runtime.worker.stats.failed).toBe(0);
    expect(await consumer.depth(runtime.workQueueUrl)).toEqual(EMPTY);
    expect(await consumer.depth(runtime.deadLetterQueueUrl)).toEqual(EMPTY);
  });
});
