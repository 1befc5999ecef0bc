// The stream consumer: INSERT and MODIFY records of entity tables (child and root tables). A
// row written while its own id or its cascade parent is tombstoned (by a writer that did not
// use guardedPut) is handed to the engine, which has it erased — by the job still deleting it,
// or by a follow-up job. Partial batch responses keep one bad record from holding back its shard.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
} from 'aws-lambda';
import { LetheError } from '../lib/errors.js';
import type { Graph } from '../lib/graph/graph-types.js';
import { engineFromEnv, type HandlerDependencies } from './engine-from-env.js';
import { parseStreamRecord } from './ingest-events.js';
import { METRIC } from './metric-names.js';
import {
  createObservability,
  type ObservabilityOptions,
  withObservability,
} from './observability.js';
import { streamEntitiesFromEnv } from './settings-from-env.js';

export interface StreamConsumerHandlerOptions extends HandlerDependencies, ObservabilityOptions {
  /**
   * Entities whose table streams may reach this function; records of other tables fail.
   * @default `LETHE_STREAM_ENTITIES`, else every entity
   */
  readonly streamEntities?: readonly string[];
}

export function createStreamConsumerHandler(
  graph: Graph,
  options: StreamConsumerHandlerOptions = {},
) {
  const observability = createObservability(options);
  const { logger, metrics } = observability;
  const engine = engineFromEnv(graph, options, observability);
  const streamEntities = options.streamEntities ?? streamEntitiesFromEnv(options.env);

  async function handleStream(
    event: DynamoDBStreamEvent,
    context: Context,
  ): Promise<DynamoDBBatchResponse> {
    let checked = 0;

    async function handleRecord(record: DynamoDBRecord) {
      try {
        const change = parseStreamRecord(graph, record, streamEntities);
        if (change.newImage === undefined) return undefined; // REMOVE: nothing can resurrect
        checked += 1;
        return await engine.catchRowAfterTombstone(change.entity.name, change.newImage);
      } catch (error) {
        logger.error('stream record not handled', {
          eventID: record.eventID,
          eventSourceARN: record.eventSourceARN,
          code: error instanceof LetheError ? error.code : undefined,
          error: error as Error,
        });
        throw error;
      }
    }

    // One processor per invocation: outside Lambda a processor keeps its batch in the instance,
    // and the local runtime runs several batches through one handler at once — shared, one
    // batch's failures were answered for another and its failed records deleted.
    const processor = new BatchProcessor(EventType.DynamoDBStreams);
    try {
      return await processPartialResponse(event, handleRecord, processor, {
        context,
        throwOnFullBatchFailure: false,
      });
    } finally {
      metrics.addMetric(METRIC.rowsChecked, MetricUnit.Count, checked);
    }
  }

  return withObservability(handleStream, observability);
}
