// The local runtime runs several batches through one handler at the same time (Lambda runs one
// per execution environment). Each invocation must answer for its own records only.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { createIngestHandler } from '../../../functions/ingest.js';
import { createWorkerHandler } from '../../../functions/worker.js';
import { exampleGraph } from '../../../infra/example-graph.js';
import type { Engine } from '../../../lib/engine/create-engine.js';
import { localLambdaContext } from '../../../local/lambda-context.js';

const graph = exampleGraph();

function record(messageId: string): SQSRecord {
  return {
    messageId,
    receiptHandle: messageId,
    body: JSON.stringify({ entity: 'project', id: messageId }),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'test',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q',
    awsRegion: 'us-east-1',
  };
}

function quiet() {
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
  const metrics = new Metrics({ namespace: 'Test', serviceName: 'test' });
  vi.unstubAllEnvs();
  return { logger: new Logger({ logLevel: 'SILENT' }), metrics };
}

/**
 * An engine whose records finish when the test says so: `finish(id, ok)` settles the record
 * named `id` and resolves once the handler has seen the outcome.
 */
function steppedEngine() {
  const pending = new Map<string, (ok: boolean) => void>();
  const waiting = new Map<string, () => void>();
  const act = (id: string) =>
    new Promise<'done'>((resolve, reject) => {
      pending.set(id, (ok) => (ok ? resolve('done') : reject(new Error(`${id} fails`))));
      waiting.get(id)?.();
    });
  const started = (id: string) =>
    new Promise<void>((resolve) => (pending.has(id) ? resolve() : waiting.set(id, resolve)));
  const engine = {
    handleMessage: (body: string) => act((JSON.parse(body) as { id: string }).id),
    requestDeletion: async (request: { id: string }) => {
      await act(request.id);
      return { jobId: 'j', created: true, shard: 0, seq: 1 };
    },
  } as unknown as Engine;
  return {
    engine,
    async finish(id: string, ok: boolean) {
      await started(id);
      pending.get(id)?.(ok);
      // Let the handler record the outcome before the next step.
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

/** a-0 and a-1 fail; while a-2 is still running, a second batch starts: b-0 passes, b-1 fails. */
async function interleave(
  handler: (event: { Records: SQSRecord[] }) => Promise<unknown>,
  finish: (id: string, ok: boolean) => Promise<void>,
) {
  const one = handler({ Records: ['a-0', 'a-1', 'a-2'].map(record) });
  await finish('a-0', false);
  await finish('a-1', false);
  const two = handler({ Records: ['b-0', 'b-1'].map(record) });
  await finish('b-0', true);
  await finish('b-1', false);
  const second = (await two) as SQSBatchResponse;
  await finish('a-2', true);
  const first = (await one) as SQSBatchResponse;
  const ids = (response: SQSBatchResponse) =>
    response.batchItemFailures.map((f) => f.itemIdentifier).sort();
  return { first: ids(first), second: ids(second) };
}

describe('Function: createWorkerHandler', () => {
  it('keeps invocations that run at once apart: each answers for its own records', async () => {
    // Prepare
    const { engine, finish } = steppedEngine();
    const handler = createWorkerHandler(graph, { engine, ...quiet() });

    // Act
    const answers = await interleave((e) => handler(e, localLambdaContext('w')), finish);

    // Assess
    expect(answers).toEqual({ first: ['a-0', 'a-1'], second: ['b-1'] });
  });
});

describe('Function: createIngestHandler', () => {
  it('keeps invocations that run at once apart: each answers for its own records', async () => {
    // Prepare
    const { engine, finish } = steppedEngine();
    const handler = createIngestHandler(graph, { engine, ...quiet() });

    // Act
    const answers = await interleave((e) => handler(e as never, localLambdaContext('i')), finish);

    // Assess
    expect(answers).toEqual({ first: ['a-0', 'a-1'], second: ['b-1'] });
  });
});
