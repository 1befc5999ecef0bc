// Names each HTTP request the way AWS bills it (`s3:DeleteObjects`, `sqs:SendMessageBatch`,
// `dynamodb:BatchWriteItem`) and keeps a cumulative tally. Counting on the wire treats every
// runner alike: SDK code, the aws cli and rclone are all counted by the same rules.
import type { IncomingHttpHeaders } from 'node:http';
import {
  type CapacityUnits,
  consumesCapacity,
  estimatedCapacityUnits,
  reportedCapacityUnits,
  sqsBilledRequests,
  type Usage,
} from '../lib/cost/cost-model.js';

export interface ClassifiedRequest {
  readonly service: string;
  readonly action: string;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The service named in a SigV4 credential scope: `Credential=AK/20260101/us-east-1/s3/aws4_request`. */
function signedService(headers: IncomingHttpHeaders, query: URLSearchParams): string | undefined {
  const credential =
    /Credential=[^/,\s]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(
      header(headers, 'authorization') ?? '',
    )?.[1] ?? /^[^/]+\/\d{8}\/[^/]+\/([^/]+)\//.exec(query.get('X-Amz-Credential') ?? '')?.[1];
  return credential;
}

const BUCKET_SUBRESOURCES = [
  'versioning',
  'lifecycle',
  'policy',
  'cors',
  'tagging',
  'location',
  'notification',
  'encryption',
  'acl',
  'uploads',
  'versions',
  'website',
  'logging',
  'replication',
  'ownershipControls',
  'publicAccessBlock',
] as const;

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** S3 REST action from method, path-style path and query. */
export function s3Action(method: string, path: string, query: URLSearchParams): string {
  const segments = path.split('/').filter((s) => s.length > 0);
  const hasBucket = segments.length >= 1;
  const hasKey = segments.length >= 2;
  const subresource = BUCKET_SUBRESOURCES.find((name) => query.has(name));
  switch (method) {
    case 'GET':
      if (!hasBucket) return 'ListBuckets';
      if (hasKey) {
        if (query.has('uploadId')) return 'ListParts';
        if (query.has('tagging')) return 'GetObjectTagging';
        if (query.has('acl')) return 'GetObjectAcl';
        return 'GetObject';
      }
      if (query.get('list-type') === '2') return 'ListObjectsV2';
      if (subresource === 'versions') return 'ListObjectVersions';
      if (subresource === 'uploads') return 'ListMultipartUploads';
      if (subresource) return `GetBucket${capitalize(subresource)}`;
      return 'ListObjects';
    case 'HEAD':
      return hasKey ? 'HeadObject' : 'HeadBucket';
    case 'PUT':
      if (hasKey) {
        if (query.has('uploadId')) return 'UploadPart';
        if (query.has('tagging')) return 'PutObjectTagging';
        if (query.has('acl')) return 'PutObjectAcl';
        return 'PutObject';
      }
      return subresource ? `PutBucket${capitalize(subresource)}` : 'CreateBucket';
    case 'POST':
      if (!hasKey && query.has('delete')) return 'DeleteObjects';
      if (query.has('uploads')) return 'CreateMultipartUpload';
      if (query.has('uploadId')) return 'CompleteMultipartUpload';
      if (query.has('restore')) return 'RestoreObject';
      return 'PostObject';
    case 'DELETE':
      if (hasKey) return query.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
      return subresource ? `DeleteBucket${capitalize(subresource)}` : 'DeleteBucket';
    default:
      return `${method}Unknown`;
  }
}

/**
 * Service and action of one request. JSON-protocol services (DynamoDB, SQS) name the action
 * in `x-amz-target`; S3 needs method, path and query (copies are told apart by header).
 */
export function classifyRequest(
  method: string,
  url: string,
  headers: IncomingHttpHeaders,
): ClassifiedRequest {
  const parsed = new URL(url, 'http://proxy.invalid');
  const target = header(headers, 'x-amz-target');
  if (target) {
    const [prefix = '', action = 'Unknown'] = target.split('.');
    if (prefix.startsWith('DynamoDBStreams')) return { service: 'dynamodbstreams', action };
    if (prefix.startsWith('DynamoDB')) return { service: 'dynamodb', action };
    if (prefix.startsWith('AmazonSQS')) return { service: 'sqs', action };
    return { service: signedService(headers, parsed.searchParams) ?? prefix, action };
  }
  const service = signedService(headers, parsed.searchParams) ?? 's3';
  if (service === 's3') {
    let action = s3Action(method, parsed.pathname, parsed.searchParams);
    if (action === 'PutObject' && header(headers, 'x-amz-copy-source')) action = 'CopyObject';
    if (action === 'UploadPart' && header(headers, 'x-amz-copy-source')) action = 'UploadPartCopy';
    return { service, action };
  }
  return { service, action: `${method} ${parsed.pathname}` };
}

export interface ObservedExchange {
  readonly request: ClassifiedRequest;
  readonly requestBody: Buffer;
  readonly responseBody: Buffer | undefined;
  readonly responseBytes: number;
}

export interface RequestCounter {
  /** A request arrived (for the in-flight peak); pair with `end`. */
  begin(): void;
  end(): void;
  /** Most requests in flight at once since the last `resetPeak`. */
  peakInFlight(): number;
  resetPeak(): void;
  record(exchange: ObservedExchange): void;
  /** A copy of the cumulative tally; diff two snapshots to get one window. */
  snapshot(): Usage;
}

function parseJson(body: Buffer | undefined): unknown {
  if (!body || body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

export function createRequestCounter(): RequestCounter {
  const requests: Record<string, number> = {};
  let sqsBilled = 0;
  let writeUnits = 0;
  let readUnits = 0;
  let inFlight = 0;
  let peak = 0;

  return {
    begin() {
      inFlight++;
      peak = Math.max(peak, inFlight);
    },
    end() {
      inFlight--;
    },
    peakInFlight: () => peak,
    resetPeak() {
      peak = inFlight;
    },
    record({ request, requestBody, responseBody, responseBytes }) {
      const key = `${request.service}:${request.action}`;
      requests[key] = (requests[key] ?? 0) + 1;
      if (request.service === 'sqs') {
        sqsBilled += sqsBilledRequests(requestBody.length, responseBytes);
      }
      if (request.service === 'dynamodb' && consumesCapacity(request.action)) {
        const units: CapacityUnits =
          reportedCapacityUnits(request.action, parseJson(responseBody)) ??
          estimatedCapacityUnits(request.action, parseJson(requestBody), responseBytes);
        writeUnits += units.write;
        readUnits += units.read;
      }
    },
    snapshot() {
      return {
        requests: { ...requests },
        sqsBilledRequests: sqsBilled,
        dynamodbWriteUnits: writeUnits,
        dynamodbReadUnits: readUnits,
        lambdaInvocations: 0,
        lambdaGbSeconds: 0,
        eventBridgeEvents: 0,
      };
    },
  };
}
