// The consumer's own test: lethe/local runs lethe on emulators with this app's graph; one user
// is deleted end to end, and the result is read back with plain SDK clients.
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DELETION_COMPLETED, deletionCompletedDetailSchema } from 'lethe';
import { type InMemoryEventBus, type LocalRuntime, startLocalRuntime } from 'lethe/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graph } from '../graph.ts';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
let runtime: LocalRuntime;
let dynamodb: DynamoDBClient;
let s3: S3Client;

async function put(table: string, item: Record<string, string>) {
  const Item = Object.fromEntries(Object.entries(item).map(([k, v]) => [k, { S: v }]));
  await dynamodb.send(new PutItemCommand({ TableName: table, Item }));
}

async function get(table: string, key: Record<string, string>) {
  const Key = Object.fromEntries(Object.entries(key).map(([k, v]) => [k, { S: v }]));
  const { Item } = await dynamodb.send(
    new GetItemCommand({ TableName: table, Key, ConsistentRead: true }),
  );
  return Item;
}

async function keysUnder(prefix: string) {
  const listed = await s3.send(
    new ListObjectsV2Command({ Bucket: 'acme-uploads', Prefix: prefix }),
  );
  return (listed.Contents ?? []).map((object) => object.Key);
}

beforeAll(async () => {
  // Streams off: the rows are seeded a moment before the deletion, and their INSERT records,
  // read after the tombstone, would each start a row-after-tombstone job of their own (at the
  // streams' one-second resolution a row written just before a deletion looks like one written
  // just after), racing the user's job for the counts this test asserts exactly.
  runtime = await startLocalRuntime({ graph, sweepEveryMs: 0, streams: false });
  const { region, endpoints } = runtime.stack;
  dynamodb = new DynamoDBClient({ region, endpoint: endpoints.dynamodb, credentials });
  s3 = new S3Client({ region, endpoint: endpoints.s3, credentials, forcePathStyle: true });
  for (const userId of ['u1', 'u2']) {
    await put('acme-users', { userId });
    await put('acme-devices', { deviceId: `${userId}-phone`, userId });
    await put('acme-devices', { deviceId: `${userId}-laptop`, userId });
    await put('acme-audit', { eventId: `${userId}-login`, userId });
    // A carriage return is a character S3 allows in a key; lethe/local's emulator keeps it.
    const names = ['avatar.png', 'docs/cv.pdf', ...(userId === 'u1' ? ['notes\r.txt'] : [])];
    for (const name of names)
      await s3.send(
        new PutObjectCommand({
          Bucket: 'acme-uploads',
          Key: `users/${userId}/${name}`,
          Body: name,
        }),
      );
  }
});

afterAll(async () => {
  dynamodb?.destroy();
  s3?.destroy();
  await runtime?.stop();
});

describe('deleting a user', () => {
  it('erases the user, its devices and uploads, nulls its audit events, and leaves u2 alone', async () => {
    const events = runtime.events as InMemoryEventBus;
    const completed = new Promise<unknown>((resolve) => {
      events.onEvent((event) => {
        if (event.detailType === DELETION_COMPLETED) resolve(event.detail);
      });
    });

    const { jobId } = await runtime.engine.requestDeletion({ entity: 'user', id: 'u1' });
    const detail = deletionCompletedDetailSchema.parse(await completed);

    expect(detail).toMatchObject({ jobId, entity: 'user', id: 'u1', outcome: 'deleted' });
    expect(detail.totals).toMatchObject({ rowsDeleted: 3, rowsNulled: 1, objectsDeleted: 3 });
    expect(await get('acme-users', { userId: 'u1' })).toBeUndefined();
    expect(await get('acme-devices', { deviceId: 'u1-phone' })).toBeUndefined();
    expect(await get('acme-devices', { deviceId: 'u1-laptop' })).toBeUndefined();
    expect(await keysUnder('users/u1/')).toEqual([]);
    const audit = await get('acme-audit', { eventId: 'u1-login' });
    expect(audit?.eventId).toEqual({ S: 'u1-login' });
    expect(audit?.userId).toBeUndefined();
    expect(await get('acme-users', { userId: 'u2' })).toBeDefined();
    expect(await get('acme-devices', { deviceId: 'u2-phone' })).toBeDefined();
    expect(await get('acme-audit', { eventId: 'u2-login' })).toMatchObject({ userId: { S: 'u2' } });
    expect((await keysUnder('users/u2/')).sort()).toEqual([
      'users/u2/avatar.png',
      'users/u2/docs/cv.pdf',
    ]);
  });
});
