// The one place where AWS SDK clients are built. Pointing `endpoint` (or per-service
// `endpoints`) at the emulators is all it takes to run the same code locally.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export type AwsService = 'dynamodb' | 's3' | 'sqs' | 'eventbridge';

export interface AwsClientOptions {
  readonly region?: string;
  /** One endpoint for every service (e.g. a single emulator). */
  readonly endpoint?: string;
  /** Per-service endpoints; these win over `endpoint`. DynamoDB Streams follows `dynamodb`. */
  readonly endpoints?: Partial<Record<AwsService, string>>;
  /** SDK retry attempts per call (the engine adds its own back-off on top). */
  readonly maxAttempts?: number;
}

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

export function createAwsClients(options: AwsClientOptions = {}): AwsClients {
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const endpointFor = (service: AwsService) => options.endpoints?.[service] ?? options.endpoint;
  const base = (service: AwsService) => {
    const endpoint = endpointFor(service);
    // DynamoDB Local answers lock waits with HTTP 500s under load; give local runs more tries.
    const maxAttempts = options.maxAttempts ?? (endpoint === undefined ? undefined : 8);
    return {
      region,
      ...(maxAttempts === undefined ? {} : { maxAttempts }),
      // Emulators accept any credentials; never let local runs pick up real ones.
      ...(endpoint === undefined ? {} : { endpoint, credentials: LOCAL_CREDENTIALS }),
    };
  };

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

export function destroyAwsClients(clients: AwsClients): void {
  clients.documents.destroy();
  clients.dynamodb.destroy();
  clients.dynamodbStreams.destroy();
  clients.s3.destroy();
  clients.sqs.destroy();
  clients.eventbridge.destroy();
}
