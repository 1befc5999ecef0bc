// Issue 21 §2: a small job — a user with 10 rows in each of two child relations and 10
// objects under its prefix, the bench's small-jobs shape — runs after ingest's message in
// one queue round trip: the worker runs the units its commits plan itself (rows, the
// finalize, the prefix) instead of sending each through the queue. The job is
// watched through the messages its workers receive and the unit items it settles.
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { BatchWriteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { destroyAwsClients } from '../../../lib/adapters/aws-clients.js';
import { createEngine } from '../../../lib/engine/create-engine.js';
import { defineGraph } from '../../../lib/graph/define-graph.js';
import type { DocumentStore, Item, TransactItem } from '../../../lib/ports/document-store.js';
import { chunk } from '../../../lib/retry.js';
import type { SettingsInput } from '../../../lib/settings.js';
import { localClients } from '../support/local-clients.js';
import { createPipelineHarness, type PipelineHarness } from '../support/pipeline-harness.js';
import { unitsOf } from './engine-test-support.js';

const USER = 'u-1';
const NEIGHBOUR = 'u-1x';
const ROWS_PER_TABLE = 10;
const OBJECTS = 10;

const outside = localClients();
afterAll(() => destroyAwsClients(outside));

function usersGraph(prefix: string) {
  const child = (name: string, key: string) => ({
    name: `${prefix}-${name}`,
    partitionKey: key,
    indexes: { byUser: { partitionKey: 'userId', sortKey: key } },
  });
  const childEntity = (table: string) => ({
    table,
    parents: [
      { entity: 'user', attribute: 'userId', index: 'byUser', onDelete: 'cascade' as const },
    ],
  });
  return defineGraph({
    tables: {
      users: { name: `${prefix}-users`, partitionKey: 'userId' },
      posts: child('posts', 'postId'),
      comments: child('comments', 'commentId'),
    },
    buckets: { files: { name: `${prefix}-files` } },
    entities: {
      user: {
        table: 'users',
        objects: [{ kind: 'prefix', bucket: 'files', template: 'users/{userId}/' }],
      },
      post: childEntity('posts'),
      comment: childEntity('comments'),
    },
  });
}

async function seedUser(pipeline: PipelineHarness): Promise<void> {
  const table = (name: string) => pipeline.graph.tables[name]?.name ?? '';
  const writes: [string, Item][] = [
    [table('users'), { userId: USER }],
    [table('users'), { userId: NEIGHBOUR }],
  ];
  for (const [name, key] of [
    ['posts', 'postId'],
    ['comments', 'commentId'],
  ] as const) {
    for (let i = 0; i < ROWS_PER_TABLE; i++)
      writes.push([table(name), { [key]: `${USER}-${key}-${i}`, userId: USER }]);
    writes.push([table(name), { [key]: `${NEIGHBOUR}-${key}`, userId: NEIGHBOUR }]);
  }
  for (const batch of chunk(writes, 25)) {
    const requestItems: Record<string, { PutRequest: { Item: Item } }[]> = {};
    for (const [name, item] of batch)
      requestItems[name] = [...(requestItems[name] ?? []), { PutRequest: { Item: item } }];
    await outside.documents.send(new BatchWriteCommand({ RequestItems: requestItems }));
  }
  const bucket = pipeline.graph.buckets.files?.name ?? '';
  const keys = [
    ...Array.from({ length: OBJECTS }, (_, i) => `users/${USER}/file-${i}`),
    `users/${NEIGHBOUR}/file`,
  ];
  for (const key of keys)
    await outside.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x' }));
}

/** The user rows and the objects left after a deletion (the neighbour's must be). */
async function whatIsLeft(pipeline: PipelineHarness) {
  const users = await outside.documents.send(
    new ScanCommand({ TableName: pipeline.graph.tables.users?.name }),
  );
  const objects = await outside.s3.send(
    new ListObjectsV2Command({ Bucket: pipeline.graph.buckets.files?.name }),
  );
  return {
    users: (users.Items ?? []).map((item) => item.userId),
    objects: (objects.Contents ?? []).map((object) => object.Key),
  };
}

interface MiddlewareStack {
  add(
    middleware: (
      next: (args: { input: unknown }) => Promise<unknown>,
      context: { commandName?: string },
    ) => (args: { input: unknown }) => Promise<unknown>,
    options: { step: 'initialize'; name: string },
  ): void;
}

/**
 * The kind of state item (`UNIT`, `SCOPE`, …) of every GetItem the pipeline's clients make,
 * and `HOLDS` for every Query of the holds partition.
 */
function recordItemReads(pipeline: PipelineHarness): string[] {
  const reads: string[] = [];
  const stack = (pipeline.clients.dynamodb as unknown as { middlewareStack: MiddlewareStack })
    .middlewareStack;
  stack.add(
    (next, context) => async (args) => {
      const input = args.input as {
        Key?: { sk?: { S?: string } | string };
        ExpressionAttributeValues?: Record<string, { S?: string } | string>;
      };
      const sk = input.Key?.sk;
      const text = typeof sk === 'string' ? sk : sk?.S;
      if (context.commandName === 'GetItemCommand' && text) reads.push(text.split('#')[0] ?? '');
      const partition = input.ExpressionAttributeValues?.[':pk'];
      const queried = typeof partition === 'string' ? partition : partition?.S;
      if (context.commandName === 'QueryCommand' && queried === 'HOLDS') reads.push('HOLDS');
      return next(args);
    },
    { step: 'initialize', name: 'recordItemReads' },
  );
  return reads;
}

async function deleteUser(label: string, settings: SettingsInput = {}) {
  // The harness's 4 s visibility would also bound the inline chain (half of it) on a busy
  // machine: a minute keeps the budget's unit count the only limit here.
  const pipeline = await createPipelineHarness(label, {
    graph: usersGraph,
    settings: { visibilityTimeoutSeconds: 60, ...settings },
  });
  await seedUser(pipeline);
  const sent: string[] = [];
  const { jobId } = await pipeline.engine.requestDeletion({ entity: 'user', id: USER });
  const reads = recordItemReads(pipeline);
  const job = await pipeline.run(jobId, { onMessage: (body) => sent.push(body) });
  expect(pipeline.handlerErrors).toEqual([]);
  const units = await unitsOf(pipeline, jobId);
  return { pipeline, job, sent, units, reads };
}

describe('A small job', () => {
  it('completes after one queue message: the worker runs the units its commits plan itself', async () => {
    // Prepare / Act
    const { job, sent, units } = await deleteUser('small');

    // Assess: everything of the user went, counted once.
    expect(job.counts['user.post.userId']?.rowsDeleted).toBe(ROWS_PER_TABLE);
    expect(job.counts['user.comment.userId']?.rowsDeleted).toBe(ROWS_PER_TABLE);
    expect(job.counts['root.user']).toMatchObject({ rowsDeleted: 1, objectsDeleted: OBJECTS });
    // Only the root cascade's message went through the queue; the rest ran inline.
    expect(sent.map((body) => JSON.parse(body).type)).toEqual(['cascade']);
    const kinds = units.map((u) => `${u.kind}${u.ranInline ? ' (inline)' : ''}`).sort();
    expect(kinds).toEqual([
      'cascade',
      'finalize (inline)',
      'prefix (inline)',
      'rows (inline)',
      'rows (inline)',
    ]);
  });

  it('reads back neither the units nor the scope its own chain wrote', async () => {
    // Prepare / Act
    const { reads } = await deleteUser('small-reads');

    // Assess: the queued cascade's unit is read; the four units its chain planned, and the
    // scope it opened and finalized, are known from the chain's own commits.
    expect(reads.filter((kind) => kind === 'UNIT')).toHaveLength(1);
    expect(reads.filter((kind) => kind === 'SCOPE')).toHaveLength(0);
  });

  it('queries the legal holds once for the chain, and before every unit with holdsMaxAgeMs 0', async () => {
    // Prepare / Act: 10 s, so a slow machine's chain stays inside one snapshot.
    const shared = await deleteUser('small-holds', { holdsMaxAgeMs: 10_000 });
    const each = await deleteUser('small-holds-off', { holdsMaxAgeMs: 0 });

    // Assess: five units check holds (cascade, two rows pages, finalize, prefix).
    expect(shared.reads.filter((kind) => kind === 'HOLDS')).toHaveLength(1);
    expect(each.reads.filter((kind) => kind === 'HOLDS')).toHaveLength(5);
  });

  it('reads each unit and the scope when every unit goes through the queue', async () => {
    // Prepare / Act
    const { reads } = await deleteUser('small-reads-off', { inlineUnitsPerMessage: 0 });

    // Assess: each of the 5 units is read when its message arrives; the last rows unit
    // reads the scope to close it, and the finalize reads it again.
    expect(reads.filter((kind) => kind === 'UNIT')).toHaveLength(5);
    expect(reads.filter((kind) => kind === 'SCOPE')).toHaveLength(2);
  });

  it('sends every unit through the queue with inlineUnitsPerMessage 0', async () => {
    // Prepare / Act
    const { job, sent, units } = await deleteUser('small-off', { inlineUnitsPerMessage: 0 });

    // Assess
    expect(job.counts['root.user']).toMatchObject({ rowsDeleted: 1, objectsDeleted: OBJECTS });
    expect(sent.map((body) => JSON.parse(body).type).sort()).toEqual([
      'cascade',
      'finalize',
      'prefix',
      'rows',
      'rows',
    ]);
    expect(units.some((u) => u.ranInline)).toBe(false);
  });
});

/** How many requests of each command the pipeline's DynamoDB client makes from now on. */
function countCommands(pipeline: PipelineHarness): Map<string, number> {
  const counts = new Map<string, number>();
  const stack = (pipeline.clients.dynamodb as unknown as { middlewareStack: MiddlewareStack })
    .middlewareStack;
  stack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? '';
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countCommands' },
  );
  return counts;
}

describe("A small job's rows, erased in their settle", () => {
  it('deletes each page and the user row in the transaction that settles it: no pin, no BatchWriteItem', async () => {
    // Prepare
    const run = async (label: string, settings: SettingsInput) => {
      const pipeline = await createPipelineHarness(label, {
        graph: usersGraph,
        settings: { visibilityTimeoutSeconds: 60, ...settings },
      });
      await seedUser(pipeline);
      const { jobId } = await pipeline.engine.requestDeletion({ entity: 'user', id: USER });
      const counts = countCommands(pipeline);
      const job = await pipeline.run(jobId);
      return { pipeline, job, counts };
    };

    // Act
    const inSettle = await run('small-settle', {});
    const pinned = await run('small-pinned', { rowsInSettleMax: 0 });

    // Assess: the same counts either way; three pins and three BatchWriteItems fewer: both
    // rows pages and the finalize's user row, whose prefix unit is planned in that settle.
    for (const { job } of [inSettle, pinned]) {
      expect(job.counts['user.post.userId']?.rowsDeleted).toBe(ROWS_PER_TABLE);
      expect(job.counts['user.comment.userId']?.rowsDeleted).toBe(ROWS_PER_TABLE);
      expect(job.counts['root.user']).toMatchObject({ rowsDeleted: 1, objectsDeleted: OBJECTS });
    }
    expect(inSettle.counts.get('BatchWriteItemCommand')).toBeUndefined();
    expect(pinned.counts.get('BatchWriteItemCommand')).toBe(3);
    expect(pinned.counts.get('TransactWriteItemsCommand')).toBe(
      (inSettle.counts.get('TransactWriteItemsCommand') ?? 0) + 3,
    );
    expect(await whatIsLeft(inSettle.pipeline)).toEqual({
      users: [NEIGHBOUR],
      objects: [`users/${NEIGHBOUR}/file`],
    });
  });

  it('stops with UNIT_PINNED_MEANWHILE when a twin pinned the page first, and then follows the pin', async () => {
    // Prepare: the cascade has run; its rows units are planned.
    const pipeline = await createPipelineHarness('small-pin-race', {
      graph: usersGraph,
      settings: { visibilityTimeoutSeconds: 60, inlineUnitsPerMessage: 0 },
    });
    await seedUser(pipeline);
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'user', id: USER });
    const docs = pipeline.engine.context.docs;
    const engine = (
      documents: DocumentStore,
      settings: SettingsInput = {},
      crashPoint?: (point: string) => void,
    ) =>
      createEngine({
        graph: pipeline.graph,
        settings: { ...pipeline.settings, inlineUnitsPerMessage: 0, ...settings },
        documents,
        objects: pipeline.engine.context.objects,
        events: pipeline.events,
        queue: { send: async () => undefined },
        crashPoint,
      });
    const units = await unitsOf(pipeline, jobId);
    const cascade = units.find((u) => u.kind === 'cascade');
    await engine(docs).handleMessage(String(cascade?.body));
    const posts = (await unitsOf(pipeline, jobId)).find((u) =>
      String(u.unitId).startsWith('rows|user.post.userId'),
    );
    // The twin pins the page (it erases in no settle) and dies before erasing anything.
    const twin = engine(docs, { rowsInSettleMax: 0 }, (point) => {
      if (point === 'after-intent') throw new Error('twin dies after its pin');
    });
    let raced = false;
    const racing: DocumentStore = Object.assign(Object.create(docs) as DocumentStore, {
      transact: async (items: readonly TransactItem[]) => {
        const settlesInPlace = items.some(
          (i) => i.kind === 'check' && String(i.key.sk).startsWith('INTENT#'),
        );
        if (settlesInPlace && !raced) {
          raced = true;
          await expect(twin.handleMessage(String(posts?.body))).rejects.toThrow('twin dies');
        }
        return docs.transact(items);
      },
    });

    // Act
    const first = engine(racing).handleMessage(String(posts?.body));
    await expect(first).rejects.toMatchObject({ code: 'UNIT_PINNED_MEANWHILE' });
    const again = await engine(docs).handleMessage(String(posts?.body));

    // Assess: the run after follows the twin's pin, and the page is counted once.
    expect(raced).toBe(true);
    expect(again).toBe('done');
    const job = await pipeline.engine.getJob(jobId);
    expect(job?.counts['user.post.userId']?.rowsDeleted).toBe(ROWS_PER_TABLE);
    const settled = (await unitsOf(pipeline, jobId)).find((u) => u.unitId === posts?.unitId);
    expect(settled?.status).toBe('done');
  });
});

describe('A page erased in its settle, with prefixes', () => {
  // Each device row locates three prefixes: 25 rows plan 75 prefix units, which with 25 row
  // Deletes would pass TransactWriteItems' 100 actions (a fresh-user trial left this job stuck
  // with the default settings).
  const DEVICES = 25;
  const GROUPS = ['logs', 'crashes', 'backups'] as const;
  const devicesGraph = (prefix: string) =>
    defineGraph({
      tables: {
        users: { name: `${prefix}-users`, partitionKey: 'userId' },
        devices: {
          name: `${prefix}-devices`,
          partitionKey: 'deviceId',
          indexes: { byUser: { partitionKey: 'userId', sortKey: 'deviceId' } },
        },
      },
      buckets: { files: { name: `${prefix}-files` } },
      entities: {
        user: { table: 'users' },
        device: {
          table: 'devices',
          parents: [{ entity: 'user', attribute: 'userId', index: 'byUser', onDelete: 'cascade' }],
          objects: GROUPS.map((group) => ({
            kind: 'prefix' as const,
            bucket: 'files',
            template: `${group}/{deviceId}/`,
          })),
        },
      },
    });

  it('pins a page whose Deletes and prefix units would not fit one settle, and erases it all', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('settle-prefixes', {
      graph: devicesGraph,
      settings: { visibilityTimeoutSeconds: 60 },
    });
    const devices = pipeline.graph.tables.devices?.name ?? '';
    const writes = [
      { PutRequest: { Item: { userId: USER } } },
      ...Array.from({ length: DEVICES }, (_, i) => ({
        PutRequest: { Item: { deviceId: `d-${i}`, userId: USER } },
      })),
    ];
    await outside.documents.send(
      new BatchWriteCommand({
        RequestItems: { [pipeline.graph.tables.users?.name ?? '']: [writes[0] as never] },
      }),
    );
    for (const batch of chunk(writes.slice(1), 25))
      await outside.documents.send(new BatchWriteCommand({ RequestItems: { [devices]: batch } }));
    const bucket = pipeline.graph.buckets.files?.name ?? '';
    for (let i = 0; i < DEVICES; i++)
      for (const group of GROUPS)
        await outside.s3.send(
          new PutObjectCommand({ Bucket: bucket, Key: `${group}/d-${i}/x`, Body: 'x' }),
        );

    // Act
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'user', id: USER });
    const job = await pipeline.run(jobId, { timeoutMs: 60_000 });

    // Assess
    expect(pipeline.handlerErrors).toEqual([]);
    expect(job.status).toBe('completed');
    expect(job.counts['user.device.userId']).toMatchObject({
      rowsDeleted: DEVICES,
      objectsDeleted: DEVICES * GROUPS.length,
    });
    const left = await outside.s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(left.Contents ?? []).toEqual([]);
  });
});
