// The worker: an SQS batch from the work queue, one unit per record. A record whose unit
// throws is reported in `batchItemFailures` and comes back after its visibility timeout (to
// the DLQ after maxReceiveCount); the rest of the batch is not held back.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { HandleOutcome } from '../lib/engine/handle-work-message.js';
import { LetheError } from '../lib/errors.js';
import type { Graph } from '../lib/graph/graph-types.js';
import { engineFromEnv, type HandlerDependencies } from './engine-from-env.js';
import { METRIC } from './metric-names.js';
import {
  createObservability,
  type ObservabilityOptions,
  withObservability,
} from './observability.js';

const INLINE_SHARE_OF_TIMEOUT = 0.5;

export interface WorkerHandlerOptions extends HandlerDependencies, ObservabilityOptions {}

/** What a log line about a record says about its unit, read leniently: the body may be bad. */
function unitKeys(record: SQSRecord): Record<string, string> {
  const keys: Record<string, string> = { messageId: record.messageId };
  try {
    const body: unknown = JSON.parse(record.body);
    if (typeof body !== 'object' || body === null) return keys;
    for (const name of ['jobId', 'type', 'entity', 'relation', 'id', 'parentId']) {
      const value = (body as Record<string, unknown>)[name];
      if (typeof value === 'string') keys[name] = value.slice(0, 256);
    }
  } catch {
    // Reported by the engine when it parses the body.
  }
  return keys;
}

export function createWorkerHandler(graph: Graph, options: WorkerHandlerOptions = {}) {
  const observability = createObservability(options);
  const { logger, metrics } = observability;
  const engine = engineFromEnv(graph, options, observability);

  async function handleWorkBatch(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
    const tally: Record<HandleOutcome | 'retried', number> = {
      done: 0,
      failed: 0,
      waiting: 0,
      duplicate: 0,
      retried: 0,
    };

    // Units run inline (settings.inlineUnitsPerMessage) start only in the first half of the
    // invocation's time: the rest is left for the units already started to finish.
    const inlineUntil = new Date(
      Date.now() + context.getRemainingTimeInMillis() * INLINE_SHARE_OF_TIMEOUT,
    );

    async function handleRecord(record: SQSRecord): Promise<HandleOutcome> {
      const keys = unitKeys(record);
      try {
        const outcome = await engine.handleMessage(record.body, { inlineUntil });
        tally[outcome] += 1;
        if (outcome === 'failed') logger.warn('unit settled as failed', keys);
        else logger.debug('unit handled', { ...keys, outcome });
        return outcome;
      } catch (error) {
        tally.retried += 1;
        const retryable = !(error instanceof LetheError) || error.retryable;
        logger[retryable ? 'warn' : 'error']('unit not handled; the message stays on the queue', {
          ...keys,
          receiveCount: record.attributes.ApproximateReceiveCount,
          code: error instanceof LetheError ? error.code : undefined,
          error: error as Error,
        });
        throw error;
      }
    }

    // One processor per invocation: outside Lambda a processor keeps its batch in the instance,
    // and the local runtime runs several batches through one handler at once — shared, one
    // batch's failures were answered for another and its failed records deleted.
    const processor = new BatchProcessor(EventType.SQS);
    try {
      // A fully failed batch is answered, not thrown: the queue retries exactly the reported
      // records either way, and function errors stay a signal of crashes and timeouts.
      return await processPartialResponse(event, handleRecord, processor, {
        context,
        throwOnFullBatchFailure: false,
      });
    } finally {
      metrics.addMetric(METRIC.unitsDone, MetricUnit.Count, tally.done);
      metrics.addMetric(METRIC.unitsFailed, MetricUnit.Count, tally.failed);
      metrics.addMetric(METRIC.unitsDuplicate, MetricUnit.Count, tally.duplicate);
      metrics.addMetric(METRIC.recordsRetried, MetricUnit.Count, tally.retried);
    }
  }

  return withObservability(handleWorkBatch, observability);
}
