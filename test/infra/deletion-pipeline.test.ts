import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { graph } from '../../infra/example-graph-module.js';
import type { LetheExampleStack } from '../../infra/example-stack.js';
import { shipsHandler } from '../../infra/handler-entry.js';
import { declaredAreas } from '../../lib/engine/declared-objects.js';
import { graphFingerprint } from '../../lib/graph/graph-fingerprint.js';
import {
  flatten,
  logicalId,
  type PolicyStatement,
  policyStatements,
  statementsOf,
  synthExample,
} from './support/synth-example.js';

const MB = 1024 * 1024;
/** Bundling the functions takes seconds, more on a busy machine. */
const SYNTH_TIMEOUT_MS = 180_000;
// The sweeper and stream consumer ship with the engine's sweep(); their checks run from then.
const SWEEPER = shipsHandler('sweeper');
const STREAM_CONSUMER = shipsHandler('stream-consumer');
const PARTITION = '<AWS::Partition>';
const TABLE_ARN = (name: string) =>
  `arn:${PARTITION}:dynamodb:eu-west-1:123456789012:table/${name}`;

describe('Class: DeletionPipeline (example stack)', () => {
  let template: Template;
  let outdir: string;
  let stack: LetheExampleStack;
  const fn = { ingest: '', worker: '', sweeper: '', streamConsumer: '' };
  /** Logical ids of the functions the stack has. */
  const present = () => Object.values(fn).filter((id) => id !== '');

  beforeAll(() => {
    // One synth with real bundling for the whole file: the bundles are inspected below.
    ({ template, outdir, stack } = synthExample({ bundle: true }));
    fn.ingest = logicalId(template, 'AWS::Lambda::Function', 'DeletionsIngest');
    fn.worker = logicalId(template, 'AWS::Lambda::Function', 'DeletionsWorker');
    if (SWEEPER) fn.sweeper = logicalId(template, 'AWS::Lambda::Function', 'DeletionsSweeper');
    if (STREAM_CONSUMER) {
      fn.streamConsumer = logicalId(template, 'AWS::Lambda::Function', 'DeletionsStreamConsumer');
    }
  }, SYNTH_TIMEOUT_MS);

  const allowing = (statements: PolicyStatement[], action: string) =>
    statements.filter((s) => s.effect === 'Allow' && s.actions.includes(action));

  describe('state table', () => {
    it('has pk/sk, gsi1, the expiresAt TTL, a stream of both images, PITR and encryption', () => {
      // Assess
      template.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        Properties: Match.objectLike({
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          GlobalSecondaryIndexes: [
            Match.objectLike({
              IndexName: 'gsi1',
              KeySchema: [
                { AttributeName: 'gsi1pk', KeyType: 'HASH' },
                { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
              ],
            }),
          ],
          BillingMode: 'PAY_PER_REQUEST',
          TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
          StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          SSESpecification: { SSEEnabled: true },
        }),
      });
    });
  });

  describe('queues', () => {
    it('encrypts every queue and denies every request without TLS', () => {
      // Prepare
      const queues = Object.keys(template.findResources('AWS::SQS::Queue'));

      // Assess
      expect(queues).toHaveLength(3);
      for (const queue of queues) {
        expect(template.toJSON().Resources[queue].Properties.SqsManagedSseEnabled).toBe(true);
        template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: queue }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Effect: 'Deny',
                Action: 'sqs:*',
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
                Resource: { 'Fn::GetAtt': [queue, 'Arn'] },
              }),
            ]),
          },
        });
      }
    });

    it('redrives work to the DLQ after 5 receives, invisible for 6 × the worker timeout', () => {
      // Prepare
      const dlq = logicalId(template, 'AWS::SQS::Queue', 'DeletionsDeadLetterQueue');
      const worker = template.toJSON().Resources[fn.worker].Properties;

      // Assess
      template.hasResourceProperties('AWS::SQS::Queue', {
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 5 },
        VisibilityTimeout: 6 * worker.Timeout,
      });
    });
  });

  describe('functions', () => {
    it('runs its functions on nodejs24.x, arm64, with tracing and the pipeline environment', () => {
      // Prepare
      const functions = template.findResources('AWS::Lambda::Function');

      // Assess
      expect(Object.keys(functions).sort()).toEqual(present().sort());
      for (const id of present()) {
        expect(functions[id]?.Properties).toMatchObject({
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          Handler: 'index.handler',
          TracingConfig: { Mode: 'Active' },
          Environment: {
            Variables: {
              LETHE_STATE_TABLE: { Ref: expect.stringMatching(/^DeletionsStateTable/) },
              LETHE_WORK_QUEUE_URL: { Ref: expect.stringMatching(/^DeletionsWorkQueue/) },
              LETHE_GRAPH_FINGERPRINT: graphFingerprint(graph),
              LETHE_PAGE_SIZE: '500',
              LETHE_PREFIX_PAGES_PER_UNIT: '10',
              LETHE_INLINE_UNITS_PER_MESSAGE: '8',
              POWERTOOLS_SERVICE_NAME: 'LetheExampleStack-Deletions',
              POWERTOOLS_METRICS_NAMESPACE: 'Lethe',
            },
          },
        });
      }
    });

    it('keeps every bundle under 1 MB, with a source map that carries no sources', () => {
      // Prepare
      const functions = template.findResources('AWS::Lambda::Function');

      // Act
      const sizes = Object.entries(functions).map(([id, resource]) => {
        const key = String(resource.Properties.Code.S3Key);
        const directory = path.join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
        const code = statSync(path.join(directory, 'index.mjs')).size;
        const map = JSON.parse(readFileSync(path.join(directory, 'index.mjs.map'), 'utf8'));
        return { id, code, sourcesContent: map.sourcesContent };
      });

      // Assess
      expect(sizes).toHaveLength(present().length);
      for (const size of sizes) {
        expect(size.code, size.id).toBeLessThan(1 * MB);
        expect(size.sourcesContent, size.id).toBeUndefined();
      }
    });

    it('bundles the graph module and the handler factory into each function', () => {
      // Prepare
      const functions = template.findResources('AWS::Lambda::Function');

      // Act
      const bundles = Object.values(functions).map((resource) => {
        const key = String(resource.Properties.Code.S3Key).replace(/\.zip$/, '');
        return readFileSync(path.join(outdir, `asset.${key}`, 'index.mjs'), 'utf8');
      });

      // Assess: the example graph (its names, its index) is in every bundle; the SDK is in none
      for (const bundle of bundles) {
        expect(bundle.includes('lethe-example')).toBe(true);
        expect(bundle.includes('byRetention')).toBe(true);
        expect(/from\s*"@aws-sdk\/client-dynamodb"/.test(bundle)).toBe(true);
        expect(bundle.includes('DynamoDBClient extends')).toBe(false);
      }
    });
  });

  describe('triggers', () => {
    it('routes EntityDeleted events to ingest, with a dead-letter queue for failed deliveries', () => {
      // Prepare
      const eventDlq = logicalId(template, 'AWS::SQS::Queue', 'DeletionsEventDeadLetterQueue');

      // Assess
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: 'default',
        EventPattern: { 'detail-type': ['EntityDeleted'] },
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [fn.ingest, 'Arn'] },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [eventDlq, 'Arn'] } },
          }),
        ],
      });
    });

    it.runIf(SWEEPER)('runs the sweeper every 5 minutes', () => {
      // Assess
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(5 minutes)',
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fn.sweeper, 'Arn'] } })],
      });
    });

    it('feeds the work queue to the worker with partial batch responses', () => {
      // Prepare
      const queue = logicalId(template, 'AWS::SQS::Queue', 'DeletionsWorkQueue');

      // Assess
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [queue, 'Arn'] },
        FunctionName: { Ref: fn.worker },
        BatchSize: 10,
        ScalingConfig: { MaximumConcurrency: 10 },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    });

    it('feeds REMOVE records of the root table to ingest', () => {
      // Prepare
      const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'));
      const streams = mappings.filter((m) => m.Properties.StartingPosition !== undefined);
      const patternOf = (m: (typeof mappings)[number]) =>
        JSON.parse(m.Properties.FilterCriteria.Filters[0].Pattern);

      // Act
      const toIngest = streams.filter((m) => m.Properties.FunctionName.Ref === fn.ingest);

      // Assess
      expect(toIngest).toHaveLength(1);
      expect(toIngest[0]?.Properties.EventSourceArn['Fn::GetAtt'][0]).toMatch(
        /^Tableorganizations/,
      );
      expect(toIngest.map(patternOf)).toEqual([{ eventName: ['REMOVE'] }]);
      for (const mapping of streams) {
        expect(mapping.Properties).toMatchObject({
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          BisectBatchOnFunctionError: true,
          DestinationConfig: { OnFailure: { Destination: expect.anything() } },
        });
      }
    });
  });

  describe.runIf(STREAM_CONSUMER)('stream consumer', () => {
    it('receives INSERT and MODIFY records of every child table and of the root table', () => {
      // Prepare
      const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'));

      // Act
      const toConsumer = mappings.filter(
        (m) => m.Properties.FunctionName.Ref === fn.streamConsumer,
      );

      // Assess
      expect(toConsumer).toHaveLength(6);
      for (const mapping of toConsumer) {
        expect(JSON.parse(mapping.Properties.FilterCriteria.Filters[0].Pattern)).toEqual({
          eventName: ['INSERT', 'MODIFY'],
        });
        expect(mapping.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
      }
    });
  });

  describe('pause switch', () => {
    const workerMapping = () =>
      Object.entries(template.findResources('AWS::Lambda::EventSourceMapping')).filter(
        ([, m]) => m.Properties.FunctionName.Ref === fn.worker,
      );

    it('exposes the worker’s event source mapping and the sweeper’s schedule', () => {
      // Prepare
      const [mapping, ...others] = workerMapping();
      const pipeline = stack.pipeline;

      // Assess
      expect(others).toEqual([]);
      expect(stack.resolve(pipeline.workerEventSourceMappingId)).toEqual({ Ref: mapping?.[0] });
      expect(stack.resolve(pipeline.workerEventSource.eventSourceMappingId)).toEqual({
        Ref: mapping?.[0],
      });
      if (SWEEPER) {
        expect(pipeline.schedule).toBeDefined();
        expect(Object.keys(template.findResources('AWS::Events::Rule'))).toContain(
          stack.resolve(pipeline.schedule?.ruleName).Ref,
        );
      }
    });

    it('outputs every name the lethe CLI needs, and the flags in one line', () => {
      // Prepare
      const outputs = template.findOutputs('*');
      const byName = (prefix: string) => {
        const found = Object.entries(outputs).filter(([id]) => id.startsWith(`Deletions${prefix}`));
        expect(found, prefix).toHaveLength(1);
        return found[0]?.[1] as { Value: unknown; Description: string };
      };
      const mappingId = workerMapping()[0]?.[0];
      const table = logicalId(template, 'AWS::DynamoDB::Table', 'DeletionsStateTable');
      const queue = logicalId(template, 'AWS::SQS::Queue', 'DeletionsWorkQueue');
      const dlq = logicalId(template, 'AWS::SQS::Queue', 'DeletionsDeadLetterQueue');
      const schedule = SWEEPER
        ? logicalId(template, 'AWS::Events::Rule', 'DeletionsSweepSchedule')
        : undefined;

      // Assess
      expect(byName('StateTableName').Value).toEqual({ Ref: table });
      expect(byName('WorkQueueUrl').Value).toEqual({ Ref: queue });
      expect(byName('DeadLetterQueueUrl').Value).toEqual({ Ref: dlq });
      expect(byName('WorkerFunctionName').Value).toEqual({ Ref: fn.worker });
      expect(byName('WorkerEventSourceMappingId')).toMatchObject({
        Value: { Ref: mappingId },
        Description: expect.stringContaining('--worker-mapping'),
      });
      if (schedule) expect(byName('SweeperRuleName').Value).toEqual({ Ref: schedule });
      expect(flatten(byName('CliFlags').Value)).toBe(
        [
          '--region eu-west-1',
          `--state-table <${table}>`,
          `--work-queue-url <${queue}>`,
          `--dlq-url <${dlq}>`,
          `--worker-mapping <${mappingId}>`,
          ...(schedule ? [`--sweeper-rule <${schedule}>`] : []),
        ].join(' '),
      );
    });
  });

  describe('alarms and dashboard', () => {
    it('alarms on both dead-letter queues, the tombstone SLA, deadlines at risk and each function', () => {
      // Prepare
      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
        (a) => a.Properties,
      );

      // Assess
      expect(
        alarms.filter((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible'),
      ).toHaveLength(2);
      expect(alarms).toContainEqual(
        expect.objectContaining({
          Namespace: 'Lethe',
          MetricName: 'OldestPendingTombstoneAgeSeconds',
          Dimensions: [{ Name: 'service', Value: 'LetheExampleStack-Deletions' }],
          Threshold: 3600,
          ComparisonOperator: 'GreaterThanThreshold',
        }),
      );
      expect(alarms).toContainEqual(
        expect.objectContaining({
          Namespace: 'Lethe',
          MetricName: 'DeadlinesAtRisk',
          Statistic: 'Sum',
          Dimensions: [{ Name: 'service', Value: 'LetheExampleStack-Deletions' }],
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          AlarmDescription: expect.stringContaining('DeletionDeadlineAtRisk'),
        }),
      );
      const errorAlarms = alarms.filter((a) => a.MetricName === 'Errors');
      expect(errorAlarms.map((a) => a.Dimensions[0].Value.Ref).sort()).toEqual(present().sort());
      for (const alarm of alarms) {
        expect(alarm.Threshold).toBeGreaterThan(0);
      }
    });

    it('draws a dashboard', () => {
      // Assess
      template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    });
  });

  describe('permissions', () => {
    it('deletes objects only under the prefixes the graph declares', () => {
      // Prepare
      const declared = Object.values(graph.entities)
        .flatMap((entity) => declaredAreas(graph, entity))
        .map((area) => `arn:${PARTITION}:s3:::${area.bucket}/${area.prefix}*`);
      const deleting = policyStatements(template).filter(
        (s) =>
          s.effect === 'Allow' &&
          s.actions.some((a) => a === '*' || a === 's3:*' || a.startsWith('s3:Delete')),
      );

      // Act
      const resources = deleting.flatMap((s) => s.resources);

      // Assess
      expect(resources.length).toBeGreaterThan(0);
      for (const resource of resources) {
        expect(declared).toContain(resource);
      }
      expect(new Set(deleting.map((s) => s.policy)).size).toBe(1);
    });

    it('lets the worker batch-read the graph tables whose rows it re-reads before erasing', () => {
      // Prepare
      const worker = statementsOf(template, fn.worker);

      // Act
      const batchGets = allowing(worker, 'dynamodb:BatchGetItem').flatMap((s) => s.resources);

      // Assess
      for (const table of Object.values(graph.tables)) {
        expect(JSON.stringify(batchGets)).toContain(`table/${table.name}`);
      }
    });

    it('gives the worker exactly the declared deletes, manifest reads and prefix listings', () => {
      // Prepare
      const worker = statementsOf(template, fn.worker);

      // Assess
      expect(
        allowing(worker, 's3:DeleteObject')
          .flatMap((s) => s.resources)
          .sort(),
      ).toEqual([
        `arn:${PARTITION}:s3:::lethe-example-artifacts/artifacts/*`,
        `arn:${PARTITION}:s3:::lethe-example-artifacts/projects/*`,
        `arn:${PARTITION}:s3:::lethe-example-images/images/*`,
        `arn:${PARTITION}:s3:::lethe-example-snapshots/manifests/*`,
      ]);
      // Graph data only; the worker also reads back lethe's own receipt leaves.
      expect(
        allowing(worker, 's3:GetObject')
          .flatMap((s) => s.resources)
          .filter((r) => !r.includes('/receipt-leaves/')),
      ).toEqual([`arn:${PARTITION}:s3:::lethe-example-snapshots/manifests/*`]);
      const listings = allowing(worker, 's3:ListBucket');
      expect(listings).toContainEqual(
        expect.objectContaining({
          resources: [`arn:${PARTITION}:s3:::lethe-example-artifacts`],
          condition: { StringLike: { 's3:prefix': ['artifacts/*', 'projects/*'] } },
        }),
      );
      // Keys are looked up (listed) before they are counted; images only under images/.
      expect(listings).toContainEqual(
        expect.objectContaining({
          resources: [`arn:${PARTITION}:s3:::lethe-example-images`],
          condition: { StringLike: { 's3:prefix': ['images/*'] } },
        }),
      );
    });

    it('lets the worker query every graph table and index, and update only set-null children', () => {
      // Prepare
      const worker = statementsOf(template, fn.worker);
      const graphQuery = allowing(worker, 'dynamodb:Query').flatMap((s) => s.resources);
      const updates = allowing(worker, 'dynamodb:UpdateItem').flatMap((s) => s.resources);

      // Assess
      for (const table of Object.values(graph.tables)) {
        expect(graphQuery).toContain(TABLE_ARN(table.name));
        for (const index of Object.keys(table.indexes ?? {})) {
          expect(graphQuery).toContain(`${TABLE_ARN(table.name)}/index/${index}`);
        }
      }
      const graphUpdates = updates.filter((r) => r.includes(':table/lethe-example-'));
      expect(graphUpdates).toEqual([TABLE_ARN('lethe-example-alerts')]);
      expect(allowing(worker, 'dynamodb:DeleteItem').flatMap((s) => s.resources)).toEqual(
        expect.arrayContaining(Object.values(graph.tables).map((t) => TABLE_ARN(t.name))),
      );
    });

    it('keeps graph data out of reach of every function but the worker', () => {
      // Prepare
      const others = present()
        .filter((id) => id !== fn.worker)
        .flatMap((id) => statementsOf(template, id));

      // Assess
      // The sweeper writes receipts too, so it reads lethe's own receipt leaves back: no more.
      const onGraphData = (s: (typeof others)[number]) =>
        s.resources.some((r) => !r.includes('/receipt-leaves/'));
      expect(
        others.filter((s) => s.actions.some((a) => a.startsWith('s3:')) && onGraphData(s)),
      ).toEqual([]);
      const graphWrites = others.filter(
        (s) =>
          s.actions.some((a) => /dynamodb:(Delete|Update|Put|BatchWrite)/.test(a)) &&
          s.resources.some((r) => r.includes(':table/lethe-example-')),
      );
      expect(graphWrites).toEqual([]);
    });

    it.runIf(SWEEPER)('lets the sweeper query retention indexes only', () => {
      // Prepare
      const sweeper = statementsOf(template, fn.sweeper);

      // Assess
      expect(
        allowing(sweeper, 'dynamodb:Query')
          .flatMap((s) => s.resources)
          .filter((r) => r.includes(':table/lethe-example-')),
      ).toEqual([`${TABLE_ARN('lethe-example-artifacts')}/index/byRetention`]);
      expect(allowing(sweeper, 'events:PutEvents')).toHaveLength(1);
    });

    it('uses no wildcard action, and "*" resources only for actions without resource-level permissions', () => {
      // Prepare
      const statements = policyStatements(template).filter((s) => s.effect === 'Allow');
      const resourceless = new Set([
        'xray:PutTraceSegments',
        'xray:PutTelemetryRecords',
        'dynamodb:ListStreams',
      ]);

      // Assess
      expect(statements.flatMap((s) => s.actions).filter((a) => a.includes('*'))).toEqual([]);
      for (const statement of statements.filter((s) => s.resources.includes('*'))) {
        for (const action of statement.actions) expect(resourceless).toContain(action);
      }
    });

    it('lets every function read and write the state table, without Scan', () => {
      // Assess
      for (const id of present()) {
        const state = statementsOf(template, id).filter((s) =>
          s.resources.some((r) => r.startsWith('<DeletionsStateTable')),
        );
        expect(state.flatMap((s) => s.actions)).toEqual(
          expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem']),
        );
        expect(state.flatMap((s) => s.actions)).not.toContain('dynamodb:Scan');
      }
    });

    it('signs receipts with an ECC_NIST_P256 key that only the functions completing jobs may use', () => {
      // Prepare
      const signers = [fn.worker, fn.sweeper].filter((id) => id !== '');
      const keys = template.findResources('AWS::KMS::Key', {
        Properties: { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' },
      });
      const keyPolicy = Object.values(keys)[0]?.Properties.KeyPolicy.Statement as {
        Effect: string;
        Action: string;
      }[];

      // Assess
      expect(Object.keys(keys)).toHaveLength(1);
      for (const id of present()) {
        expect(allowing(statementsOf(template, id), 'kms:Sign').length > 0, id).toBe(
          signers.includes(id),
        );
      }
      expect(keyPolicy).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 'kms:Sign' }),
      );
      expect(
        Object.keys(template.findOutputs('*')).some((id) => id.startsWith('DeletionsReceiptKeyId')),
      ).toBe(true);
    });
  });
});
