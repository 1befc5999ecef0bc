// What a deletion would cost on AWS, computed from the requests a benchmark run counted and
// the list prices in prices.ts. Pure functions only: the proxy counts, this prices.
import { PRICES, type Prices } from './prices.js';

/** Counted usage of one run. Requests are keyed `service:Action`, e.g. `s3:DeleteObjects`. */
export interface Usage {
  readonly requests: Readonly<Record<string, number>>;
  /** SQS requests as billed: one per started 64 KB of payload, at least one per call. */
  readonly sqsBilledRequests: number;
  readonly dynamodbWriteUnits: number;
  readonly dynamodbReadUnits: number;
  readonly lambdaInvocations: number;
  readonly lambdaGbSeconds: number;
  readonly eventBridgeEvents: number;
}

/** USD by service; `total` is their sum. */
export interface CostBreakdown {
  readonly s3: number;
  readonly sqs: number;
  readonly dynamodb: number;
  readonly lambda: number;
  readonly eventbridge: number;
  readonly total: number;
}

export type S3PriceClass = 'put-copy-post-list' | 'get-and-other' | 'delete';

export interface CapacityUnits {
  readonly read: number;
  readonly write: number;
}

const NUMERIC_USAGE_FIELDS = [
  'sqsBilledRequests',
  'dynamodbWriteUnits',
  'dynamodbReadUnits',
  'lambdaInvocations',
  'lambdaGbSeconds',
  'eventBridgeEvents',
] as const;

export function emptyUsage(): Usage {
  return {
    requests: {},
    sqsBilledRequests: 0,
    dynamodbWriteUnits: 0,
    dynamodbReadUnits: 0,
    lambdaInvocations: 0,
    lambdaGbSeconds: 0,
    eventBridgeEvents: 0,
  };
}

function combine(a: Usage, b: Usage, sign: 1 | -1): Usage {
  const requests: Record<string, number> = { ...a.requests };
  for (const [key, count] of Object.entries(b.requests)) {
    const value = (requests[key] ?? 0) + sign * count;
    if (value === 0) delete requests[key];
    else requests[key] = value;
  }
  const numbers = Object.fromEntries(
    NUMERIC_USAGE_FIELDS.map((field) => [field, a[field] + sign * b[field]]),
  ) as Record<(typeof NUMERIC_USAGE_FIELDS)[number], number>;
  return { requests, ...numbers };
}

export function addUsage(a: Usage, b: Usage): Usage {
  return combine(a, b, 1);
}

/** What happened between two snapshots of a cumulative counter. */
export function diffUsage(after: Usage, before: Usage): Usage {
  return combine(after, before, -1);
}

export function totalRequests(usage: Usage, service?: string): number {
  let total = 0;
  for (const [key, count] of Object.entries(usage.requests)) {
    if (service === undefined || key.startsWith(`${service}:`)) total += count;
  }
  return total;
}

/**
 * The S3 pricing line an action falls under: DELETE and CANCEL requests are free; PUT, COPY,
 * POST and LIST share one price; GET and everything else share the other. DeleteObjects is a
 * POST on the wire but is priced as a DELETE.
 */
export function s3PriceClass(action: string): S3PriceClass {
  if (action.startsWith('Delete') || action === 'AbortMultipartUpload') return 'delete';
  if (
    action.startsWith('List') ||
    action.startsWith('Put') ||
    action.startsWith('Create') ||
    action.startsWith('Copy') ||
    action === 'PostObject' ||
    action === 'UploadPart' ||
    action === 'UploadPartCopy' ||
    action === 'CompleteMultipartUpload' ||
    action === 'RestoreObject'
  ) {
    return 'put-copy-post-list';
  }
  return 'get-and-other';
}

/** Lambda bills each invocation's duration rounded up to the millisecond. */
export function lambdaGbSeconds(memoryMb: number, durationMs: number): number {
  if (memoryMb <= 0 || durationMs < 0) throw new RangeError('memory must be > 0, duration ≥ 0');
  return (memoryMb / 1024) * (Math.ceil(durationMs) / 1000);
}

/** SQS bills every started 64 KB chunk of a payload (sent or received) as one request. */
export function sqsBilledRequests(
  requestBytes: number,
  responseBytes: number,
  chunkBytes: number = PRICES.sqs.billedChunkBytes,
): number {
  return Math.max(1, Math.ceil(Math.max(requestBytes, responseBytes) / chunkBytes));
}

const DYNAMODB_WRITES = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);
const DYNAMODB_READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asNumber(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/**
 * Capacity units DynamoDB reported in a response's `ConsumedCapacity` (one object, or one per
 * table for batch and transact calls), GSI writes included. Undefined when the response has
 * none, so the caller can fall back to an estimate.
 */
export function reportedCapacityUnits(
  operation: string,
  response: unknown,
): CapacityUnits | undefined {
  if (!isRecord(response) || response.ConsumedCapacity === undefined) return undefined;
  const entries = Array.isArray(response.ConsumedCapacity)
    ? response.ConsumedCapacity
    : [response.ConsumedCapacity];
  let read = 0;
  let write = 0;
  for (const entry of entries) {
    if (!isRecord(entry)) continue;
    const split = asNumber(entry.ReadCapacityUnits) + asNumber(entry.WriteCapacityUnits) > 0;
    if (split) {
      read += asNumber(entry.ReadCapacityUnits);
      write += asNumber(entry.WriteCapacityUnits);
    } else if (DYNAMODB_WRITES.has(operation)) {
      write += asNumber(entry.CapacityUnits);
    } else {
      read += asNumber(entry.CapacityUnits);
    }
  }
  return { read, write };
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value ?? {}));
}

function writeUnitsOfPut(item: unknown): number {
  return Math.max(1, Math.ceil(jsonBytes(item) / 1024));
}

/**
 * An upper-bound estimate of capacity units when DynamoDB did not report them: writes are
 * one unit per started KB of the item written (deletes and updates count one unit: the proxy
 * does not see the stored item), reads one unit per started 4 KB of the response, halved when
 * eventually consistent; transactions cost double. GSI writes are not included.
 */
export function estimatedCapacityUnits(
  operation: string,
  request: unknown,
  responseBytes: number,
): CapacityUnits {
  const body = isRecord(request) ? request : {};
  const consistency = body.ConsistentRead === true ? 1 : 0.5;
  switch (operation) {
    case 'PutItem':
      return { read: 0, write: writeUnitsOfPut(body.Item) };
    case 'UpdateItem':
    case 'DeleteItem':
      return { read: 0, write: 1 };
    case 'BatchWriteItem': {
      let write = 0;
      const tables = isRecord(body.RequestItems) ? Object.values(body.RequestItems) : [];
      for (const requests of tables) {
        if (!Array.isArray(requests)) continue;
        for (const request of requests) {
          if (isRecord(request) && isRecord(request.PutRequest)) {
            write += writeUnitsOfPut(request.PutRequest.Item);
          } else {
            write += 1;
          }
        }
      }
      return { read: 0, write };
    }
    case 'TransactWriteItems': {
      const items = Array.isArray(body.TransactItems) ? body.TransactItems : [];
      let write = 0;
      for (const item of items) {
        write += isRecord(item) && isRecord(item.Put) ? writeUnitsOfPut(item.Put.Item) : 1;
      }
      return { read: 0, write: 2 * write };
    }
    case 'GetItem':
    case 'Query':
    case 'Scan':
      return { read: Math.max(1, Math.ceil(responseBytes / 4096)) * consistency, write: 0 };
    case 'BatchGetItem': {
      let keys = 0;
      const tables = isRecord(body.RequestItems) ? Object.values(body.RequestItems) : [];
      for (const table of tables) {
        if (isRecord(table) && Array.isArray(table.Keys)) keys += table.Keys.length;
      }
      return { read: keys * 0.5, write: 0 };
    }
    case 'TransactGetItems': {
      const items = Array.isArray(body.TransactItems) ? body.TransactItems.length : 0;
      return { read: 2 * items, write: 0 };
    }
    default:
      return { read: 0, write: 0 };
  }
}

/** Whether a DynamoDB operation consumes capacity at all (control-plane calls do not). */
export function consumesCapacity(operation: string): boolean {
  return DYNAMODB_WRITES.has(operation) || DYNAMODB_READS.has(operation);
}

export function costOf(usage: Usage, prices: Prices = PRICES): CostBreakdown {
  let s3 = 0;
  for (const [key, count] of Object.entries(usage.requests)) {
    const [service, action = ''] = key.split(':');
    if (service !== 's3') continue;
    const priceClass = s3PriceClass(action);
    const per1000 =
      priceClass === 'delete'
        ? prices.s3.deletePer1000
        : priceClass === 'put-copy-post-list'
          ? prices.s3.putCopyPostListPer1000
          : prices.s3.getAndOtherPer1000;
    s3 += (count / 1000) * per1000;
  }
  const sqs = (usage.sqsBilledRequests / 1e6) * prices.sqs.standardPerMillionRequests;
  const dynamodb =
    (usage.dynamodbWriteUnits / 1e6) * prices.dynamodb.perMillionWriteRequestUnits +
    (usage.dynamodbReadUnits / 1e6) * prices.dynamodb.perMillionReadRequestUnits;
  const lambda =
    (usage.lambdaInvocations / 1e6) * prices.lambda.perMillionRequests +
    usage.lambdaGbSeconds * prices.lambda.perGbSecondArm64;
  const eventbridge = (usage.eventBridgeEvents / 1e6) * prices.eventbridge.perMillionCustomEvents;
  return {
    s3,
    sqs,
    dynamodb,
    lambda,
    eventbridge,
    total: s3 + sqs + dynamodb + lambda + eventbridge,
  };
}

/** The cost of one run scaled to a million items (rows or objects) deleted. */
export function costPerMillionItems(
  usage: Usage,
  items: number,
  prices: Prices = PRICES,
): CostBreakdown {
  if (!(items > 0)) throw new RangeError(`items must be > 0, got ${items}`);
  const cost = costOf(usage, prices);
  const scale = 1e6 / items;
  return {
    s3: cost.s3 * scale,
    sqs: cost.sqs * scale,
    dynamodb: cost.dynamodb * scale,
    lambda: cost.lambda * scale,
    eventbridge: cost.eventbridge * scale,
    total: cost.total * scale,
  };
}
