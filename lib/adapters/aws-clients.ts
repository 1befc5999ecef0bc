// The one place where AWS SDK clients are built. Pointing `endpoint` (or per-service
// `endpoints`) at the emulators is all it takes to run the same code locally.

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export type AwsService = 'dynamodb' | 's3' | 'sqs' | 'eventbridge' | 'lambda';

/**
 * Where the SDK clients point. `region` defaults to `AWS_REGION`, else `us-east-1`. With an
 * endpoint (an emulator) the clients use fixed local credentials and 8 attempts per call.
 */
export interface AwsClientOptions {
  readonly region?: string;
  /** One endpoint for every service (e.g. a single emulator). */
  readonly endpoint?: string;
  /** Per-service endpoints; these win over `endpoint`. DynamoDB Streams follows `dynamodb`. */
  readonly endpoints?: Partial<Record<AwsService, string>>;
  /** SDK retry attempts per call (the engine adds its own back-off on top). */
  readonly maxAttempts?: number;
}

/** One SDK client per service lethe calls, sharing region and endpoints. */
export interface AwsClients {
  readonly region: string;
  readonly dynamodb: DynamoDBClient;
  readonly documents: DynamoDBDocumentClient;
  readonly dynamodbStreams: DynamoDBStreamsClient;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly eventbridge: EventBridgeClient;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'lethelocal', secretAccessKey: 'lethelocal' };

function clientConfig(options: AwsClientOptions, service: AwsService) {
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const endpoint = options.endpoints?.[service] ?? options.endpoint;
  // DynamoDB Local answers lock waits with HTTP 500s under load; give local runs more tries.
  const maxAttempts = options.maxAttempts ?? (endpoint === undefined ? undefined : 8);
  return {
    region,
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
    // Emulators accept any credentials; never let local runs pick up real ones.
    ...(endpoint === undefined ? {} : { endpoint, credentials: LOCAL_CREDENTIALS }),
  };
}

/** Builds the SDK clients lethe uses; on AWS, credentials come from the default chain. */
export function createAwsClients(options: AwsClientOptions = {}): AwsClients {
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const endpointFor = (service: AwsService) => options.endpoints?.[service] ?? options.endpoint;
  const base = (service: AwsService) => clientConfig(options, service);

  const dynamodb = new DynamoDBClient(base('dynamodb'));
  return {
    region,
    dynamodb,
    documents: DynamoDBDocumentClient.from(dynamodb, {
      marshallOptions: { removeUndefinedValues: true },
    }),
    dynamodbStreams: new DynamoDBStreamsClient(base('dynamodb')),
    s3: new S3Client({ ...base('s3'), forcePathStyle: endpointFor('s3') !== undefined }),
    sqs: new SQSClient(base('sqs')),
    eventbridge: new EventBridgeClient(base('eventbridge')),
  };
}

/** Closes every client (their sockets), so a process can exit. */
export function destroyAwsClients(clients: AwsClients): void {
  clients.documents.destroy();
  clients.dynamodb.destroy();
  clients.dynamodbStreams.destroy();
  clients.s3.destroy();
  clients.sqs.destroy();
  clients.eventbridge.destroy();
}

/**
 * The Lambda control-plane client, for the pause switch (event source mappings). Only the CLI
 * needs it, so it is loaded on demand: the handlers never pay for the Lambda SDK at cold start.
 */
export async function createLambdaClient(options: AwsClientOptions = {}): Promise<LambdaClient> {
  const { LambdaClient } = await import('@aws-sdk/client-lambda');
  return new LambdaClient(clientConfig(options, 'lambda'));
}
