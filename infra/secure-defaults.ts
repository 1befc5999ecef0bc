// The DeletionPipeline's defaults in one place: sizes and timings that suit most graphs,
// and the security settings every resource gets (encryption at rest, TLS-only queues,
// point-in-time recovery, retained state).
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';

export const PIPELINE_DEFAULTS = {
  sweepSchedule: () => events.Schedule.rate(Duration.minutes(5)),
  workerBatchSize: 10,
  workerMaxConcurrency: 10,
  workerTimeout: Duration.seconds(60),
  sweeperTimeout: Duration.minutes(5),
  memorySize: 512,
  restoreWindow: Duration.days(7),
  /** Point-in-time recovery's 35 days: a table restored from any point in it can be replayed. */
  tombstoneRetention: Duration.days(35),
  maxReceiveCount: 5,
  /** AWS's advice for SQS event sources: visibility ≥ 6 × the function timeout. */
  visibilityTimeoutFactor: 6,
  streamBatchSize: 100,
  logRetention: logs.RetentionDays.ONE_YEAR,
  alarmThresholds: {
    oldestPendingTombstoneAgeSeconds: 3600,
    dlqMessages: 1,
    functionErrors: 1,
    deadlinesAtRisk: 1,
  },
  defaultDeadline: Duration.days(30),
} as const;

/** Limits AWS enforces, checked before anything is created. */
export const AWS_LIMITS = {
  lambdaTimeoutSeconds: 900,
  sqsVisibilityTimeoutSeconds: 43_200,
  sqsBatchSize: 10_000,
  /** Above 10 records a batch, SQS event sources need a batching window. */
  sqsBatchSizeWithoutWindow: 10,
  maxBatchingWindowSeconds: 300,
  sqsMaxConcurrency: { min: 2, max: 1000 },
  memorySize: { min: 128, max: 10_240 },
} as const;

export function stateTableProps(encryptionKey: kms.IKey | undefined): dynamodb.TableProps {
  return {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    timeToLiveAttribute: 'expiresAt',
    stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    ...(encryptionKey === undefined
      ? { encryption: dynamodb.TableEncryption.AWS_MANAGED }
      : { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey }),
    // Tombstones and jobs are the proof of what was erased: never dropped with the stack.
    removalPolicy: RemovalPolicy.RETAIN,
  };
}

export function queueEncryption(
  encryptionKey: kms.IKey | undefined,
): Pick<sqs.QueueProps, 'encryption' | 'encryptionMasterKey' | 'enforceSSL'> {
  return {
    enforceSSL: true,
    ...(encryptionKey === undefined
      ? { encryption: sqs.QueueEncryption.SQS_MANAGED }
      : { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: encryptionKey }),
  };
}

/** The createRequire banner lets CommonJS dependencies (X-Ray SDK) run inside an ESM bundle. */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __letheCreateRequire } from 'node:module'; const require = __letheCreateRequire(import.meta.url);";

export function functionDefaults(): Pick<
  nodejs.NodejsFunctionProps,
  'runtime' | 'architecture' | 'tracing' | 'bundling'
> {
  return {
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    tracing: lambda.Tracing.ACTIVE,
    bundling: {
      format: nodejs.OutputFormat.ESM,
      target: 'node24',
      platform: 'node',
      mainFields: ['module', 'main'],
      minify: true,
      sourceMap: true,
      // Stack traces need the mappings only; the sources would triple the map's size, and
      // Node parses the map at cold start when --enable-source-maps is on.
      sourcesContent: false,
      // The runtime provides AWS SDK v3; bundling it would add megabytes.
      externalModules: ['@aws-sdk/*'],
      banner: ESM_REQUIRE_BANNER,
      forceDockerBundling: false,
      logLevel: nodejs.LogLevel.WARNING,
    },
  };
}
