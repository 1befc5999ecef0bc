// What the handler tests share: a pipeline per test on the local stack (state table, work
// queue, example tables), real-shaped Lambda contexts and SQS records, and quiet Powertools.
import { randomBytes, randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import type { Context, SQSRecord } from 'aws-lambda';
import { afterAll, vi } from 'vitest';
import { lambdaTracer } from '../../../functions/lambda-tracer.js';
import { METRICS_NAMESPACE } from '../../../functions/metric-names.js';
import { exampleGraph } from '../../../infra/example-graph.js';
import { destroyAwsClients } from '../../../lib/adapters/aws-clients.js';
import { createEngine } from '../../../lib/engine/create-engine.js';
import { resolveSettings } from '../../../lib/settings.js';
import { createInMemoryEventBus } from '../../../local/in-memory-event-bus.js';
import { provisionLocal } from '../../../local/provision-local.js';
import { localClients, uniquePrefix } from '../support/local-clients.js';

export const ACCOUNT = '123456789012';

export async function createHandlerPipeline(label: string) {
  const clients = localClients();
  const prefix = uniquePrefix(label);
  const graph = exampleGraph({ prefix });
  const settings = resolveSettings({
    stateTableName: `${prefix}-state`,
    workQueueName: `${prefix}-work`,
    deadLetterQueueName: `${prefix}-dlq`,
    visibilityTimeoutSeconds: 30,
  });
  const { queueUrls } = await provisionLocal(clients, graph, settings);
  const workQueueUrl = queueUrls[settings.workQueueName] ?? '';
  const events = createInMemoryEventBus();
  const engine = createEngine({ graph, clients, settings, workQueueUrl, events });
  const { Attributes } = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: workQueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const workQueueArn = Attributes?.QueueArn ?? '';
  afterAll(() => destroyAwsClients(clients));

  /** Receives until the queue answers empty, as an event source mapping would. */
  async function receiveAll(): Promise<Message[]> {
    const messages: Message[] = [];
    for (;;) {
      const { Messages = [] } = await clients.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: workQueueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['All'],
        }),
      );
      if (Messages.length === 0) return messages;
      messages.push(...Messages);
    }
  }

  return {
    clients,
    prefix,
    graph,
    settings,
    engine,
    events,
    workQueueUrl,
    workQueueArn,
    receiveAll,
  };
}

/** A Lambda context as the runtime passes it. */
export function lambdaContext(functionName: string, timeoutMs = 60_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `2025/01/01/[$LATEST]${randomBytes(16).toString('hex')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** An SQS record as the event source mapping delivers a received message. */
export function sqsRecord(
  message: { messageId: string; body: string; receiptHandle?: string },
  queueArn: string,
): SQSRecord {
  const now = String(Date.now());
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle ?? randomBytes(24).toString('base64'),
    body: message.body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: now,
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: now,
    },
    messageAttributes: {},
    md5OfBody: randomBytes(16).toString('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: 'us-east-1',
  };
}

/** Powertools that print nothing; `addMetric` is spied on so tests can read the metrics. */
export function quietObservability() {
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'lethe-test' });
  vi.unstubAllEnvs();
  const addMetric = vi.spyOn(metrics, 'addMetric');
  return {
    logger: new Logger({ serviceName: 'lethe-test', logLevel: 'SILENT' }),
    metrics,
    // The Lambda entries' tracer: it must switch itself off outside Lambda rather than fail.
    tracer: lambdaTracer(),
    /** The metrics added so far, as name → summed value. */
    metricValues(): Record<string, number> {
      const values: Record<string, number> = {};
      for (const [name, , value] of addMetric.mock.calls) {
        values[name] = (values[name] ?? 0) + Number(value);
      }
      return values;
    },
  };
}
