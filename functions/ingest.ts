// Ingest: the front door on AWS. Takes an EventBridge `EntityDeleted` event, an SQS batch of
// deletion requests, or a DynamoDB stream batch of a root table's REMOVE records, and asks
// the engine to delete each entity. Batches answer with partial failures: one bad record
// does not hold back the others.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  EventBridgeEvent,
  SQSBatchResponse,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda';
import type { DeletionRequest, DeletionRequested } from '../lib/engine/request-deletion.js';
import { LetheError } from '../lib/errors.js';
import type { Graph } from '../lib/graph/graph-types.js';
import { engineFromEnv, type HandlerDependencies } from './engine-from-env.js';
import {
  InvalidEventError,
  requestFromEntityDeleted,
  requestFromQueueRecord,
  requestFromStreamRecord,
  type TtlRemovals,
} from './ingest-events.js';
import { METRIC } from './metric-names.js';
import {
  createObservability,
  type ObservabilityOptions,
  withObservability,
} from './observability.js';
import { streamEntitiesFromEnv, ttlRemovalsFromEnv } from './settings-from-env.js';

export type IngestEvent = EventBridgeEvent<string, unknown> | SQSEvent | DynamoDBStreamEvent;

export type IngestResult = DeletionRequested | SQSBatchResponse | DynamoDBBatchResponse;

export interface IngestHandlerOptions extends HandlerDependencies, ObservabilityOptions {
  /**
   * Entities whose root-table REMOVE records may reach this function; records of other
   * tables fail. @default `LETHE_STREAM_ENTITIES`, else every entity
   */
  readonly streamEntities?: readonly string[];
  /**
   * Whether a REMOVE made by DynamoDB TTL starts a deletion (`start`, recorded with requester
   * `dynamodb-ttl:<table>`) or is skipped (`ignore`). @default `LETHE_TTL_REMOVALS`, else `start`
   */
  readonly ttlRemovals?: TtlRemovals;
}

function isRecordsEvent(event: IngestEvent): event is SQSEvent | DynamoDBStreamEvent {
  return 'Records' in event && Array.isArray(event.Records);
}

export function createIngestHandler(graph: Graph, options: IngestHandlerOptions = {}) {
  const observability = createObservability(options);
  const { logger, metrics } = observability;
  const engine = engineFromEnv(graph, options, observability);
  const streamEntities = options.streamEntities ?? streamEntitiesFromEnv(options.env);
  const ttlRemovals = options.ttlRemovals ?? ttlRemovalsFromEnv(options.env);

  async function handleIngest(event: IngestEvent, context: Context): Promise<IngestResult> {
    const tally = { created: 0, existing: 0, rejected: 0, skipped: 0 };

    async function request(
      source: string,
      translate: () => DeletionRequest | undefined,
    ): Promise<DeletionRequested | undefined> {
      let deletion: DeletionRequest | undefined;
      try {
        deletion = translate();
        if (deletion === undefined) {
          tally.skipped += 1;
          logger.warn(
            'change starts no deletion (not a removal, or an ignored TTL removal); skipped',
            {
              source,
            },
          );
          return undefined;
        }
        const requested = await engine.requestDeletion(deletion);
        tally[requested.created ? 'created' : 'existing'] += 1;
        logger.info(requested.created ? 'deletion requested' : 'deletion already requested', {
          source,
          entity: deletion.entity,
          id: deletion.id,
          jobId: requested.jobId,
          requester: deletion.requester,
        });
        return requested;
      } catch (error) {
        tally.rejected += 1;
        const retryable = !(error instanceof LetheError) || error.retryable;
        logger[retryable ? 'warn' : 'error']('deletion request not accepted', {
          source,
          entity: deletion?.entity,
          id: deletion?.id,
          code: error instanceof LetheError ? error.code : undefined,
          error: error as Error,
        });
        throw error;
      }
    }

    try {
      if (!isRecordsEvent(event)) {
        const requested = await request('eventbridge', () => requestFromEntityDeleted(event));
        if (requested === undefined) throw new InvalidEventError('event is not a deletion');
        return requested;
      }
      const eventSource = event.Records[0]?.eventSource;
      // A processor per invocation: outside Lambda a processor keeps its batch in the instance,
      // and the local runtime runs several batches through one handler at once — shared, one
      // batch's failures were answered for another and its failed records deleted.
      const batchOptions = { context, throwOnFullBatchFailure: false } as const;
      if (eventSource === undefined || eventSource === 'aws:sqs') {
        return await processPartialResponse(
          event,
          (record: SQSRecord) => request('sqs', () => requestFromQueueRecord(record)),
          new BatchProcessor(EventType.SQS),
          batchOptions,
        );
      }
      if (eventSource === 'aws:dynamodb') {
        return await processPartialResponse(
          event,
          (record: DynamoDBRecord) =>
            request('dynamodb-stream', () =>
              requestFromStreamRecord(graph, record, streamEntities, ttlRemovals),
            ),
          new BatchProcessor(EventType.DynamoDBStreams),
          batchOptions,
        );
      }
      throw new InvalidEventError(`unsupported event source ${JSON.stringify(eventSource)}`);
    } finally {
      metrics.addMetric(METRIC.deletionsRequested, MetricUnit.Count, tally.created);
      metrics.addMetric(METRIC.deletionsAlreadyRequested, MetricUnit.Count, tally.existing);
      metrics.addMetric(METRIC.requestsRejected, MetricUnit.Count, tally.rejected);
    }
  }

  return withObservability(handleIngest, observability);
}
