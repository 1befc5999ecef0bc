// Powertools Logger, Metrics and Tracer for the handlers, and the middy stack that wires them
// around a handler. Built once per cold start; tests inject their own instances. The Tracer is
// given, never built here: importing it loads the X-Ray SDK, whose cls-hooked namespace turns
// on an async_hooks destroy hook for every promise of the process (measured: 15% of the local
// runtime's CPU in the soak). So only the Lambda entries (lambda-tracer.ts) load it; the local
// runtime, the CLI and the bench run without.
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Tracer } from '@aws-lambda-powertools/tracer';
// The middleware module imports only Powertools' commons, not the X-Ray SDK.
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { AwsClients } from '../lib/adapters/aws-clients.js';
import { METRICS_NAMESPACE } from './metric-names.js';

const DEFAULT_SERVICE_NAME = 'lethe';

export interface Observability {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Absent: no tracing (outside Lambda). */
  readonly tracer?: Tracer | undefined;
}

export interface ObservabilityOptions {
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  /** X-Ray through Powertools; the Lambda entries pass `lambdaTracer()`. @default none */
  readonly tracer?: Tracer;
}

/**
 * The function's service name: `POWERTOOLS_SERVICE_NAME` (set by the construct), else `lethe`.
 * It becomes the metrics' `service` dimension, which the pipeline's alarms select on: two
 * pipelines in one account stay apart.
 */
export function serviceNameFromEnv(): string {
  return process.env.POWERTOOLS_SERVICE_NAME || DEFAULT_SERVICE_NAME;
}

export function createObservability(options: ObservabilityOptions = {}): Observability {
  const serviceName = serviceNameFromEnv();
  return {
    logger: options.logger ?? new Logger({ serviceName }),
    metrics: options.metrics ?? new Metrics({ namespace: METRICS_NAMESPACE, serviceName }),
    tracer: options.tracer,
  };
}

/** Adds X-Ray subsegments to the SDK calls of clients this process built (no-op without a tracer, or when tracing is off). */
export function traceClients(tracer: Tracer | undefined, clients: AwsClients): AwsClients {
  if (!tracer) return clients;
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
  const wrapped = middy<TEvent, TResult>(handler);
  if (tracer) wrapped.use(captureLambdaHandler(tracer, { captureResponse: false }));
  return wrapped
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}
