// DeletionPipeline: lethe on AWS. The state table, the work queue and its dead-letter queue,
// the ingest, worker, sweeper and stream consumer functions bundled with the user's graph,
// the EventBridge rule and schedule, alarms and a dashboard; every permission computed from
// the graph (see graph-access.ts). Stack outputs name what `lethe` needs to reach it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Aws, CfnOutput, Duration, Fn, Names, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE } from '../functions/metric-names.js';
import { LETHE_ENV } from '../functions/settings-from-env.js';
import { graphFingerprint } from '../lib/graph/graph-fingerprint.js';
import { stateIndex } from '../lib/model/state-keys.js';
import type { DeletionPipelineProps } from './deletion-pipeline-props.js';
import { type GraphAccess, graphAccess, type ObjectArea } from './graph-access.js';
import { type HandlerKind, shipsHandler, writeHandlerEntry } from './handler-entry.js';
import { createReceiptKey, grantReceiptSigning } from './receipt-key.js';
import {
  createReceiptLeavesBucket,
  grantLeavesReads,
  grantLeavesWrites,
} from './receipt-leaves-bucket.js';
import { type ResolvedPipelineProps, resolvePipelineProps } from './resolve-pipeline-props.js';
import {
  createRestoreBucket,
  grantRestoreLogReads,
  grantRestoreLogWrites,
} from './restore-bucket.js';
import {
  functionDefaults,
  PIPELINE_DEFAULTS,
  queueEncryption,
  stateTableProps,
} from './secure-defaults.js';
import { applyVersionedBucketRules, longestRestoreWindow } from './versioned-bucket-rules.js';

const LOCK_FILES = ['package-lock.json', 'pnpm-lock.yaml', 'yarn.lock', 'bun.lock', 'bun.lockb'];

const STATE_TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
];

export interface PipelineAlarms {
  /** Work messages that exhausted their receives: units that need an operator. */
  readonly deadLetterQueue: cloudwatch.Alarm;
  /** Events and stream batches ingest or the stream consumer could not take in. */
  readonly eventDeadLetterQueue: cloudwatch.Alarm;
  /** The deletion SLA: the oldest tombstone not yet fully dispatched. */
  readonly oldestPendingTombstone: cloudwatch.Alarm;
  /** Re-discovery found something a completed job should have erased (`verifyAfterMinutes`). */
  readonly verificationFindings: cloudwatch.Alarm;
  /** Jobs found past 80% of their deadline: their `DeletionDeadlineAtRisk` events name the hold or guard. */
  readonly deadlineAtRisk: cloudwatch.Alarm;
  /** Errors of each function, by function kind. */
  readonly functionErrors: Readonly<Partial<Record<HandlerKind, cloudwatch.Alarm>>>;
  /** Every alarm above. */
  readonly all: readonly cloudwatch.Alarm[];
}

function findLockFile(start: string): string {
  for (let directory = path.resolve(start); ; directory = path.dirname(directory)) {
    const found = LOCK_FILES.map((name) => path.join(directory, name)).filter(existsSync);
    if (found.length === 1 && found[0] !== undefined) return found[0];
    if (found.length > 1) {
      throw new Error(`several lock files in ${directory}: pass depsLockFilePath`);
    }
    if (path.dirname(directory) === directory) {
      throw new Error(`no lock file found above ${start}: pass depsLockFilePath`);
    }
  }
}

/**
 * lethe on AWS, for one deletion graph: the state table, the work queue and its DLQ, the
 * ingest, worker, sweeper and stream-consumer functions (bundled with `props.graphModule`),
 * the `EntityDeleted` rule, the sweep schedule, alarms, a dashboard and stack outputs that
 * name what the `lethe` CLI needs. Every permission is derived from the graph.
 *
 * @throws PipelinePropsError when props break AWS limits or disagree with the graph; every
 *   problem is listed in one error.
 */
export class DeletionPipeline extends Construct {
  /** Tombstones, jobs, units, intents: pk/sk, gsi1, TTL `expiresAt`, stream. */
  public readonly stateTable: dynamodb.Table;
  public readonly workQueue: sqs.Queue;
  /** Where work messages go after `maxReceiveCount` receives; `lethe dlq redrive` sends them back. */
  public readonly deadLetterQueue: sqs.Queue;
  /** Failed EntityDeleted deliveries, failed ingest invocations and failed stream batches. */
  public readonly eventDeadLetterQueue: sqs.Queue;
  public readonly ingestFunction: nodejs.NodejsFunction;
  public readonly workerFunction: nodejs.NodejsFunction;
  /** Present when this lethe ships the sweeper handler (see `shipsHandler`). */
  public readonly sweeperFunction: nodejs.NodejsFunction | undefined;
  /** Present when `rootStreams` or `childStreams` names at least one entity. */
  public readonly streamConsumerFunction: nodejs.NodejsFunction | undefined;
  /** The work queue → worker event source; `lethe pause` disables its mapping. */
  public readonly workerEventSource: sources.SqsEventSource;
  /** UUID of the worker's event source mapping (`lethe --worker-mapping`). */
  public readonly workerEventSourceMappingId: string;
  /** `EntityDeleted` → ingest. */
  public readonly rule: events.Rule;
  /** Runs the sweeper; present with it. `lethe pause` disables it (`--sweeper-rule`). */
  public readonly schedule: events.Rule | undefined;
  public readonly alarms: PipelineAlarms;
  public readonly dashboard: cloudwatch.Dashboard;
  /** The `service` dimension of this pipeline's metrics. */
  public readonly serviceName: string;
  /** What the functions may touch, as computed from the graph. */
  public readonly access: GraphAccess;
  /** Signs receipts (ECC_NIST_P256); only the worker and sweeper roles may Sign. */
  public readonly receiptKey: kms.Key;
  /**
   * Restore-log pages too large for a state item; absent when no entity keeps a restore log
   * (every window 0). Give operators `grantRestoreReads` to run `lethe restore`.
   */
  public readonly restoreBucket: s3.Bucket | undefined;
  /** Where the worker puts units' receipt leaves too large for the state table. */
  public readonly receiptLeavesBucket: s3.Bucket;

  private readonly config: ResolvedPipelineProps;
  private readonly bundling: { projectRoot: string; depsLockFilePath: string };
  private readonly eventBus: events.IEventBus;
  private readonly baseEnvironment: Record<string, string>;

  constructor(scope: Construct, id: string, props: DeletionPipelineProps) {
    super(scope, id);
    this.config = resolvePipelineProps(props);
    const config = this.config;
    this.access = graphAccess(config.graph);
    const stack = Stack.of(this);
    this.serviceName =
      props.serviceName ??
      (Token.isUnresolved(stack.stackName)
        ? Names.uniqueResourceName(this, { maxLength: 64 })
        : `${stack.stackName}-${id}`);

    const depsLockFilePath = props.depsLockFilePath ?? findLockFile(props.projectRoot ?? '.');
    this.bundling = {
      depsLockFilePath,
      projectRoot: path.resolve(props.projectRoot ?? path.dirname(depsLockFilePath)),
    };

    this.stateTable = new dynamodb.Table(this, 'StateTable', stateTableProps(props.encryptionKey));
    this.stateTable.addGlobalSecondaryIndex({
      indexName: stateIndex.name,
      partitionKey: { name: 'gsi1pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'gsi1sk', type: dynamodb.AttributeType.STRING },
    });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      ...queueEncryption(props.encryptionKey),
      retentionPeriod: Duration.days(14),
    });
    this.workQueue = new sqs.Queue(this, 'WorkQueue', {
      ...queueEncryption(props.encryptionKey),
      visibilityTimeout: Duration.seconds(config.visibilityTimeoutSeconds),
      retentionPeriod: Duration.days(14),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: config.maxReceiveCount },
    });
    // EventBridge and Lambda's asynchronous invocations deliver here; a customer key would need
    // a key policy for events.amazonaws.com, so this queue stays SQS-managed.
    this.eventDeadLetterQueue = new sqs.Queue(this, 'EventDeadLetterQueue', {
      ...queueEncryption(undefined),
      retentionPeriod: Duration.days(14),
    });

    this.eventBus =
      props.eventBus ?? events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');
    this.restoreBucket = createRestoreBucket(
      this,
      longestRestoreWindow(config.graph, config.restoreWindowDays),
      props.encryptionKey,
    );
    this.receiptLeavesBucket = createReceiptLeavesBucket(
      this,
      config.receiptRetentionDays,
      props.encryptionKey,
    );

    this.baseEnvironment = {
      [LETHE_ENV.stateTableName]: this.stateTable.tableName,
      [LETHE_ENV.workQueueUrl]: this.workQueue.queueUrl,
      [LETHE_ENV.eventBusName]: this.eventBus.eventBusName,
      [LETHE_ENV.shards]: String(config.shards),
      [LETHE_ENV.pageSize]: String(config.pageSize),
      [LETHE_ENV.prefixPagesPerUnit]: String(config.prefixPagesPerUnit),
      [LETHE_ENV.inlineUnitsPerMessage]: String(config.inlineUnitsPerMessage),
      [LETHE_ENV.rowsInSettleMax]: String(config.rowsInSettleMax),
      [LETHE_ENV.holdsMaxAgeMs]: String(config.holdsMaxAgeMs),
      [LETHE_ENV.maxReceiveCount]: String(config.maxReceiveCount),
      [LETHE_ENV.visibilityTimeoutSeconds]: String(config.visibilityTimeoutSeconds),
      [LETHE_ENV.tombstoneRetentionDays]: String(config.tombstoneRetentionDays),
      [LETHE_ENV.restoreWindowDays]: String(config.restoreWindowDays),
      [LETHE_ENV.verifyAfterMinutes]: String(config.verifyAfterMinutes),
      [LETHE_ENV.verifyRequestsPerSecond]: String(config.verifyRequestsPerSecond),
      [LETHE_ENV.defaultDeadlineDays]: String(config.defaultDeadlineDays),
      [LETHE_ENV.graphFingerprint]: graphFingerprint(config.graph),
      POWERTOOLS_SERVICE_NAME: this.serviceName,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      NODE_OPTIONS: '--enable-source-maps',
    };

    this.ingestFunction = this.createFunction('ingest', 'Ingest', {
      description: 'lethe ingest: EntityDeleted events and root-table REMOVE records',
      timeout: config.workerTimeout,
      environment: {
        [LETHE_ENV.streamEntities]: config.rootStreams.join(','),
        [LETHE_ENV.ttlRemovals]: config.ttlRemovalsStartDeletions ? 'start' : 'ignore',
      },
      deadLetterQueue: this.eventDeadLetterQueue,
      retryAttempts: 2,
    });
    this.receiptKey = createReceiptKey(this);
    const signs = { [LETHE_ENV.receiptKeyId]: this.receiptKey.keyArn };
    this.workerFunction = this.createFunction('worker', 'Worker', {
      description: 'lethe worker: one unit of deletion work per work-queue record',
      timeout: config.workerTimeout,
      environment: {
        ...signs,
        // Only the worker stores receipt leaves (when it pins and settles units).
        [LETHE_ENV.receiptLeavesBucketName]: this.receiptLeavesBucket.bucketName,
        // Only the worker logs rows before erasing them, so only it may spill a large page.
        ...(this.restoreBucket
          ? { [LETHE_ENV.restoreBucketName]: this.restoreBucket.bucketName }
          : {}),
      },
    });
    this.sweeperFunction = shipsHandler('sweeper')
      ? this.createFunction('sweeper', 'Sweeper', {
          description: 'lethe sweeper: watermarks, stalled units, intents, retention, tombstone GC',
          timeout: config.sweeperTimeout,
          // A failed sweep is not retried: the next scheduled one starts from the watermarks.
          retryAttempts: 0,
          environment: signs,
        })
      : undefined;
    // Root tables' INSERT/MODIFY too: a tombstoned root id can be written again.
    const consumed = [...new Set([...config.rootStreams, ...config.childStreams])];
    this.streamConsumerFunction =
      consumed.length === 0 || !shipsHandler('stream-consumer')
        ? undefined
        : this.createFunction('stream-consumer', 'StreamConsumer', {
            description: 'lethe stream consumer: rows written while a tombstone refuses them',
            timeout: config.workerTimeout,
            environment: { [LETHE_ENV.streamEntities]: consumed.join(',') },
          });

    const allFunctions = this.functions();
    for (const fn of allFunctions) {
      this.grantStateTable(fn);
      this.workQueue.grantSendMessages(fn);
    }
    this.eventBus.grantPutEventsTo(this.workerFunction);
    this.grantGraphData(this.workerFunction);
    this.grantObjects(this.workerFunction, props.buckets ?? {});
    applyVersionedBucketRules(this, config.graph, props.buckets ?? {}, config.restoreWindowDays);
    if (this.restoreBucket) grantRestoreLogWrites(this.restoreBucket, this.workerFunction);
    grantLeavesWrites(this.receiptLeavesBucket, this.workerFunction);
    // Whoever writes receipts reads the leaves back (the same functions that sign).
    for (const fn of [this.workerFunction, this.sweeperFunction]) {
      if (fn) grantLeavesReads(this.receiptLeavesBucket, fn);
    }
    grantReceiptSigning(
      this.receiptKey,
      [this.workerFunction, this.sweeperFunction].flatMap((fn) => (fn?.role ? [fn.role] : [])),
    );
    if (this.sweeperFunction) {
      this.eventBus.grantPutEventsTo(this.sweeperFunction);
      this.grantRetentionQueries(this.sweeperFunction);
      // Re-discovery reads what the worker erases, and writes nothing of it.
      if (config.verifyAfterMinutes > 0) {
        this.grantGraphReads(this.sweeperFunction);
        this.grantObjects(this.sweeperFunction, props.buckets ?? {}, { delete: false });
      }
    }

    this.workerEventSource = new sources.SqsEventSource(this.workQueue, {
      batchSize: config.workerBatchSize,
      maxConcurrency: config.workerMaxConcurrency,
      reportBatchItemFailures: true,
      ...(config.maxBatchingWindow ? { maxBatchingWindow: config.maxBatchingWindow } : {}),
    });
    this.workerFunction.addEventSource(this.workerEventSource);
    this.workerEventSourceMappingId = this.workerEventSource.eventSourceMappingId;
    this.addStreamSources(this.ingestFunction, config.rootStreams, ['REMOVE']);
    if (this.streamConsumerFunction) {
      this.addStreamSources(this.streamConsumerFunction, consumed, ['INSERT', 'MODIFY']);
    }

    this.rule = new events.Rule(this, 'EntityDeletedRule', {
      description: 'EntityDeleted events start lethe deletions',
      eventBus: this.eventBus,
      eventPattern: {
        detailType: ['EntityDeleted'],
        ...(props.eventSources ? { source: [...props.eventSources] } : {}),
      },
      targets: [
        new targets.LambdaFunction(this.ingestFunction, {
          deadLetterQueue: this.eventDeadLetterQueue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });
    this.schedule =
      this.sweeperFunction &&
      new events.Rule(this, 'SweepSchedule', {
        description: 'Runs the lethe sweeper',
        schedule: config.sweepSchedule,
        targets: [new targets.LambdaFunction(this.sweeperFunction, { retryAttempts: 0 })],
      });

    this.alarms = this.createAlarms();
    for (const action of props.alarmActions ?? []) {
      for (const alarm of this.alarms.all) alarm.addAlarmAction(action);
    }
    this.dashboard = this.createDashboard();
    this.createOutputs();
  }

  /**
   * Lets an operator's role run `lethe pause` / `lethe resume` / `lethe status` with
   * `--worker-mapping`: read and update the worker's event source mapping, describe, disable
   * and enable the sweeper's schedule, and read and write the pause flag (the state table's
   * `CONTROL` items only). `--worker-function` would need `lambda:ListEventSourceMappings`
   * as well, which takes no resource: not granted here.
   */
  public grantPauseResume(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['lambda:GetEventSourceMapping', 'lambda:UpdateEventSourceMapping'],
      resourceArns: [this.workerEventSource.eventSourceMappingArn],
    });
    if (this.schedule) {
      grant.combine(
        iam.Grant.addToPrincipal({
          grantee,
          actions: ['events:DescribeRule', 'events:DisableRule', 'events:EnableRule'],
          resourceArns: [this.schedule.ruleArn],
        }),
      );
    }
    grant.combine(
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        resourceArns: [this.stateTable.tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['CONTROL'] } },
      }),
    );
    if (this.stateTable.encryptionKey) {
      grant.combine(this.stateTable.encryptionKey.grantEncryptDecrypt(grantee));
    }
    return grant;
  }

  /**
   * Lets an operator's role read the restore log pages spilled to the restore bucket, which
   * `lethe restore` needs besides the state table. Undefined when there is no restore bucket.
   */
  public grantRestoreReads(grantee: iam.IGrantable): iam.Grant | undefined {
    return this.restoreBucket && grantRestoreLogReads(this.restoreBucket, grantee);
  }

  /**
   * Lets an operator's role read receipt leaves kept in the receipt leaves bucket, which
   * `lethe prove` needs besides the state table.
   */
  public grantReceiptReads(grantee: iam.IGrantable): iam.Grant {
    return grantLeavesReads(this.receiptLeavesBucket, grantee);
  }

  /** What the `lethe` CLI needs to reach this pipeline, as stack outputs. */
  private createOutputs(): void {
    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    output('StateTableName', this.stateTable.tableName, 'lethe --state-table');
    output('WorkQueueUrl', this.workQueue.queueUrl, 'lethe --work-queue-url');
    output('DeadLetterQueueUrl', this.deadLetterQueue.queueUrl, 'lethe --dlq-url');
    output('WorkerFunctionName', this.workerFunction.functionName, 'lethe --worker-function');
    output('ReceiptKeyId', this.receiptKey.keyId, 'lethe receipt public-key --key-id');
    if (this.restoreBucket) {
      output(
        'RestoreBucketName',
        this.restoreBucket.bucketName,
        'restore-log pages too large for a state item (read by lethe restore)',
      );
    }
    output(
      'ReceiptLeavesBucketName',
      this.receiptLeavesBucket.bucketName,
      'receipt leaves of large units (read by lethe prove and the receipt writers)',
    );
    output(
      'WorkerEventSourceMappingId',
      this.workerEventSourceMappingId,
      'lethe --worker-mapping (pause/resume)',
    );
    if (this.schedule) {
      output('SweeperRuleName', this.schedule.ruleName, 'lethe --sweeper-rule (pause/resume)');
    }
    output(
      'CliFlags',
      Fn.join(' ', [
        '--region',
        Stack.of(this).region,
        '--state-table',
        this.stateTable.tableName,
        '--work-queue-url',
        this.workQueue.queueUrl,
        '--dlq-url',
        this.deadLetterQueue.queueUrl,
        '--worker-mapping',
        this.workerEventSourceMappingId,
        ...(this.schedule ? ['--sweeper-rule', this.schedule.ruleName] : []),
      ]),
      'every flag `lethe` needs for this pipeline: npx lethe <flags> status',
    );
  }

  /** Every function of the pipeline. */
  public functions(): nodejs.NodejsFunction[] {
    return [
      this.ingestFunction,
      this.workerFunction,
      this.sweeperFunction,
      this.streamConsumerFunction,
    ].filter((fn): fn is nodejs.NodejsFunction => fn !== undefined);
  }

  private createFunction(
    kind: HandlerKind,
    id: string,
    options: {
      readonly description: string;
      readonly timeout: Duration;
      readonly environment?: Record<string, string>;
      readonly deadLetterQueue?: sqs.IQueue;
      readonly retryAttempts?: number;
    },
  ): nodejs.NodejsFunction {
    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      retention: PIPELINE_DEFAULTS.logRetention,
    });
    // An own role per function, without AWS managed policies: each gets exactly its grants.
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: options.description,
    });
    logGroup.grantWrite(role);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only actions without resource-level permissions use "*": X-Ray PutTraceSegments and PutTelemetryRecords, and DynamoDB ListStreams for stream event sources. Every data action names its resources.',
    });
    const defaults = functionDefaults();
    return new nodejs.NodejsFunction(this, id, {
      ...defaults,
      entry: writeHandlerEntry({
        kind,
        graphModule: this.config.graphModule,
        graphExport: this.config.graphExport,
        projectRoot: this.bundling.projectRoot,
      }),
      projectRoot: this.bundling.projectRoot,
      depsLockFilePath: this.bundling.depsLockFilePath,
      handler: 'handler',
      description: options.description,
      role,
      logGroup,
      memorySize: this.config.memorySize,
      timeout: options.timeout,
      environment: { ...this.baseEnvironment, ...options.environment },
      ...(options.deadLetterQueue ? { deadLetterQueue: options.deadLetterQueue } : {}),
      ...(options.retryAttempts === undefined ? {} : { retryAttempts: options.retryAttempts }),
    });
  }

  private grantStateTable(fn: lambda.IFunction): void {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'LetheStateTable',
        actions: STATE_TABLE_ACTIONS,
        resources: [
          this.stateTable.tableArn,
          `${this.stateTable.tableArn}/index/${stateIndex.name}`,
        ],
      }),
    );
    this.stateTable.encryptionKey?.grantEncryptDecrypt(fn);
  }

  private tableArn(tableName: string): string {
    return Stack.of(this).formatArn({
      service: 'dynamodb',
      resource: 'table',
      resourceName: tableName,
    });
  }

  private grantGraphData(fn: lambda.IFunction): void {
    const { tables, updateTables } = this.access;
    const tableArns = tables.map((table) => this.tableArn(table.tableName));
    const indexArns = tables.flatMap((table) =>
      table.indexes.map((index) => `${this.tableArn(table.tableName)}/index/${index}`),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'GraphTablesQuery',
        actions: ['dynamodb:Query'],
        resources: [...tableArns, ...indexArns],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'GraphTablesReadDelete',
        // BatchGetItem: a unit re-reads its pinned rows (rows-still-there, the restore log).
        actions: [
          'dynamodb:GetItem',
          'dynamodb:BatchGetItem',
          'dynamodb:DeleteItem',
          'dynamodb:BatchWriteItem',
        ],
        resources: tableArns,
      }),
    );
    const setNullArns = tables
      .filter((table) => updateTables.includes(table.tableKey))
      .map((table) => this.tableArn(table.tableName));
    if (setNullArns.length > 0) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'GraphTablesSetNull',
          actions: ['dynamodb:UpdateItem'],
          resources: setNullArns,
        }),
      );
    }
    for (const table of tables) {
      this.config.tables[table.tableKey]?.encryptionKey?.grantEncryptDecrypt(fn);
    }
  }

  /** Query, GetItem and BatchGetItem on the graph's tables and indexes: reads only. */
  private grantGraphReads(fn: lambda.IFunction): void {
    const { tables } = this.access;
    const tableArns = tables.map((table) => this.tableArn(table.tableName));
    const indexArns = tables.flatMap((table) =>
      table.indexes.map((index) => `${this.tableArn(table.tableName)}/index/${index}`),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'GraphTablesVerifyRead',
        actions: ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:BatchGetItem'],
        resources: [...tableArns, ...indexArns],
      }),
    );
    for (const table of tables) {
      this.config.tables[table.tableKey]?.encryptionKey?.grantDecrypt(fn);
    }
  }

  private grantRetentionQueries(fn: lambda.IFunction): void {
    const resources = Object.entries(this.access.retentionIndexes).flatMap(
      ([tableKey, indexes]) => {
        const table = this.config.graph.tables[tableKey];
        return table === undefined
          ? []
          : indexes.map((index) => `${this.tableArn(table.name)}/index/${index}`);
      },
    );
    if (resources.length === 0) return;
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'RetentionIndexesQuery',
        actions: ['dynamodb:Query'],
        resources,
      }),
    );
    for (const tableKey of Object.keys(this.access.retentionIndexes)) {
      this.config.tables[tableKey]?.encryptionKey?.grantDecrypt(fn);
    }
  }

  private grantObjects(
    fn: lambda.IFunction,
    buckets: Readonly<Record<string, s3.IBucket>>,
    options: { readonly delete?: boolean } = {},
  ): void {
    const { readAreas, listAreas, readBuckets } = this.access;
    const deleteAreas = options.delete === false ? [] : this.access.deleteAreas;
    const bucketArn = (bucket: string) => `arn:${Aws.PARTITION}:s3:::${bucket}`;
    const objectsArn = (area: ObjectArea) => `${bucketArn(area.bucket)}/${area.prefix}*`;
    const acknowledgeWildcards = (areas: readonly ObjectArea[], what: string) => {
      for (const area of areas) {
        Validations.of(fn.role ?? fn).acknowledge({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${area.bucket}/${area.prefix}*]`,
          reason: `${what} is limited to the key prefix "${area.prefix}" the deletion graph declares in bucket ${area.bucket}; an object ARN can only express a prefix with a trailing wildcard.`,
        });
      }
    };
    if (deleteAreas.length > 0) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'DeclaredObjectsDelete',
          actions: ['s3:DeleteObject'],
          resources: deleteAreas.map(objectsArn),
        }),
      );
      acknowledgeWildcards(deleteAreas, 's3:DeleteObject');
    }
    if (readAreas.length > 0) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'ManifestsAndArchivesRead',
          actions: ['s3:GetObject'],
          resources: readAreas.map(objectsArn),
        }),
      );
      acknowledgeWildcards(
        readAreas.filter(
          (area) => !deleteAreas.some((d) => d.bucket === area.bucket && d.prefix === area.prefix),
        ),
        's3:GetObject',
      );
    }
    if (readBuckets.length > 0) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'ReadBucketsList',
          actions: ['s3:ListBucket'],
          resources: readBuckets.flatMap((key) => {
            const bucket = this.config.graph.buckets[key];
            return bucket === undefined ? [] : [bucketArn(bucket.name)];
          }),
        }),
      );
    }
    const listOnly = listAreas.filter((area) => !readBuckets.includes(area.bucketKey));
    for (const bucket of [...new Set(listOnly.map((area) => area.bucket))]) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [bucketArn(bucket)],
          conditions: {
            StringLike: {
              's3:prefix': listOnly
                .filter((area) => area.bucket === bucket)
                .map((area) => `${area.prefix}*`),
            },
          },
        }),
      );
    }
    const touched = new Set([...deleteAreas, ...readAreas].map((area) => area.bucketKey));
    for (const key of readBuckets) buckets[key]?.encryptionKey?.grantDecrypt(fn);
    for (const key of touched) buckets[key]?.encryptionKey?.grantDecrypt(fn);
  }

  private addStreamSources(
    fn: lambda.IFunction,
    entities: readonly string[],
    eventNames: readonly string[],
  ): void {
    const tableKeys = new Set(
      entities.flatMap((name) => this.config.graph.entities[name]?.table ?? []),
    );
    for (const tableKey of tableKeys) {
      const table = this.config.tables[tableKey];
      if (table === undefined) continue; // validated: every stream entity's table is given
      fn.addEventSource(
        new sources.DynamoEventSource(table, {
          startingPosition: lambda.StartingPosition.TRIM_HORIZON,
          batchSize: PIPELINE_DEFAULTS.streamBatchSize,
          bisectBatchOnError: true,
          retryAttempts: 10,
          reportBatchItemFailures: true,
          onFailure: new sources.SqsDlq(this.eventDeadLetterQueue),
          filters: [
            lambda.FilterCriteria.filter({
              eventName: lambda.FilterRule.or(...eventNames),
            }),
          ],
        }),
      );
    }
  }

  private createAlarms(): PipelineAlarms {
    const thresholds = this.config.alarmThresholds;
    const dlqAlarm = (id: string, queue: sqs.Queue, description: string) =>
      queue
        .metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: cloudwatch.Stats.MAXIMUM,
        })
        .createAlarm(this, id, {
          alarmDescription: description,
          threshold: thresholds.dlqMessages,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
    const deadLetterQueue = dlqAlarm(
      'DeadLetterQueueAlarm',
      this.deadLetterQueue,
      'lethe work units exhausted their retries; inspect with `lethe dlq list`, fix, then `lethe dlq redrive`',
    );
    const eventDeadLetterQueue = dlqAlarm(
      'EventDeadLetterQueueAlarm',
      this.eventDeadLetterQueue,
      'deletion requests (EntityDeleted events or stream records) could not be taken in',
    );
    const oldestPendingTombstone = this.oldestPendingTombstoneMetric().createAlarm(
      this,
      'OldestPendingTombstoneAlarm',
      {
        alarmDescription: `a deletion has waited longer than the ${thresholds.oldestPendingTombstoneAgeSeconds} s SLA`,
        threshold: thresholds.oldestPendingTombstoneAgeSeconds,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        // No data means no sweep ran; the sweeper's own error alarm reports that.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
    );
    const verificationFindings = this.letheMetric(
      METRIC.verificationFindings,
      cloudwatch.Stats.SUM,
    ).createAlarm(this, 'VerificationFindingsAlarm', {
      alarmDescription:
        'a verified job left something it should have erased; `lethe status <jobId>` lists where (job.verification)',
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const deadlineAtRisk = this.deadlinesAtRiskMetric().createAlarm(this, 'DeadlineAtRiskAlarm', {
      alarmDescription:
        'a deletion passed 80% of its deadline unfinished; its DeletionDeadlineAtRisk event (and `lethe status <jobId>`) names the hold or guard keeping it — see the runbook "a deadline is at risk"',
      threshold: thresholds.deadlinesAtRisk,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const functionErrors: Partial<Record<HandlerKind, cloudwatch.Alarm>> = {};
    const kinds: [HandlerKind, nodejs.NodejsFunction | undefined][] = [
      ['ingest', this.ingestFunction],
      ['worker', this.workerFunction],
      ['sweeper', this.sweeperFunction],
      ['stream-consumer', this.streamConsumerFunction],
    ];
    for (const [kind, fn] of kinds) {
      if (fn === undefined) continue;
      functionErrors[kind] = fn
        .metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM })
        .createAlarm(this, `${fn.node.id}ErrorsAlarm`, {
          alarmDescription: `the lethe ${kind} function reports errors`,
          threshold: thresholds.functionErrors,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
    }
    return {
      deadLetterQueue,
      eventDeadLetterQueue,
      oldestPendingTombstone,
      verificationFindings,
      deadlineAtRisk,
      functionErrors,
      all: [
        deadLetterQueue,
        eventDeadLetterQueue,
        oldestPendingTombstone,
        verificationFindings,
        deadlineAtRisk,
        ...Object.values(functionErrors),
      ],
    };
  }

  private letheMetric(metricName: string, statistic: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { service: this.serviceName },
      statistic,
      period: Duration.minutes(5),
    });
  }

  /** Jobs the sweeper found past 80% of their deadline (each counted once), summed over 5 minutes. */
  public deadlinesAtRiskMetric(): cloudwatch.Metric {
    return this.letheMetric(METRIC.deadlinesAtRisk, cloudwatch.Stats.SUM);
  }

  /** The age of the oldest tombstone not yet fully dispatched, as the sweeper measures it. */
  public oldestPendingTombstoneMetric(): cloudwatch.Metric {
    return this.letheMetric(METRIC.oldestPendingTombstoneAgeSeconds, cloudwatch.Stats.MAXIMUM);
  }

  private createDashboard(): cloudwatch.Dashboard {
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
    });
    const sum = cloudwatch.Stats.SUM;
    dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'lethe alarms',
        alarms: [...this.alarms.all],
        width: 24,
        height: 3,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Units of work',
        left: [
          this.letheMetric(METRIC.unitsDone, sum),
          this.letheMetric(METRIC.unitsFailed, sum),
          this.letheMetric(METRIC.recordsRetried, sum),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Work queue',
        left: [
          this.workQueue.metricApproximateNumberOfMessagesVisible(),
          this.workQueue.metricApproximateNumberOfMessagesNotVisible(),
        ],
        right: [this.workQueue.metricApproximateAgeOfOldestMessage()],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Dead-letter queues',
        left: [
          this.deadLetterQueue.metricApproximateNumberOfMessagesVisible(),
          this.eventDeadLetterQueue.metricApproximateNumberOfMessagesVisible(),
        ],
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Oldest pending tombstone (s)',
        left: [this.oldestPendingTombstoneMetric()],
        leftAnnotations: [
          {
            value: this.config.alarmThresholds.oldestPendingTombstoneAgeSeconds,
            label: 'SLA',
          },
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Deletion requests',
        left: [
          this.letheMetric(METRIC.deletionsRequested, sum),
          this.letheMetric(METRIC.deletionsAlreadyRequested, sum),
          this.letheMetric(METRIC.requestsRejected, sum),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Function errors',
        left: this.functions().map((fn) => fn.metricErrors({ label: fn.node.id, statistic: sum })),
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Duration p99 (ms)',
        left: this.functions().map((fn) =>
          fn.metricDuration({ label: fn.node.id, statistic: cloudwatch.Stats.p(99) }),
        ),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Throttles',
        left: this.functions().map((fn) =>
          fn.metricThrottles({ label: fn.node.id, statistic: sum }),
        ),
        width: 12,
      }),
    );
    return dashboard;
  }
}
