// Number keys end to end on the emulators: an account table keyed by a DynamoDB Number, a
// child index whose partition key is that Number, Number-keyed grandchildren and set-null
// rows. Deletions start from an EntityDeleted event with a numeric id and from a stream
// REMOVE; what remains is checked from outside, with the SDK, not through lethe.
import { randomUUID } from 'node:crypto';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { BatchWriteCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord, EventBridgeEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createIngestHandler } from '../../../functions/ingest.js';
import { createEngine } from '../../../lib/engine/create-engine.js';
import { TombstonedError } from '../../../lib/engine/guarded-put.js';
import { DynamoDbRequestRefusedError } from '../../../lib/errors.js';
import { defineGraph } from '../../../lib/graph/define-graph.js';
import type { Graph, GraphDefinition, KeyAttributeType } from '../../../lib/graph/graph-types.js';
import { canonicalNumber } from '../../../lib/graph/key-types.js';
import { totalOf } from '../../../lib/model/counters.js';
import { lambdaContext, quietObservability } from '../handlers/handler-fixtures.js';
import { createPipelineHarness, type PipelineHarness } from '../support/pipeline-harness.js';
import { runUntil, unitsOf } from './engine-test-support.js';

/**
 * account (accountId: N) → project (projectId: N, index byAccount on accountId: N) → task
 * (index byProject on projectId: N); account → seat (key accountId: N, sort seat: N);
 * project → alert (set-null, index byProject on projectId: N). `numbers: false` declares
 * every key a string: the graph a user writes who forgot keyTypes.
 */
function accountsDefinition(prefix: string, numbers = true): GraphDefinition {
  const type = (value: KeyAttributeType) => (numbers ? value : 'string');
  return {
    tables: {
      accounts: {
        name: `${prefix}-accounts`,
        partitionKey: 'accountId',
        keyTypes: { accountId: type('number') },
      },
      projects: {
        name: `${prefix}-projects`,
        partitionKey: 'projectId',
        indexes: { byAccount: { partitionKey: 'accountId' } },
        keyTypes: { projectId: type('number'), accountId: type('number') },
      },
      tasks: {
        name: `${prefix}-tasks`,
        partitionKey: 'taskId',
        indexes: { byProject: { partitionKey: 'projectId' } },
        keyTypes: { projectId: type('number') },
      },
      seats: {
        name: `${prefix}-seats`,
        partitionKey: 'accountId',
        sortKey: 'seat',
        keyTypes: { accountId: type('number'), seat: type('number') },
      },
      alerts: {
        name: `${prefix}-alerts`,
        partitionKey: 'alertId',
        indexes: { byProject: { partitionKey: 'projectId' } },
        keyTypes: { projectId: type('number') },
      },
    },
    buckets: { files: { name: `${prefix}-files` } },
    entities: {
      account: {
        table: 'accounts',
        objects: [{ kind: 'prefix', bucket: 'files', template: 'accounts/{accountId}/' }],
      },
      project: {
        table: 'projects',
        parents: [
          { entity: 'account', attribute: 'accountId', index: 'byAccount', onDelete: 'cascade' },
        ],
        objects: [{ kind: 'key', bucket: 'files', template: 'projects/{projectId}.json' }],
      },
      task: {
        table: 'tasks',
        parents: [
          { entity: 'project', attribute: 'projectId', index: 'byProject', onDelete: 'cascade' },
        ],
        objects: [{ kind: 'key', bucket: 'files', template: 'tasks/{projectId}/{taskId}.txt' }],
      },
      seat: {
        table: 'seats',
        parents: [{ entity: 'account', attribute: 'accountId', onDelete: 'cascade' }],
      },
      alert: {
        table: 'alerts',
        parents: [
          { entity: 'project', attribute: 'projectId', index: 'byProject', onDelete: 'set-null' },
        ],
      },
    },
  };
}

const accountsGraph = (prefix: string): Graph => defineGraph(accountsDefinition(prefix));

const PROJECTS_PER_ACCOUNT = 3;
const TASKS_PER_PROJECT = 4;
const SEATS_PER_ACCOUNT = 2;
const PREFIX_OBJECTS = 2;

/** What one seeded account holds, by the names of its rows and objects. */
interface SeededAccount {
  readonly accountId: number;
  readonly projectIds: readonly number[];
  readonly taskIds: readonly string[];
  readonly alertIds: readonly string[];
  readonly objectKeys: readonly string[];
}

/** Writes one account and everything under it with the SDK, numbers as DynamoDB Numbers. */
async function seedAccount(pipeline: PipelineHarness, accountId: number): Promise<SeededAccount> {
  const { graph, clients } = pipeline;
  const table = (key: string) => graph.tables[key]?.name ?? '';
  const bucket = graph.buckets.files?.name ?? '';
  const rows: { table: string; item: Record<string, unknown> }[] = [
    { table: table('accounts'), item: { accountId, name: `account ${accountId}` } },
  ];
  const projectIds: number[] = [];
  const taskIds: string[] = [];
  const alertIds: string[] = [];
  const objectKeys: string[] = [];
  for (let p = 1; p <= PROJECTS_PER_ACCOUNT; p++) {
    const projectId = accountId * 100 + p;
    projectIds.push(projectId);
    rows.push({ table: table('projects'), item: { projectId, accountId } });
    objectKeys.push(`projects/${projectId}.json`);
    const alertId = `alert-${projectId}`;
    alertIds.push(alertId);
    rows.push({ table: table('alerts'), item: { alertId, projectId, level: 'warn' } });
    for (let t = 1; t <= TASKS_PER_PROJECT; t++) {
      const taskId = `task-${projectId}-${t}`;
      taskIds.push(taskId);
      rows.push({ table: table('tasks'), item: { taskId, projectId } });
      objectKeys.push(`tasks/${projectId}/${taskId}.txt`);
    }
  }
  for (let seat = 1; seat <= SEATS_PER_ACCOUNT; seat++) {
    rows.push({ table: table('seats'), item: { accountId, seat } });
  }
  for (let o = 1; o <= PREFIX_OBJECTS; o++) objectKeys.push(`accounts/${accountId}/file-${o}.bin`);
  for (const row of rows) {
    await clients.documents.send(
      new BatchWriteCommand({
        RequestItems: { [row.table]: [{ PutRequest: { Item: row.item } }] },
      }),
    );
  }
  await Promise.all(
    objectKeys.map((Key) =>
      clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: Key })),
    ),
  );
  return { accountId, projectIds, taskIds, alertIds, objectKeys };
}

const EXPECTED = {
  rowsDeleted: 1 + PROJECTS_PER_ACCOUNT * (1 + TASKS_PER_PROJECT) + SEATS_PER_ACCOUNT,
  rowsNulled: PROJECTS_PER_ACCOUNT,
  objectsDeleted: PROJECTS_PER_ACCOUNT * (1 + TASKS_PER_PROJECT) + PREFIX_OBJECTS,
};

async function objectExists(pipeline: PipelineHarness, key: string): Promise<boolean> {
  try {
    await pipeline.clients.s3.send(
      new HeadObjectCommand({ Bucket: pipeline.graph.buckets.files?.name ?? '', Key: key }),
    );
    return true;
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404)
      return false;
    throw error;
  }
}

/** What of a seeded account is still there, read with the SDK by exact key and by index. */
async function remainsOf(pipeline: PipelineHarness, account: SeededAccount) {
  const { graph, clients } = pipeline;
  const table = (key: string) => graph.tables[key]?.name ?? '';
  const get = async (name: string, Key: Record<string, unknown>) =>
    (
      await clients.documents.send(
        new GetCommand({ TableName: table(name), Key, ConsistentRead: true }),
      )
    ).Item;
  const count = async (name: string, index: string | undefined, attribute: string, value: number) =>
    (
      await clients.documents.send(
        new QueryCommand({
          TableName: table(name),
          ...(index ? { IndexName: index } : {}),
          KeyConditionExpression: '#a = :v',
          ExpressionAttributeNames: { '#a': attribute },
          ExpressionAttributeValues: { ':v': value },
        }),
      )
    ).Count ?? 0;
  let rows = (await get('accounts', { accountId: account.accountId })) ? 1 : 0;
  rows += await count('seats', undefined, 'accountId', account.accountId);
  for (const projectId of account.projectIds) {
    if (await get('projects', { projectId })) rows += 1;
  }
  for (const taskId of account.taskIds) {
    if (await get('tasks', { taskId })) rows += 1;
  }
  const projectsByIndex = await count('projects', 'byAccount', 'accountId', account.accountId);
  let alertsPointing = 0;
  let alertsKept = 0;
  for (const alertId of account.alertIds) {
    const alert = await get('alerts', { alertId });
    if (alert) alertsKept += 1;
    if (alert?.projectId !== undefined) alertsPointing += 1;
  }
  let objects = 0;
  for (const key of account.objectKeys) {
    if (await objectExists(pipeline, key)) objects += 1;
  }
  const listed = await clients.s3.send(
    new ListObjectsV2Command({
      Bucket: graph.buckets.files?.name ?? '',
      Prefix: `accounts/${account.accountId}/`,
    }),
  );
  return {
    rows,
    projectsByIndex,
    alertsKept,
    alertsPointing,
    objects,
    listedUnderPrefix: listed.KeyCount ?? 0,
  };
}

const ALL_THERE = {
  rows: EXPECTED.rowsDeleted,
  projectsByIndex: PROJECTS_PER_ACCOUNT,
  alertsKept: PROJECTS_PER_ACCOUNT,
  alertsPointing: PROJECTS_PER_ACCOUNT,
  objects: EXPECTED.objectsDeleted,
  listedUnderPrefix: PREFIX_OBJECTS,
};

const ALL_GONE = {
  rows: 0,
  projectsByIndex: 0,
  alertsKept: PROJECTS_PER_ACCOUNT,
  alertsPointing: 0,
  objects: 0,
  listedUnderPrefix: 0,
};

function entityDeleted(
  detail: Record<string, unknown>,
): EventBridgeEvent<'EntityDeleted', Record<string, unknown>> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'EntityDeleted',
    source: 'com.example.accounts',
    account: '123456789012',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [],
    detail,
  };
}

function removeRecord(tableName: string, keys: Record<string, { N: string }>): DynamoDBRecord {
  return {
    eventID: randomUUID().replaceAll('-', ''),
    eventName: 'REMOVE',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    eventSourceARN: `arn:aws:dynamodb:us-east-1:123456789012:table/${tableName}/stream/2025-01-01T00:00:00.000`,
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
      Keys: keys,
      OldImage: keys,
      SequenceNumber: String(Date.now()),
      SizeBytes: 32,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

describe('Engine: entities keyed by DynamoDB Numbers', () => {
  it('plans and deletes an account from an event with a numeric id, and keeps account 70', async () => {
    // Prepare
    // Pages of 2: cursors (LastEvaluatedKey) carry Number keys from unit to unit.
    const pipeline = await createPipelineHarness('numkeys', {
      graph: accountsGraph,
      settings: { pageSize: 2 },
    });
    const target = await seedAccount(pipeline, 7);
    // 70 renders accounts/70/: a prefix "accounts/7" without its "/" would reach it.
    const neighbour = await seedAccount(pipeline, 70);
    const ingest = createIngestHandler(pipeline.graph, {
      engine: pipeline.engine,
      ...quietObservability(),
    });

    // Act
    const plan = await pipeline.engine.plan('account', '007');
    await ingest(entityDeleted({ entity: 'account', id: 7 }), lambdaContext('lethe-ingest'));
    const tombstone = await pipeline.engine.getTombstone('account', '7');
    const job = await pipeline.run(tombstone?.jobId ?? 'no tombstone');

    // Assess
    expect(plan.id).toBe('7');
    expect(plan.totals).toMatchObject({ ...EXPECTED, blocked: 0 });
    expect(job).toMatchObject({ entity: 'account', id: '7', outcome: 'deleted', failed: 0 });
    expect(totalOf(job.counts, 'rowsDeleted')).toBe(EXPECTED.rowsDeleted);
    expect(totalOf(job.counts, 'rowsNulled')).toBe(EXPECTED.rowsNulled);
    expect(totalOf(job.counts, 'objectsDeleted')).toBe(EXPECTED.objectsDeleted);
    expect(pipeline.handlerErrors).toEqual([]);
    expect(await remainsOf(pipeline, target)).toEqual(ALL_GONE);
    expect(await remainsOf(pipeline, neighbour)).toEqual(ALL_THERE);
    // One entity, one tombstone, whatever the spelling of its id.
    expect((await pipeline.engine.getTombstone('account', '7.0'))?.jobId).toBe(job.jobId);
    expect((await pipeline.engine.getTombstone('project', '0701'))?.jobId).toBe(job.jobId);
  }, 120_000);

  it('deletes an account from a stream REMOVE whose key is a Number', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('numstream', { graph: accountsGraph });
    const target = await seedAccount(pipeline, 9);
    const neighbour = await seedAccount(pipeline, 90);
    const ingest = createIngestHandler(pipeline.graph, {
      engine: pipeline.engine,
      streamEntities: ['account'],
      ...quietObservability(),
    });
    const accounts = pipeline.graph.tables.accounts?.name ?? '';

    // Act
    const response = await ingest(
      { Records: [removeRecord(accounts, { accountId: { N: '9' } })] },
      lambdaContext('lethe-ingest'),
    );
    const tombstone = await pipeline.engine.getTombstone('account', '9');
    const job = await pipeline.run(tombstone?.jobId ?? 'no tombstone');

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(job).toMatchObject({
      id: '9',
      outcome: 'deleted',
      requester: `dynamodb-stream:${accounts}`,
    });
    expect(totalOf(job.counts, 'rowsDeleted')).toBe(EXPECTED.rowsDeleted);
    expect(totalOf(job.counts, 'objectsDeleted')).toBe(EXPECTED.objectsDeleted);
    expect(pipeline.handlerErrors).toEqual([]);
    expect(await remainsOf(pipeline, target)).toEqual(ALL_GONE);
    expect(await remainsOf(pipeline, neighbour)).toEqual(ALL_THERE);
  }, 120_000);

  it('guards writes of Number ids by their canonical form', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('numguard', { graph: accountsGraph });
    await seedAccount(pipeline, 5);
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'account', id: '5' });
    await pipeline.run(jobId);
    const projects = pipeline.graph.tables.projects?.name ?? '';

    // Act
    const underDeletedAccount = pipeline.engine
      .guardedPut('project', { projectId: 599, accountId: 5 })
      .catch((error: unknown) => error);
    const deletedProject = pipeline.engine
      .guardedPut('project', { projectId: 501, accountId: 6 })
      .catch((error: unknown) => error);
    await pipeline.engine.guardedPut('project', { projectId: 601, accountId: 6 });

    // Assess
    expect(await underDeletedAccount).toBeInstanceOf(TombstonedError);
    expect(await underDeletedAccount).toMatchObject({ entity: 'account', id: '5' });
    expect(await deletedProject).toMatchObject({ entity: 'project', id: '501' });
    const written = await pipeline.clients.documents.send(
      new GetCommand({ TableName: projects, Key: { projectId: 601 } }),
    );
    expect(written.Item).toEqual({ projectId: 601, accountId: 6 });
    const refused = await pipeline.clients.documents.send(
      new GetCommand({ TableName: projects, Key: { projectId: 599 } }),
    );
    expect(refused.Item).toBeUndefined();
  }, 120_000);

  it('catches a row written under a deleted Number parent, and holds by the canonical id', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('numlate', { graph: accountsGraph });
    await seedAccount(pipeline, 4);
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'account', id: '4' });
    await pipeline.run(jobId);

    // Act: a writer that does not use guardedPut puts a project back under account 4.
    const caught = await pipeline.engine.catchRowAfterTombstone('project', {
      projectId: 498,
      accountId: 4,
    });
    const hold = await pipeline.engine.placeHold({
      entity: 'account',
      id: '0012',
      reason: 'legal',
    });

    // Assess
    expect(caught.parent).toEqual({ entity: 'account', id: '4', jobId });
    expect(caught.deletion?.created).toBe(true);
    expect(hold).toMatchObject({ entity: 'account', id: '12', holdId: 'entity:account:12' });
  }, 120_000);

  it('refuses a non-numeric id for a Number key before anything is written', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('numrefuse', { graph: accountsGraph });

    // Act
    const refused = pipeline.engine
      .requestDeletion({ entity: 'account', id: 'acme' })
      .catch((error: unknown) => error);

    // Assess
    expect(await refused).toMatchObject({
      code: 'INVALID_REQUEST',
      message: expect.stringMatching(/account id \(accountId\) must be a number/),
    });
    expect(await pipeline.engine.getTombstone('account', 'acme')).toBeUndefined();
    await expect(pipeline.engine.plan('account', 'acme')).rejects.toThrowError(
      /account id \(accountId\) must be a number/,
    );
  }, 60_000);

  it('settles units as failed with the reason when the graph mistypes a key, and plan says why', async () => {
    // Prepare: the tables have Number keys; the engine runs a graph that declares strings.
    const pipeline = await createPipelineHarness('numwrong', { graph: accountsGraph });
    await seedAccount(pipeline, 3);
    const prefix = pipeline.graph.tables.accounts?.name.replace(/-accounts$/, '') ?? '';
    const mistyped = createEngine({
      graph: defineGraph(accountsDefinition(prefix, false)),
      clients: pipeline.clients,
      settings: pipeline.settings,
      workQueueUrl: pipeline.workQueueUrl,
      events: pipeline.events,
    });

    // Act
    const plan = mistyped.plan('account', '3').catch((error: unknown) => error);
    const { jobId } = await mistyped.requestDeletion({ entity: 'account', id: '3' });
    const job = await runUntil(
      { ...pipeline, engine: mistyped },
      jobId,
      (j) => j.status === 'completed',
    );

    // Assess
    const planError = await plan;
    expect(planError).toBeInstanceOf(DynamoDbRequestRefusedError);
    expect((planError as Error).message).toMatch(
      new RegExp(
        `^DynamoDB refused Query on index "byAccount" of table "${prefix}-projects": ValidationException: .*keyTypes`,
      ),
    );
    expect(job).toMatchObject({ outcome: 'partial', failed: 1 });
    expect(pipeline.handlerErrors).toEqual([]);
    const units = await unitsOf(pipeline, jobId);
    expect(units.filter((unit) => unit.status === 'failed').map((unit) => unit.error)).toEqual([
      expect.stringMatching(
        /^DYNAMODB_REQUEST_REFUSED: DynamoDB refused GetItem on table "[^"]*-accounts": ValidationException: /,
      ),
    ]);
  }, 120_000);
});

describe('Function: canonicalNumber, against DynamoDB Local', () => {
  it('gives the text DynamoDB itself gives back for a stored Number', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('numcanon', { graph: accountsGraph });
    const table = pipeline.graph.tables.accounts?.name ?? '';
    const spellings = [
      '007',
      '7.000',
      '1e2',
      '1E+2',
      '-0',
      '-1.50',
      '0.000120',
      '1.5e-7',
      '12345678901234567890123456789012345678',
      '9.99E+20',
    ];

    // Act
    const stored: Record<string, string | undefined> = {};
    for (const [index, text] of spellings.entries()) {
      const accountId = { N: text };
      await pipeline.clients.dynamodb.send(
        new PutItemCommand({ TableName: table, Item: { accountId, seq: { N: String(index) } } }),
      );
      const read = await pipeline.clients.dynamodb.send(
        new GetItemCommand({ TableName: table, Key: { accountId }, ConsistentRead: true }),
      );
      stored[text] = read.Item?.accountId?.N;
    }

    // Assess
    for (const text of spellings) {
      expect({ text, canonical: canonicalNumber(text) }).toEqual({ text, canonical: stored[text] });
    }
  }, 60_000);
});
