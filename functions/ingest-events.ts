// The three ways an upstream service says "this entity is gone", each turned into one
// deletion request: an EventBridge `EntityDeleted` event, an SQS message carrying such a
// request (or a whole EntityDeleted event), and a REMOVE record on a root table's stream.
import { unmarshallDynamoDB } from '@aws-lambda-powertools/commons/utils/unmarshallDynamoDB';
import type { DynamoDBRecord, SQSRecord } from 'aws-lambda';
// A namespace import lets esbuild drop the parts of zod nobody calls (its locales alone are
// hundreds of kB); `import { z }` keeps all of it in every bundle.
import * as z from 'zod';
import type { DeletionRequest } from '../lib/engine/request-deletion.js';
import { LetheError } from '../lib/errors.js';
import {
  ENTITY_DELETED,
  type EntityDeletedDetail,
  entityDeletedDetailSchema,
  entityDeletedEventSchema,
  REQUEST_VERSION,
} from '../lib/events/entity-deleted.js';
import type { Entity, Graph } from '../lib/graph/graph-types.js';
import { entityIdOf } from '../lib/graph/key-types.js';

// The event's schema is public (`lethe`), so it lives in lib/events; re-exported for callers here.
export {
  ENTITY_DELETED,
  type EntityDeletedDetail,
  type EntityDeletedEvent,
  entityDeletedDetailSchema,
  entityDeletedEventSchema,
  REQUEST_VERSION,
} from '../lib/events/entity-deleted.js';

/** An event or record that can never become a deletion request; retrying will not help. */
export class InvalidEventError extends LetheError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('INVALID_EVENT', message, options);
    this.name = 'InvalidEventError';
  }
}

/** EventBridge's envelope version: the only one there is. */
export const EVENT_VERSION = '0';
/** A deletion request needs well under a kilobyte; anything past this is not one. */
export const MAX_EVENT_BYTES = 64 * 1024;

const attributeValues = z.record(z.string(), z.record(z.string(), z.unknown()));

/** A DynamoDB stream record as Lambda delivers it, images still marshalled. */
const streamRecordSchema = z.object({
  eventID: z.string().optional(),
  eventName: z.enum(['INSERT', 'MODIFY', 'REMOVE']),
  eventSource: z.literal('aws:dynamodb'),
  eventSourceARN: z.string(),
  dynamodb: z.object({
    Keys: attributeValues,
    NewImage: attributeValues.optional(),
  }),
  // Set by DynamoDB on the REMOVE records its Time to Live makes; absent for writers' changes.
  userIdentity: z.object({ type: z.string(), principalId: z.string() }).optional(),
});

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`)
    .join('; ');
}

function requester(kind: string, name: string): string {
  return `${kind}:${name}`.slice(0, 256);
}

function toRequest(
  detail: EntityDeletedDetail,
  requestedBy: string,
  fallbackRequestId: string,
): DeletionRequest {
  // `deletedAt` is validated but not forwarded: the engine stamps its own commit time.
  return {
    entity: detail.entity,
    id: detail.id,
    requester: requestedBy,
    requestId: detail.requestId ?? fallbackRequestId.slice(0, 256),
    ...(detail.tenantId === undefined ? {} : { tenantId: detail.tenantId }),
  };
}

export function isEntityDeletedEvent(event: unknown): boolean {
  return typeof event === 'object' && event !== null && 'detail-type' in event;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sizes and versions first: an oversized or future-version input is refused as such. */
function refuseUnknown(what: string, bytes: number, request: unknown): void {
  if (bytes > MAX_EVENT_BYTES) {
    throw new InvalidEventError(`${what} is larger than ${MAX_EVENT_BYTES} bytes (${bytes})`);
  }
  if (isRecord(request) && 'v' in request && request.v !== REQUEST_VERSION) {
    throw new InvalidEventError(
      `unknown request version ${JSON.stringify(request.v)} (ingest reads version ${REQUEST_VERSION})`,
    );
  }
}

export function requestFromEntityDeleted(event: unknown): DeletionRequest {
  if (isRecord(event) && 'version' in event && event.version !== EVENT_VERSION) {
    throw new InvalidEventError(
      `unknown event version ${JSON.stringify(event.version)} (ingest reads EventBridge version "${EVENT_VERSION}")`,
    );
  }
  refuseUnknown(
    'event',
    Buffer.byteLength(JSON.stringify(event) ?? ''),
    isRecord(event) ? event.detail : undefined,
  );
  const parsed = entityDeletedEventSchema.safeParse(event);
  if (!parsed.success) {
    throw new InvalidEventError(`invalid ${ENTITY_DELETED} event: ${describe(parsed.error)}`);
  }
  const { detail, source, id } = parsed.data;
  return toRequest(detail, requester('eventbridge', source), id);
}

/** A queue message: a bare `{ entity, id, … }` request, or a whole EntityDeleted event. */
export function requestFromQueueRecord(record: SQSRecord): DeletionRequest {
  const bytes = Buffer.byteLength(record.body, 'utf8');
  if (bytes > MAX_EVENT_BYTES) {
    throw new InvalidEventError(`message body is larger than ${MAX_EVENT_BYTES} bytes (${bytes})`);
  }
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch (error) {
    throw new InvalidEventError('message body is not valid JSON', { cause: error });
  }
  if (isEntityDeletedEvent(body)) return requestFromEntityDeleted(body);
  refuseUnknown('message body', bytes, body);
  const parsed = entityDeletedDetailSchema.safeParse(body);
  if (!parsed.success) {
    throw new InvalidEventError(`invalid deletion request: ${describe(parsed.error)}`);
  }
  const queue = record.eventSourceARN.split(':').at(-1) ?? 'queue';
  return toRequest(parsed.data, requester('sqs', queue), record.messageId);
}

const STREAM_ARN_TABLE = /:table\/([^/]+)\/stream\//;

/** The table a stream record comes from, read from its event source ARN. */
export function tableOfStreamRecord(record: Pick<DynamoDBRecord, 'eventSourceARN'>): string {
  const table = STREAM_ARN_TABLE.exec(record.eventSourceARN ?? '')?.[1];
  if (table === undefined) {
    throw new InvalidEventError(
      `cannot read a table name from stream ARN ${JSON.stringify(record.eventSourceARN)}`,
    );
  }
  return table;
}

/**
 * The entity stored in `tableName`, among `candidates` (every entity when undefined): a
 * record from any other table fails rather than start a deletion nobody configured.
 */
export function entityOfTable(
  graph: Graph,
  tableName: string,
  candidates: readonly string[] | undefined,
): Entity {
  const matches = Object.values(graph.entities).filter(
    (entity) =>
      entity.tableName === tableName &&
      (candidates === undefined || candidates.includes(entity.name)),
  );
  // The graph gives every entity its own table, so there is at most one match.
  const [only] = matches;
  if (only === undefined) {
    throw new InvalidEventError(
      `no entity ${candidates ? `among ${candidates.join(', ')} ` : 'of the graph '}is stored in table "${tableName}"`,
    );
  }
  return only;
}

/**
 * The partition key value of a stream record's item: the entity id, canonical for a Number
 * key. `keys` are the record's unmarshalled keys; `rawKeys`, when given, its marshalled ones,
 * whose `N` text is read in preference, so no digit is lost to a JS number.
 */
export function idOfStreamItem(
  entity: Entity,
  keys: Record<string, unknown>,
  rawKeys?: Record<string, unknown>,
): string {
  const raw = rawKeys?.[entity.partitionKey];
  const numberText =
    isRecord(raw) && typeof raw.N === 'string' && entity.idType === 'number' ? raw.N : undefined;
  const value = numberText ?? keys[entity.partitionKey];
  try {
    return entityIdOf(entity, value);
  } catch (error) {
    throw new InvalidEventError(
      `stream record of ${entity.name} has no usable key ${entity.partitionKey}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

function unmarshallImage(
  what: string,
  image: Record<string, Record<string, unknown>>,
): Record<string, unknown> {
  try {
    // Shape checked by the schema above; the SDK's AttributeValue type is only a type here.
    const attributes = image as unknown as Parameters<typeof unmarshallDynamoDB>[0];
    return unmarshallDynamoDB(attributes) as Record<string, unknown>;
  } catch (error) {
    throw new InvalidEventError(`stream record ${what} cannot be read`, { cause: error });
  }
}

/**
 * The requester kind of a deletion started by a REMOVE that DynamoDB's Time to Live made
 * (`userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' }`): such jobs
 * record `requester: "dynamodb-ttl:<table>"`, a writer's delete `"dynamodb-stream:<table>"`.
 */
export const TTL_REQUESTER = 'dynamodb-ttl';

/** Whether root-table REMOVE records made by DynamoDB TTL start deletions (`start`) or are skipped. */
export type TtlRemovals = 'start' | 'ignore';

const TTL_SERVICE_PRINCIPAL = 'dynamodb.amazonaws.com';

export interface StreamChange {
  readonly entity: Entity;
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  /** True for a REMOVE that DynamoDB's Time to Live made, not a writer. */
  readonly byTtl: boolean;
  readonly keys: Record<string, unknown>;
  /** The item after the change, unmarshalled; absent for REMOVE. */
  readonly newImage: Record<string, unknown> | undefined;
}

/** Validates a DynamoDB stream record and names the entity whose row changed. */
export function parseStreamRecord(
  graph: Graph,
  record: DynamoDBRecord,
  candidates: readonly string[] | undefined,
): StreamChange {
  const parsed = streamRecordSchema.safeParse(record);
  if (!parsed.success) {
    throw new InvalidEventError(`invalid DynamoDB stream record: ${describe(parsed.error)}`);
  }
  const { eventName, dynamodb, userIdentity } = parsed.data;
  const entity = entityOfTable(graph, tableOfStreamRecord(parsed.data), candidates);
  return {
    entity,
    eventName,
    byTtl:
      eventName === 'REMOVE' &&
      userIdentity?.type === 'Service' &&
      userIdentity.principalId === TTL_SERVICE_PRINCIPAL,
    keys: unmarshallImage('Keys', dynamodb.Keys),
    newImage: dynamodb.NewImage && unmarshallImage('NewImage', dynamodb.NewImage),
  };
}

/**
 * A REMOVE on a root table's stream as a deletion request; undefined for any other change,
 * and for a REMOVE made by DynamoDB TTL when `ttlRemovals` is `ignore` (default `start`: a
 * TTL removal starts a deletion with requester `dynamodb-ttl:<table>`).
 * Tables with a sort key are refused: removing one item of a partition does not say that
 * the entity (the whole partition) is gone.
 */
export function requestFromStreamRecord(
  graph: Graph,
  record: DynamoDBRecord,
  candidates: readonly string[] | undefined,
  ttlRemovals: TtlRemovals = 'start',
): DeletionRequest | undefined {
  const change = parseStreamRecord(graph, record, candidates);
  if (change.eventName !== 'REMOVE') return undefined;
  if (change.byTtl && ttlRemovals === 'ignore') return undefined;
  const { entity } = change;
  if (entity.sortKey !== undefined) {
    throw new InvalidEventError(
      `table "${entity.tableName}" of ${entity.name} has a sort key: a REMOVE deletes one item, not the entity`,
    );
  }
  return {
    entity: entity.name,
    id: idOfStreamItem(entity, change.keys, record.dynamodb?.Keys),
    requester: requester(change.byTtl ? TTL_REQUESTER : 'dynamodb-stream', entity.tableName),
    ...(record.eventID === undefined ? {} : { requestId: record.eventID.slice(0, 256) }),
  };
}
