import { fileURLToPath } from 'node:url';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { exampleGraph } from '../../infra/example-graph.js';
import { graph } from '../../infra/example-graph-module.js';
import { EXAMPLE_GRAPH_MODULE } from '../../infra/example-stack.js';
import { shipsHandler } from '../../infra/handler-entry.js';
import {
  DeletionPipeline,
  type DeletionPipelineProps,
  PipelinePropsError,
} from '../../infra/index.js';
import { graphFingerprint } from '../../lib/graph/graph-fingerprint.js';

function newStack(): Stack {
  // Bundling skipped: these tests look at props and resources, not at code.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
}

function streamTable(stack: Stack, id: string, tableName: string, partitionKey: string) {
  return new dynamodb.Table(stack, id, {
    tableName,
    partitionKey: { name: partitionKey, type: dynamodb.AttributeType.STRING },
    stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
  });
}

function problemsOf(build: () => unknown): readonly string[] {
  try {
    build();
  } catch (error) {
    if (error instanceof PipelinePropsError) return error.problems;
    throw error;
  }
  throw new Error('expected the props to be refused');
}

const base: DeletionPipelineProps = { graph, graphModule: EXAMPLE_GRAPH_MODULE };

describe('Class: DeletionPipeline', () => {
  describe('Props validation', () => {
    it('throws one error listing every problem', () => {
      // Prepare
      const stack = newStack();
      const misnamed = streamTable(stack, 'Orgs', 'someone-elses-table', 'orgId');

      // Act
      const problems = problemsOf(
        () =>
          new DeletionPipeline(stack, 'Deletions', {
            ...base,
            tables: { organizations: misnamed },
            rootStreams: ['organisation'],
            workerBatchSize: 0,
            workerTimeout: Duration.minutes(2),
            visibilityTimeout: Duration.minutes(5),
            memorySize: 64,
            shards: 1000,
          }),
      );

      // Assess
      expect(problems).toEqual([
        'tables.organizations: the table is named "someone-elses-table", but the graph declares "lethe-example-organizations"',
        'rootStreams: unknown entity "organisation" (known: organization, membership, project, artifact, snapshot, alert)',
        'workerBatchSize: 0 is not a whole number from 1 to 10000',
        'visibilityTimeout: 300 s is less than 6 × workerTimeout (720 s); a slow unit would be handled twice at once',
        'memorySize: 64 is not a whole number of MB from 128 to 10240',
        'shards: Too big: expected number to be <=256',
      ]);
    });

    it('names the problem in the message of the error', () => {
      // Act
      const act = () => new DeletionPipeline(newStack(), 'Deletions', { ...base, pageSize: 0 });

      // Assess
      expect(act).toThrow(/invalid DeletionPipeline props:\n {2}- pageSize: /);
    });

    it('refuses prefix units of more pages than a worker should list at once', () => {
      const act = () =>
        new DeletionPipeline(newStack(), 'Deletions', { ...base, prefixPagesPerUnit: 51 });

      expect(act).toThrow(/- prefixPagesPerUnit: Too big/);
    });

    it('passes inlineUnitsPerMessage to the functions, and refuses more than 50', () => {
      // Prepare
      const stack = newStack();

      // Act
      new DeletionPipeline(stack, 'Deletions', { ...base, inlineUnitsPerMessage: 0 });
      const act = () =>
        new DeletionPipeline(newStack(), 'Deletions', { ...base, inlineUnitsPerMessage: 51 });

      // Assess
      Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ LETHE_INLINE_UNITS_PER_MESSAGE: '0' }) },
      });
      expect(act).toThrow(/- inlineUnitsPerMessage: Too big/);
    });

    it('passes rowsInSettleMax to the functions (25 by default), and refuses more than 50', () => {
      // Prepare
      const stack = newStack();
      const byDefault = newStack();

      // Act
      new DeletionPipeline(stack, 'Deletions', { ...base, rowsInSettleMax: 0 });
      new DeletionPipeline(byDefault, 'Deletions', base);
      const act = () =>
        new DeletionPipeline(newStack(), 'Deletions', { ...base, rowsInSettleMax: 51 });

      // Assess
      Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ LETHE_ROWS_IN_SETTLE_MAX: '0' }) },
      });
      Template.fromStack(byDefault).hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ LETHE_ROWS_IN_SETTLE_MAX: '25' }) },
      });
      expect(act).toThrow(/- rowsInSettleMax: Too big/);
    });

    it('passes holdsMaxAgeMs to the functions (1000 by default), and refuses more than 10,000', () => {
      // Prepare
      const stack = newStack();
      const defaults = newStack();

      // Act
      new DeletionPipeline(stack, 'Deletions', { ...base, holdsMaxAgeMs: 0 });
      new DeletionPipeline(defaults, 'Deletions', base);
      const act = () =>
        new DeletionPipeline(newStack(), 'Deletions', { ...base, holdsMaxAgeMs: 10_001 });

      // Assess
      Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ LETHE_HOLDS_MAX_AGE_MS: '0' }) },
      });
      Template.fromStack(defaults).hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ LETHE_HOLDS_MAX_AGE_MS: '1000' }) },
      });
      expect(act).toThrow(/- holdsMaxAgeMs: Too big/);
    });

    it('refuses stream entities without a table construct, a stream, or the right role', () => {
      // Prepare
      const stack = newStack();
      const withoutStream = new dynamodb.Table(stack, 'Projects', {
        tableName: 'lethe-example-projects',
        partitionKey: { name: 'projectId', type: dynamodb.AttributeType.STRING },
      });

      // Act
      const problems = problemsOf(
        () =>
          new DeletionPipeline(stack, 'Deletions', {
            ...base,
            tables: { projects: withoutStream },
            rootStreams: ['project', 'membership'],
            childStreams: ['organization', 'project'],
          }),
      );

      // Assess
      expect(problems).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^rootStreams: "project" has parents/),
          expect.stringMatching(/^rootStreams: tables\.projects has no stream/),
          expect.stringMatching(/^rootStreams: table "memberships" of "membership" has a sort key/),
          expect.stringMatching(/^rootStreams: "membership" needs its table/),
          expect.stringMatching(/^childStreams: "organization" needs its table/),
          expect.stringMatching(/^childStreams: tables\.projects has no stream/),
        ]),
      );
    });

    it.runIf(!shipsHandler('stream-consumer'))(
      'refuses child streams while lethe ships no stream consumer',
      () => {
        // Prepare
        const stack = newStack();

        // Act
        const problems = problemsOf(
          () =>
            new DeletionPipeline(stack, 'Deletions', {
              ...base,
              tables: { projects: streamTable(stack, 'P', 'lethe-example-projects', 'projectId') },
              childStreams: ['project'],
            }),
        );

        // Assess
        expect(problems).toEqual([
          'childStreams: this version of lethe has no stream consumer yet (functions/stream-consumer.ts)',
        ]);
      },
    );

    it('refuses a batch above 10 without a batching window, and impossible timeouts', () => {
      // Act
      const problems = problemsOf(
        () =>
          new DeletionPipeline(newStack(), 'Deletions', {
            ...base,
            workerBatchSize: 100,
            workerMaxConcurrency: 1,
            sweeperTimeout: Duration.minutes(20),
            tombstoneRetention: Duration.hours(36),
            alarmThresholds: { dlqMessages: 0 },
          }),
      );

      // Assess
      expect(problems).toEqual([
        'workerBatchSize: 100 records a batch needs a maxBatchingWindow (SQS allows at most 10 without one)',
        'workerMaxConcurrency: 1 is not a whole number from 2 to 1000',
        "sweeperTimeout: 1200 s is outside Lambda's 1–900 s",
        'tombstoneRetention (days): Invalid input: expected int, received number',
        'alarmThresholds.dlqMessages: 0 is not a positive number',
      ]);
    });

    it('refuses a graph module that does not exist, unknown tables and generated names', () => {
      // Prepare
      const stack = newStack();
      const generated = new s3.Bucket(stack, 'Generated');

      // Act
      const problems = problemsOf(
        () =>
          new DeletionPipeline(stack, 'Deletions', {
            ...base,
            graphModule: 'infra/example-graph-module.ts',
            graphExport: 'not an identifier',
            buckets: { artifacts: generated },
            tables: {
              widgets: streamTable(stack, 'Widgets', 'widgets', 'widgetId'),
            },
          }),
      );

      // Assess
      expect(problems).toEqual([
        'graphModule: "infra/example-graph-module.ts" is not an absolute path',
        'graphExport: "not an identifier" is not an identifier',
        'tables.widgets: the graph declares no table "widgets" (declared: organizations, memberships, projects, artifacts, snapshots, alerts)',
        'buckets.artifacts: the bucket\'s name is generated; give it bucketName "lethe-example-artifacts" as the graph declares',
      ]);
    });

    it('refuses a table whose key types differ from the types the graph declares', () => {
      // Prepare: the graph declares every key a string; these tables store Numbers.
      const stack = newStack();
      const organizations = new dynamodb.Table(stack, 'Orgs', {
        tableName: 'lethe-example-organizations',
        partitionKey: { name: 'orgId', type: dynamodb.AttributeType.NUMBER },
        stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      });
      const projects = new dynamodb.Table(stack, 'Projects', {
        tableName: 'lethe-example-projects',
        partitionKey: { name: 'projectId', type: dynamodb.AttributeType.STRING },
      });
      projects.addGlobalSecondaryIndex({
        indexName: 'byOrg',
        partitionKey: { name: 'orgId', type: dynamodb.AttributeType.NUMBER },
      });

      // Act
      const problems = problemsOf(
        () =>
          new DeletionPipeline(stack, 'Deletions', {
            ...base,
            tables: { organizations, projects },
          }),
      );

      // Assess
      expect(problems).toEqual([
        'tables.organizations: key "orgId" is a number in the table, but the graph declares it a string (keyTypes of table "organizations")',
        'tables.projects: index "byOrg" key "orgId" is a number in the table, but the graph declares it a string (keyTypes of table "projects")',
      ]);
    });
  });

  describe('Prop: tombstoneRetention', () => {
    function pitrTable(stack: Stack, recoveryPeriodInDays?: number) {
      return new dynamodb.Table(stack, 'Projects', {
        tableName: 'lethe-example-projects',
        partitionKey: { name: 'projectId', type: dynamodb.AttributeType.STRING },
        pointInTimeRecoverySpecification: {
          pointInTimeRecoveryEnabled: true,
          ...(recoveryPeriodInDays ? { recoveryPeriodInDays } : {}),
        },
      });
    }

    it('refuses a retention shorter than point-in-time recovery of a graph table, naming the table', () => {
      // Prepare
      const stack = newStack();

      // Act
      const problems = problemsOf(
        () =>
          new DeletionPipeline(stack, 'Deletions', {
            ...base,
            tables: { projects: pitrTable(stack) },
            tombstoneRetention: Duration.days(30),
          }),
      );

      // Assess
      expect(problems).toEqual([
        'tombstoneRetention: 30 days is shorter than the 35 days of point-in-time recovery of table "projects"; a table restored from that far back would bring back rows whose tombstones are gone, and `lethe replay` could not erase them again: set tombstoneRetention to at least Duration.days(35)',
      ]);
    });

    it('refuses a retention shorter than the declared backup retention', () => {
      // Act
      const problems = problemsOf(
        () =>
          new DeletionPipeline(newStack(), 'Deletions', {
            ...base,
            backupRetention: Duration.days(90),
          }),
      );

      // Assess
      expect(problems).toEqual([
        expect.stringMatching(
          /^tombstoneRetention: 35 days is shorter than the 90 days of backupRetention; .* at least Duration\.days\(90\)$/,
        ),
      ]);
    });

    it('keeps tombstones 35 days by default, which covers point-in-time recovery, and follows a shorter recovery period', () => {
      // Prepare
      const stack = newStack();
      const short = newStack();

      // Act
      new DeletionPipeline(stack, 'Deletions', { ...base, tables: { projects: pitrTable(stack) } });
      new DeletionPipeline(short, 'Deletions', {
        ...base,
        tables: { projects: pitrTable(short, 7) },
        tombstoneRetention: Duration.days(7),
      });

      // Assess
      Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            LETHE_TOMBSTONE_RETENTION_DAYS: '35',
            LETHE_DEFAULT_DEADLINE_DAYS: '30',
          }),
        },
      });
      Template.fromStack(short).hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ LETHE_TOMBSTONE_RETENTION_DAYS: '7' }) },
      });
    });
  });

  describe('Prop: graphModule', () => {
    const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

    it('names the module and the exports it has when it does not export the graph', () => {
      // Prepare
      const module = fixture('exports-other-names.ts');

      // Act
      const problems = problemsOf(
        () => new DeletionPipeline(newStack(), 'Deletions', { ...base, graphModule: module }),
      );

      // Assess
      expect(problems).toEqual([
        `graphModule: "${module}" does not export \`graph\` (it exports \`devices\`, \`users\`)`,
      ]);
    });

    it('names the export it was told to read when that one is missing', () => {
      // Act
      const problems = problemsOf(
        () =>
          new DeletionPipeline(newStack(), 'Deletions', { ...base, graphExport: 'deletionGraph' }),
      );

      // Assess
      expect(problems).toEqual([
        `graphModule: "${EXAMPLE_GRAPH_MODULE}" does not export \`deletionGraph\` (it exports \`graph\`)`,
      ]);
    });

    it('says what the module exports when it is not a graph', () => {
      // Prepare
      const module = fixture('exports-not-a-graph.ts');

      // Act
      const problems = problemsOf(
        () => new DeletionPipeline(newStack(), 'Deletions', { ...base, graphModule: module }),
      );

      // Assess
      expect(problems).toEqual([
        `graphModule: "${module}" exports \`graph\` as an object that is not a graph; export the result of defineGraph(...)`,
      ]);
    });

    it('lists every validation problem of a graph that fails validation as the module loads', () => {
      // Prepare
      const module = fixture('exports-invalid-graph.ts');

      // Act
      const problems = problemsOf(
        () => new DeletionPipeline(newStack(), 'Deletions', { ...base, graphModule: module }),
      );

      // Assess
      expect(problems.length).toBeGreaterThanOrEqual(2);
      for (const problem of problems) {
        expect(problem.startsWith(`graphModule: "${module}" invalid graph: `)).toBe(true);
      }
      expect(problems.some((problem) => problem.includes('people'))).toBe(true);
      expect(problems.some((problem) => problem.includes('owner'))).toBe(true);
    });

    it('validates a graph-shaped export that defineGraph never saw', () => {
      // Prepare
      const module = fixture('exports-unvalidated-graph.ts');

      // Act
      const problems = problemsOf(
        () => new DeletionPipeline(newStack(), 'Deletions', { ...base, graphModule: module }),
      );

      // Assess
      expect(problems).toEqual([
        expect.stringMatching(
          new RegExp(`^graphModule: "${module}" invalid graph: table "users": name must be`),
        ),
      ]);
    });

    it('reports a module that cannot be bundled with the file and line, not a stack trace', () => {
      // Prepare
      const module = fixture('imports-missing-module.ts');

      // Act
      const problems = problemsOf(
        () => new DeletionPipeline(newStack(), 'Deletions', { ...base, graphModule: module }),
      );

      // Assess
      expect(problems).toEqual([
        expect.stringMatching(
          /^graphModule: ".*imports-missing-module\.ts" cannot be bundled: .*imports-missing-module\.ts:3:\d+: Could not resolve "\.\/no-such-graph\.js"$/,
        ),
      ]);
    });

    it('refuses a graph prop that differs from the graph the module exports, naming where', () => {
      // Prepare: the same graph with other names, as a stack built for another stage would pass.
      const other = exampleGraph({ prefix: 'other' });

      // Act
      const problems = problemsOf(
        () => new DeletionPipeline(newStack(), 'Deletions', { ...base, graph: other }),
      );

      // Assess
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(
        new RegExp(
          `^graph: differs from \`graph\` of "${EXAMPLE_GRAPH_MODULE}" \\(fingerprint ${graphFingerprint(other)}, the module's ${graphFingerprint(graph)}; differs in tables\\.alerts, `,
        ),
      );
      expect(problems[0]).toContain('the functions would run the module');
    });

    it('lists the module problems with every other problem, in one error', () => {
      // Prepare
      const module = fixture('exports-other-names.ts');

      // Act
      const problems = problemsOf(
        () =>
          new DeletionPipeline(newStack(), 'Deletions', {
            ...base,
            graphModule: module,
            pageSize: 0,
          }),
      );

      // Assess
      expect(problems).toEqual([
        `graphModule: "${module}" does not export \`graph\` (it exports \`devices\`, \`users\`)`,
        expect.stringMatching(/^pageSize: /),
      ]);
    });

    it('accepts the module that exports the very graph given', () => {
      // Act
      const pipeline = new DeletionPipeline(newStack(), 'Deletions', base);

      // Assess
      expect(pipeline.access.tables.length).toBeGreaterThan(0);
    });
  });

  describe('Options', () => {
    it('encrypts the state table and work queues with a customer key, and grants it', () => {
      // Prepare
      const stack = newStack();
      const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });

      // Act
      const pipeline = new DeletionPipeline(stack, 'Deletions', { ...base, encryptionKey: key });
      const template = Template.fromStack(stack);

      // Assess
      const keyArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] };
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn },
      });
      template.resourcePropertiesCountIs('AWS::SQS::Queue', { KmsMasterKeyId: keyArn }, 2);
      expect(pipeline.stateTable.encryptionKey).toBe(key);
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Action: Match.arrayWith(['kms:Decrypt']), Resource: keyArn }),
          ]),
        },
      });
    });

    it('leaves out the stream consumer without child streams, and passes the sizes on', () => {
      // Prepare
      const stack = newStack();

      // Act
      const pipeline = new DeletionPipeline(stack, 'Deletions', {
        ...base,
        workerBatchSize: 100,
        maxBatchingWindow: Duration.seconds(5),
        workerMaxConcurrency: 50,
        eventSources: ['com.example.accounts'],
        serviceName: 'accounts-deletions',
        alarmThresholds: { oldestPendingTombstoneAgeSeconds: 900 },
      });
      const template = Template.fromStack(stack);

      // Assess
      expect(pipeline.streamConsumerFunction).toBeUndefined();
      template.resourceCountIs('AWS::Lambda::Function', shipsHandler('sweeper') ? 3 : 2);
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        BatchSize: 100,
        MaximumBatchingWindowInSeconds: 5,
        ScalingConfig: { MaximumConcurrency: 50 },
      });
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: { 'detail-type': ['EntityDeleted'], source: ['com.example.accounts'] },
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'OldestPendingTombstoneAgeSeconds',
        Dimensions: [{ Name: 'service', Value: 'accounts-deletions' }],
        Threshold: 900,
      });
    });

    it('accepts a table imported with its stream ARN for a root stream', () => {
      // Prepare
      const stack = newStack();
      const organizations = dynamodb.Table.fromTableAttributes(stack, 'Orgs', {
        tableName: 'lethe-example-organizations',
        tableStreamArn:
          'arn:aws:dynamodb:eu-west-1:123456789012:table/lethe-example-organizations/stream/2025-01-01T00:00:00.000',
      });

      // Act
      new DeletionPipeline(stack, 'Deletions', {
        ...base,
        tables: { organizations },
        rootStreams: ['organization'],
      });

      // Assess
      Template.fromStack(stack).hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: Match.stringLikeRegexp('lethe-example-organizations/stream/'),
        FilterCriteria: { Filters: [{ Pattern: '{"eventName":["REMOVE"]}' }] },
      });
    });
  });

  describe('Prop: rootStreams', () => {
    it('sends INSERT and MODIFY of a root table to the stream consumer: a deleted id can be written back', () => {
      // Prepare
      const stack = newStack();
      const organizations = streamTable(stack, 'Orgs', 'lethe-example-organizations', 'orgId');

      // Act
      const pipeline = new DeletionPipeline(stack, 'Deletions', {
        ...base,
        tables: { organizations },
        rootStreams: ['organization'],
      });

      // Assess
      expect(pipeline.streamConsumerFunction).toBeDefined();
      const template = Template.fromStack(stack);
      const patterns = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'))
        .filter((m) => m.Properties.StartingPosition !== undefined)
        .map((m) => JSON.parse(m.Properties.FilterCriteria.Filters[0].Pattern));
      expect(patterns).toEqual(
        expect.arrayContaining([{ eventName: ['REMOVE'] }, { eventName: ['INSERT', 'MODIFY'] }]),
      );
      expect(patterns).toHaveLength(2);
    });
  });

  describe('Prop: ttlRemovalsStartDeletions', () => {
    const ingestEnvironment = (props: Partial<DeletionPipelineProps>) => {
      const stack = newStack();
      const organizations = streamTable(stack, 'Orgs', 'lethe-example-organizations', 'orgId');
      const pipeline = new DeletionPipeline(stack, 'Deletions', {
        ...base,
        tables: { organizations },
        rootStreams: ['organization'],
        ...props,
      });
      const ingest = Template.fromStack(stack).findResources('AWS::Lambda::Function', {
        Properties: { Description: Match.stringLikeRegexp('^lethe ingest') },
      });
      expect(Object.keys(ingest)).toHaveLength(1);
      expect(pipeline.ingestFunction).toBeDefined();
      return Object.values(ingest)[0]?.Properties.Environment.Variables;
    };

    it('lets TTL removals start deletions by default', () => {
      // Assess
      expect(ingestEnvironment({})).toMatchObject({ LETHE_TTL_REMOVALS: 'start' });
    });

    it('tells ingest to skip TTL removals when false', () => {
      // Assess
      expect(ingestEnvironment({ ttlRemovalsStartDeletions: false })).toMatchObject({
        LETHE_TTL_REMOVALS: 'ignore',
      });
    });
  });

  describe('Method: grantPauseResume', () => {
    it('lets an operator flip the worker’s mapping, the schedule and the pause flag only', () => {
      // Prepare
      const stack = newStack();
      const pipeline = new DeletionPipeline(stack, 'Deletions', base);
      const operator = new iam.Role(stack, 'Operator', {
        assumedBy: new iam.AccountPrincipal('123456789012'),
      });

      // Act
      const grant = pipeline.grantPauseResume(operator);
      const template = Template.fromStack(stack);

      // Assess
      expect(grant.success).toBe(true);
      const [policy, ...others] = Object.values(template.findResources('AWS::IAM::Policy')).filter(
        (p) => p.Properties.Roles.some((r: { Ref?: string }) => r.Ref?.startsWith('Operator')),
      );
      expect(others).toEqual([]);
      const mapping = stack.resolve(pipeline.workerEventSource.eventSourceMappingArn);
      const statements = policy?.Properties.PolicyDocument.Statement;
      expect(statements).toEqual([
        {
          Effect: 'Allow',
          Action: ['lambda:GetEventSourceMapping', 'lambda:UpdateEventSourceMapping'],
          Resource: mapping,
        },
        ...(pipeline.schedule
          ? [
              {
                Effect: 'Allow',
                Action: ['events:DescribeRule', 'events:DisableRule', 'events:EnableRule'],
                Resource: stack.resolve(pipeline.schedule.ruleArn),
              },
            ]
          : []),
        {
          Effect: 'Allow',
          Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
          Resource: stack.resolve(pipeline.stateTable.tableArn),
          Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['CONTROL'] } },
        },
      ]);
    });
  });
});
