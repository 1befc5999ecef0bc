// The deploy artifacts run: the example stack is synthesized with real bundling, and each
// function's bundle (cdk.out/asset.*/index.mjs) is invoked in Node 24 with exactly the
// environment the construct gives it, pointed at the emulators through the SDK's own
// AWS_ENDPOINT_URL_<SERVICE> variables. Events come in the shapes Lambda delivers: an
// EventBridge EntityDeleted event, stream records read from DynamoDB Local, SQS batches
// received from the real work queue, a scheduled event. The result is checked from outside.
import { randomBytes, randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import type {
  DynamoDBBatchResponse,
  DynamoDBRecord,
  SQSBatchResponse,
  SQSRecord,
} from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LETHE_ENV } from '../../functions/settings-from-env.js';
import { graph } from '../../infra/example-graph-module.js';
import { destroyAwsClients } from '../../lib/adapters/aws-clients.js';
import { createBulkWriter } from '../../lib/adapters/bulk-writer.js';
import { createDynamoDbDocumentStore } from '../../lib/adapters/dynamodb-document-store.js';
import { createDynamoDbStreamReader } from '../../lib/adapters/dynamodb-stream-reader.js';
import { enableStreams } from '../../lib/adapters/provision-resources.js';
import { createS3ObjectStore } from '../../lib/adapters/s3-object-store.js';
import type { DeletionRequested } from '../../lib/engine/request-deletion.js';
import type { SweepReport } from '../../lib/engine/sweep/sweep.js';
import { verifyReceipt } from '../../lib/engine/verify-receipt.js';
import { getReceipt } from '../../lib/engine/write-receipt.js';
import { DELETION_COMPLETED } from '../../lib/events/deletion-completed.js';
import { ENTITY_DELETED } from '../../lib/events/entity-deleted.js';
import { stateKeys } from '../../lib/model/state-keys.js';
import { sleep } from '../../lib/retry.js';
import { resolveSettings } from '../../lib/settings.js';
import {
  type ExampleDatasetSize,
  type SeededDataset,
  seedExampleDataset,
} from '../../local/example-dataset.js';
import { provisionLocal } from '../../local/provision-local.js';
import { verifyExampleDeletion } from '../../local/verify-example.js';
import {
  logicalId,
  type SynthesizedExample,
  synthExample,
} from '../infra/support/synth-example.js';
import { type KmsStandIn, startKmsStandIn } from './support/kms-stand-in.js';
import { localClients, uniquePrefix } from './support/local-clients.js';
import { type PutEventsStandIn, startPutEventsStandIn } from './support/put-events-stand-in.js';
import {
  bundleOf,
  functionEnvironment,
  invokeBundle,
  provideRuntimeSdk,
} from './support/run-bundle.js';

// Every shape the graph has, a handful of each: the run stays short.
const TINY: ExampleDatasetSize = {
  projects: 1,
  artifactsPerProject: 4,
  snapshotsPerProject: 2,
  imagesPerSnapshot: 2,
  imagePool: 3,
  imagesSharedWithDecoy: 1,
  alertsPerProject: 2,
  members: 3,
  prefixObjectsPerProject: 2,
  decoyScale: 1,
};

const FUNCTIONS = {
  ingest: 'DeletionsIngest',
  worker: 'DeletionsWorker',
  sweeper: 'DeletionsSweeper',
  streamConsumer: 'DeletionsStreamConsumer',
} as const;
type FunctionName = keyof typeof FUNCTIONS;

describe('the synthesized function bundles', () => {
  const { endpoints, region } = inject('localStack');
  const clients = localClients();
  const docs = createDynamoDbDocumentStore(clients);
  const objects = createS3ObjectStore(clients);
  const streams = createDynamoDbStreamReader(clients);
  const run = uniquePrefix('bundles');
  const settings = resolveSettings({
    stateTableName: `${run}-state`,
    workQueueName: `${run}-work`,
    deadLetterQueueName: `${run}-dlq`,
    restoreBucketName: `${run}-restore`,
    receiptLeavesBucketName: `${run}-leaves`,
  });
  const organizations = graph.tables.organizations?.name ?? '';
  const memberships = graph.tables.memberships?.name ?? '';
  let synth: SynthesizedExample;
  let standIn: PutEventsStandIn;
  let kms: KmsStandIn;
  let workQueueUrl = '';
  let workQueueArn = '';
  const env = {} as Record<FunctionName, Record<string, string>>;
  const bundle = {} as Record<FunctionName, string>;
  const datasets: Record<'event' | 'stream', SeededDataset | undefined> = {
    event: undefined,
    stream: undefined,
  };
  const jobIds: string[] = [];

  beforeAll(async () => {
    synth = synthExample({ bundle: true });
    provideRuntimeSdk(synth.outdir);
    standIn = await startPutEventsStandIn();
    kms = await startKmsStandIn();
    const { template } = synth;
    const ids = Object.fromEntries(
      Object.entries(FUNCTIONS).map(([name, prefix]) => [
        name,
        logicalId(template, 'AWS::Lambda::Function', prefix),
      ]),
    ) as Record<FunctionName, string>;
    const variables = (id: string) =>
      template.findResources('AWS::Lambda::Function')[id]?.Properties.Environment.Variables;
    // The queue is provisioned with the settings the worker's environment carries.
    const worker = variables(ids.worker) as Record<string, string>;
    const provisioned = resolveSettings({
      ...settings,
      visibilityTimeoutSeconds: Number(worker.LETHE_VISIBILITY_TIMEOUT_SECONDS),
      maxReceiveCount: Number(worker.LETHE_MAX_RECEIVE_COUNT),
    });
    const { queueUrls } = await provisionLocal(clients, graph, provisioned);
    workQueueUrl = queueUrls[settings.workQueueName] ?? '';
    const { Attributes } = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: workQueueUrl, AttributeNames: ['QueueArn'] }),
    );
    workQueueArn = Attributes?.QueueArn ?? '';
    await enableStreams(clients, [organizations, memberships]);

    // Tokens of the template, resolved to what was provisioned on the emulators.
    const resources = new Map<string, string>([
      [logicalId(template, 'AWS::DynamoDB::Table', 'DeletionsStateTable'), settings.stateTableName],
      [logicalId(template, 'AWS::SQS::Queue', 'DeletionsWorkQueue'), workQueueUrl],
      [
        logicalId(template, 'AWS::S3::Bucket', 'DeletionsRestoreBucket'),
        settings.restoreBucketName ?? '',
      ],
      [
        logicalId(template, 'AWS::S3::Bucket', 'DeletionsReceiptLeavesBucket'),
        settings.receiptLeavesBucketName ?? '',
      ],
    ]);
    const receiptKey = logicalId(template, 'AWS::KMS::Key', 'DeletionsReceiptKey');
    resources.set(`${receiptKey}.Arn`, `arn:aws:kms:${region}:000000000000:key/lethe-receipts`);
    for (const [id, table] of Object.entries(template.findResources('AWS::DynamoDB::Table'))) {
      const name = table.Properties.TableName;
      if (typeof name === 'string') resources.set(id, name);
    }
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
      bundle[name] = bundleOf(template, synth.outdir, ids[name]);
      env[name] = {
        ...functionEnvironment(template, ids[name], (id) => resources.get(id)),
        // What the Lambda runtime sets, and where the test points the SDK: nothing else.
        AWS_REGION: region,
        AWS_DEFAULT_REGION: region,
        AWS_ACCESS_KEY_ID: 'lethelocal',
        AWS_SECRET_ACCESS_KEY: 'lethelocal',
        AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
        AWS_ENDPOINT_URL_SQS: endpoints.sqs,
        AWS_ENDPOINT_URL_S3: endpoints.s3,
        AWS_ENDPOINT_URL_EVENTBRIDGE: standIn.endpoint,
        AWS_ENDPOINT_URL_KMS: kms.endpoint,
        // DynamoDB Local answers lock waits with 500s under load; the local clients retry more.
        AWS_MAX_ATTEMPTS: '8',
      };
    }

    const seedPorts = { writer: createBulkWriter(clients), stateTable: settings.stateTableName };
    const org = (label: string) => `${run}-${label}-${randomBytes(2).toString('hex')}`;
    datasets.event = await seedExampleDataset(graph, seedPorts, TINY, {
      target: org('ev'),
      decoy: org('evd'),
    });
    datasets.stream = await seedExampleDataset(graph, seedPorts, TINY, {
      target: org('st'),
      decoy: org('std'),
    });
  });

  afterAll(async () => {
    await standIn?.close();
    await kms?.close();
    destroyAwsClients(clients);
    if (synth) rmSync(synth.outdir, { recursive: true, force: true });
  });

  function invoke<T>(name: FunctionName, event: unknown): Promise<T> {
    return invokeBundle<T>({
      bundle: bundle[name],
      env: env[name],
      event,
      functionName: FUNCTIONS[name],
    });
  }

  /** Records of `eventNames` that `change` writes to `table`'s stream, as Lambda delivers them. */
  async function streamRecords(
    table: string,
    eventNames: readonly string[],
    change: () => Promise<unknown>,
  ): Promise<DynamoDBRecord[]> {
    let position = await streams.open(table);
    if (position === undefined) throw new Error(`${table} has no stream`);
    await change();
    for (let attempt = 0; attempt < 40; attempt += 1) {
      const { records, next } = await streams.read(position, region);
      position = next;
      const wanted = records.filter((r) => eventNames.includes(r.eventName ?? ''));
      if (wanted.length > 0) return wanted;
      await sleep(250);
    }
    throw new Error(`no ${eventNames.join('/')} record on the stream of ${table}`);
  }

  function sqsRecord(message: Message): SQSRecord {
    const attributes = message.Attributes ?? {};
    return {
      messageId: message.MessageId ?? '',
      receiptHandle: message.ReceiptHandle ?? '',
      body: message.Body ?? '',
      attributes: {
        ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
        SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
        SenderId: attributes.SenderId ?? 'AIDAEXAMPLE',
        ApproximateFirstReceiveTimestamp:
          attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: message.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: workQueueArn,
      awsRegion: region,
    };
  }

  function scheduledEvent() {
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '123456789012',
      time: new Date().toISOString(),
      region,
      resources: [`arn:aws:events:${region}:123456789012:rule/SweepSchedule`],
      detail: {},
    };
  }

  /**
   * Plays the worker's event source mapping (receive a batch, invoke, delete what succeeded)
   * and, whenever the queue is empty, the sweep schedule, until `done` holds.
   */
  async function drain(done: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 90_000;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error('the deletion did not complete in 90 s');
      const { Messages = [] } = await clients.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: workQueueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['All'],
        }),
      );
      if (Messages.length === 0) {
        await invoke('sweeper', scheduledEvent());
        continue;
      }
      const response = await invoke<SQSBatchResponse>('worker', {
        Records: Messages.map(sqsRecord),
      });
      const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      const succeeded = Messages.filter((m) => !failed.has(m.MessageId ?? ''));
      if (succeeded.length > 0) {
        await clients.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: workQueueUrl,
            Entries: succeeded.map((m, i) => ({
              Id: String(i),
              ReceiptHandle: m.ReceiptHandle ?? '',
            })),
          }),
        );
      }
    }
  }

  async function jobStatus(jobId: string): Promise<unknown> {
    return (await docs.get(settings.stateTableName, stateKeys.job(jobId)))?.status;
  }

  it('gives each function only environment variables that lethe or Powertools read', () => {
    // Prepare: an optional variable under a misspelt name would otherwise fall back unseen
    const read = new Set<string>([
      ...Object.values(LETHE_ENV),
      'POWERTOOLS_SERVICE_NAME',
      'POWERTOOLS_METRICS_NAMESPACE',
      'NODE_OPTIONS',
    ]);

    // Act
    const unread = Object.values(FUNCTIONS).flatMap((prefix) => {
      const id = logicalId(synth.template, 'AWS::Lambda::Function', prefix);
      const variables =
        synth.template.findResources('AWS::Lambda::Function')[id]?.Properties.Environment.Variables;
      return Object.keys(variables ?? {})
        .filter((name) => !read.has(name))
        .map((name) => `${prefix}: ${name}`);
    });

    // Assess
    expect(unread).toEqual([]);
  });

  it('ingest starts a deletion from an EntityDeleted event', async () => {
    // Act
    const requested = await invoke<DeletionRequested>('ingest', {
      version: '0',
      id: randomUUID(),
      'detail-type': ENTITY_DELETED,
      source: 'bundles-run.test',
      account: '123456789012',
      time: new Date().toISOString(),
      region,
      resources: [],
      detail: { entity: 'organization', id: datasets.event?.target.orgId },
    });

    // Assess
    expect(requested.created).toBe(true);
    expect(await jobStatus(requested.jobId)).toBe('running');
    jobIds.push(requested.jobId);
  });

  it('ingest starts a deletion from a root table REMOVE record', async () => {
    // Prepare
    const orgId = datasets.stream?.target.orgId ?? '';
    const records = await streamRecords(organizations, ['REMOVE'], () =>
      clients.dynamodb.send(
        new DeleteItemCommand({ TableName: organizations, Key: { orgId: { S: orgId } } }),
      ),
    );

    // Act
    const response = await invoke<DynamoDBBatchResponse>('ingest', { Records: records });

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const tombstone = await docs.get(
      settings.stateTableName,
      stateKeys.tombstoneLookup('organization', orgId),
    );
    expect(typeof tombstone?.jobId).toBe('string');
    jobIds.push(String(tombstone?.jobId));
  });

  it('the worker and the sweeper complete both deletions from the real work queue', async () => {
    // Prepare
    expect(jobIds).toHaveLength(2);

    // Act
    await drain(async () => {
      const statuses = await Promise.all(jobIds.map(jobStatus));
      return statuses.every((status) => status === 'completed');
    });

    // Assess: rows and objects gone, decoys and shared images kept, each job announced
    for (const dataset of [datasets.event, datasets.stream]) {
      if (dataset === undefined) throw new Error('not seeded');
      const verification = await verifyExampleDeletion(graph, { docs, objects }, dataset);
      expect(verification.checks.filter((check) => !check.ok)).toEqual([]);
    }
    const completed = standIn.entries
      .filter((entry) => entry.DetailType === DELETION_COMPLETED)
      .map((entry) => JSON.parse(entry.Detail ?? '{}') as { jobId: string; outcome: string });
    for (const jobId of jobIds) {
      expect(completed).toContainEqual(expect.objectContaining({ jobId, outcome: 'deleted' }));
      // Signed through KMS (the construct's key), checked offline with its public key only.
      const receipt = await getReceipt(
        { docs, table: settings.stateTableName, now: () => new Date() },
        jobId,
      );
      expect(verifyReceipt(receipt, kms.publicKeyPem)).toMatchObject({ ok: true, problems: [] });
    }
    expect(kms.signatures()).toBeGreaterThanOrEqual(jobIds.length);
  });

  it('the sweeper runs from a scheduled event and finds nothing left pending', async () => {
    // Act
    const report = await invoke<SweepReport>('sweeper', scheduledEvent());

    // Assess: every shard of the construct's LETHE_SHARDS swept, the watermarks past both jobs
    expect(report.shards).toHaveLength(Number(env.sweeper.LETHE_SHARDS));
    expect(report).toMatchObject({
      paused: false,
      lag: 0,
      oldestPendingTombstoneAgeSeconds: 0,
      sendsFailed: 0,
    });
  });

  it('the stream consumer has a row written after the tombstone erased', async () => {
    // Prepare: a writer that skips guardedPut adds a member to the deleted organization
    const orgId = datasets.event?.target.orgId ?? '';
    const late = { orgId: { S: orgId }, userId: { S: 'late-writer' } };
    const records = await streamRecords(memberships, ['INSERT', 'MODIFY'], () =>
      clients.dynamodb.send(
        new PutItemCommand({ TableName: memberships, Item: { ...late, role: { S: 'member' } } }),
      ),
    );

    // Act
    const response = await invoke<DynamoDBBatchResponse>('streamConsumer', { Records: records });
    await drain(
      async () => (await docs.get(memberships, { orgId, userId: 'late-writer' })) === undefined,
    );

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(await docs.get(memberships, { orgId, userId: 'late-writer' })).toBeUndefined();
  });
});
