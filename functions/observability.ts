// Powertools Logger, Metrics and Tracer for the handlers, and the middy stack that wires them
// around a handler. Built once per cold start; tests inject their own instances. The Tracer
// turns itself off outside Lambda (no AWS_EXECUTION_ENV), so the same code runs locally.
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { AwsClients } from '../lib/adapters/aws-clients.js';
import { METRICS_NAMESPACE } from './metric-names.js';

const DEFAULT_SERVICE_NAME = 'lethe';

export interface Observability {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracer: Tracer;
}

export interface ObservabilityOptions {
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  readonly tracer?: Tracer;
}

export function createObservability(options: ObservabilityOptions = {}): Observability {
  // POWERTOOLS_SERVICE_NAME (set by the construct) becomes the metrics' `service` dimension,
  // which the pipeline's alarms select on: two pipelines in one account stay apart.
  const serviceName = process.env.POWERTOOLS_SERVICE_NAME || DEFAULT_SERVICE_NAME;
  return {
    logger: options.logger ?? new Logger({ serviceName }),
    metrics: options.metrics ?? new Metrics({ namespace: METRICS_NAMESPACE, serviceName }),
    tracer: options.tracer ?? new Tracer({ serviceName }),
  };
}

/** Adds X-Ray subsegments to the SDK calls of clients this process built (no-op when tracing is off). */
export function traceClients(tracer: Tracer, clients: AwsClients): AwsClients {
  for (const client of [
    clients.dynamodb,
    clients.dynamodbStreams,
    clients.s3,
    clients.sqs,
    clients.eventbridge,
  ]) {
    tracer.captureAWSv3Client(client);
  }
  return clients;
}

/** Wraps a handler with tracing, the Lambda context in every log line, and EMF metrics. */
export function withObservability<TEvent, TResult>(
  handler: (event: TEvent, context: Context) => Promise<TResult>,
  { logger, metrics, tracer }: Observability,
): MiddyfiedHandler<TEvent, TResult> {
  return middy<TEvent, TResult>(handler)
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}
