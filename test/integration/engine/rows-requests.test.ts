// Issue 21 and issue 17 §4: what a page of rows costs in requests. The engine's own client
// is counted with SDK middleware; the test watches the job through a separate client, so
// only lethe's requests are counted. The rows are plain leaves (no objects) of one parent,
// listed by a GSI — the bench's row graph.
import { BatchWriteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { destroyAwsClients } from '../../../lib/adapters/aws-clients.js';
import { defineGraph } from '../../../lib/graph/define-graph.js';
import { listRestoreLog, readRestoreLogBody } from '../../../lib/model/restore-log.js';
import { stateKeys } from '../../../lib/model/state-keys.js';
import type { Item } from '../../../lib/ports/document-store.js';
import { chunk, sleep } from '../../../lib/retry.js';
import type { SettingsInput } from '../../../lib/settings.js';
import { startSqsPoller } from '../../../local/sqs-poller.js';
import { localClients } from '../support/local-clients.js';
import { createPipelineHarness, type PipelineHarness } from '../support/pipeline-harness.js';
import { unitsOf } from './engine-test-support.js';

const ROWS = 250;
const PARENT = 'parent-1';

/** The upstream service and the test's own reads: outside lethe's counted client. */
const outside = localClients();
afterAll(() => destroyAwsClients(outside));

function rowsGraph(prefix: string) {
  return defineGraph({
    tables: {
      parents: { name: `${prefix}-parents`, partitionKey: 'parentId' },
      children: {
        name: `${prefix}-children`,
        partitionKey: 'childId',
        indexes: { byParent: { partitionKey: 'parentId', sortKey: 'childId' } },
      },
    },
    entities: {
      parent: { table: 'parents' },
      child: {
        table: 'children',
        parents: [
          { entity: 'parent', attribute: 'parentId', index: 'byParent', onDelete: 'cascade' },
        ],
      },
    },
  });
}

interface Counted {
  /** Requests by command name, without the `Command` suffix. */
  readonly requests: Map<string, number>;
  /** BatchGetItem requests by table, and whether each asked for a projection. */
  readonly batchGets: { table: string; projected: boolean }[];
  /** Query requests by table. */
  readonly queries: Map<string, number>;
  /** GetItem requests by the kind of state item read (`UNIT`, `INTENT`, `SCOPE`, `JOB`…). */
  readonly stateGets: Map<string, number>;
}

/** An attribute as a plain value, whether the middleware sees it marshalled or not. */
function plain(value: unknown): unknown {
  if (value && typeof value === 'object' && 'S' in value) return (value as { S: string }).S;
  return value;
}

/** Counts the requests the engine's DynamoDB client sends from now on. */
function countRequests(pipeline: PipelineHarness): Counted {
  const counted: Counted = {
    requests: new Map(),
    batchGets: [],
    queries: new Map(),
    stateGets: new Map(),
  };
  pipeline.clients.documents.middlewareStack.add(
    (next, context) => async (args) => {
      // The document client's commands reach the stack under the table API's names.
      const command = String(context.commandName)
        .replace(/Command$/, '')
        .replace(/^(Get|BatchGet|Put|Delete|Update|BatchWrite|TransactWrite)$/, '$1Item')
        .replace(/^TransactWriteItem$/, 'TransactWriteItems');
      counted.requests.set(command, (counted.requests.get(command) ?? 0) + 1);
      const input = args.input as {
        RequestItems?: Record<string, { ProjectionExpression?: string }>;
        TableName?: string;
        Key?: { sk?: unknown };
      };
      if (command === 'BatchGetItem') {
        for (const [table, request] of Object.entries(input.RequestItems ?? {}))
          counted.batchGets.push({ table, projected: request.ProjectionExpression !== undefined });
      }
      if (command === 'Query') {
        const table = String(input.TableName);
        counted.queries.set(table, (counted.queries.get(table) ?? 0) + 1);
      }
      if (command === 'GetItem' && input.TableName === pipeline.settings.stateTableName) {
        const kind = String(plain(input.Key?.sk) ?? '').split('#')[0] ?? '';
        counted.stateGets.set(kind, (counted.stateGets.get(kind) ?? 0) + 1);
      }
      return next(args);
    },
    { step: 'initialize', name: 'countRowsRequests' },
  );
  return counted;
}

async function seedRows(pipeline: PipelineHarness): Promise<Item[]> {
  const table = (name: string) => pipeline.graph.tables[name]?.name ?? '';
  const children: Item[] = Array.from({ length: ROWS }, (_, i) => ({
    childId: `c-${String(i).padStart(4, '0')}`,
    parentId: PARENT,
    label: `child ${i}`,
    tags: new Set(['a', `t${i % 3}`]),
  }));
  const neighbours: Item[] = [0, 1, 2].map((i) => ({ childId: `n-${i}`, parentId: 'parent-2' }));
  const writes: [string, Item][] = [
    [table('parents'), { parentId: PARENT }],
    [table('parents'), { parentId: 'parent-2' }],
    ...[...children, ...neighbours].map((item): [string, Item] => [table('children'), item]),
  ];
  for (const batch of chunk(writes, 25)) {
    const requestItems: Record<string, { PutRequest: { Item: Item } }[]> = {};
    for (const [name, item] of batch) {
      requestItems[name] = [...(requestItems[name] ?? []), { PutRequest: { Item: item } }];
    }
    await outside.documents.send(new BatchWriteCommand({ RequestItems: requestItems }));
  }
  return children;
}

/** Runs the work queue until the job completes, watching it through the outside client. */
async function runToCompletion(pipeline: PipelineHarness, jobId: string): Promise<void> {
  const poller = startSqsPoller({
    consumer: pipeline.consumer,
    queueUrl: pipeline.workQueueUrl,
    queueArn: await pipeline.consumer.queueArn(pipeline.workQueueUrl),
    region: pipeline.clients.region,
    concurrency: 2,
    visibilityTimeoutSeconds: pipeline.settings.visibilityTimeoutSeconds,
    handler: async (records) => {
      const failures: { itemIdentifier: string }[] = [];
      for (const record of records) {
        try {
          await pipeline.engine.handleMessage(record.body);
        } catch (error) {
          pipeline.handlerErrors.push(error);
          failures.push({ itemIdentifier: record.messageId });
        }
      }
      return { batchItemFailures: failures };
    },
  });
  try {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const job = await outside.documents.send(
        new GetCommand({ TableName: pipeline.settings.stateTableName, Key: stateKeys.job(jobId) }),
      );
      if (job.Item?.status === 'completed') return;
      await sleep(100);
    }
    throw new Error(`job ${jobId} did not complete`);
  } finally {
    await poller.stop();
  }
}

async function deleteParent(label: string, settings: SettingsInput) {
  const pipeline = await createPipelineHarness(label, { graph: rowsGraph, settings });
  const seeded = await seedRows(pipeline);
  const counted = countRequests(pipeline);
  const { jobId } = await pipeline.engine.requestDeletion({ entity: 'parent', id: PARENT });
  await runToCompletion(pipeline, jobId);
  expect(pipeline.handlerErrors).toEqual([]);
  const job = await pipeline.engine.getJob(jobId);
  const units = await unitsOf(pipeline, jobId);
  const rowUnits = units.filter((unit) => unit.kind === 'rows');
  return { pipeline, seeded, counted, jobId, job, units, rowUnits };
}

const childrenTable = (pipeline: PipelineHarness) => pipeline.graph.tables.children?.name ?? '';

describe('Rows: requests per page', () => {
  it('reads a logged page once: one strongly consistent BatchGetItem per 100 rows, whole items', async () => {
    // Prepare / Act: one unit takes the whole page (the log is on: the default 7 days).
    const { pipeline, seeded, counted, jobId, job } = await deleteParent('rq-log', {
      pageSize: 500,
    });

    // Assess: 250 rows, read once, in three requests of up to 100 keys, not six.
    expect(job?.counts['parent.child.parentId']?.rowsDeleted).toBe(ROWS);
    const reads = counted.batchGets.filter((read) => read.table === childrenTable(pipeline));
    expect(reads).toHaveLength(Math.ceil(ROWS / 100));
    expect(reads.every((read) => !read.projected)).toBe(true);
    // And the log holds every row as it was, from that one read.
    const state = pipeline.engine.context.state;
    const logged: Item[] = [];
    for (const { entry, item } of await listRestoreLog(state, jobId)) {
      if (entry.relation !== 'parent.child.parentId') continue;
      const body = await readRestoreLogBody(pipeline.engine.context.objects, item);
      if (body.kind === 'rows') logged.push(...body.rows);
    }
    const byId = (a: Item, b: Item) => String(a.childId).localeCompare(String(b.childId));
    expect(logged.sort(byId)).toEqual(seeded.sort(byId));
  });

  it('reads keys only when the entity keeps nothing (restoreWindowDays 0), and logs nothing', async () => {
    // Prepare / Act
    const { pipeline, counted, jobId, job } = await deleteParent('rq-nolog', {
      pageSize: 500,
      restoreWindowDays: 0,
    });

    // Assess
    expect(job?.counts['parent.child.parentId']?.rowsDeleted).toBe(ROWS);
    const reads = counted.batchGets.filter((read) => read.table === childrenTable(pipeline));
    expect(reads).toHaveLength(Math.ceil(ROWS / 100));
    expect(reads.every((read) => read.projected)).toBe(true);
    expect(await listRestoreLog(pipeline.engine.context.state, jobId)).toEqual([]);
  });

  it('reads no intent and no scope per page of a clean run: a unit reads only its own item', async () => {
    // Prepare / Act: pages of 25 rows, one page a unit: ten units of rows in a chain.
    const { counted, job, units, rowUnits } = await deleteParent('rq-state', {
      pageSize: 25,
      rowPagesPerUnit: 1,
    });

    // Assess: a unit that came through the queue reads its unit item once; one its chain
    // planned and ran inline reads none (its commit wrote it). No run found an intent pinned
    // before it, so none reads one; a page gives its scope slot back without reading the
    // scope unless it is the scope's last (then the scope's finalize is planned), and only a
    // unit whose commit may have been the job's last reads the job.
    expect(job?.counts['parent.child.parentId']?.rowsDeleted).toBe(ROWS);
    expect(rowUnits.length).toBeGreaterThanOrEqual(ROWS / 25);
    expect(units).toHaveLength(job?.planned ?? 0);
    expect(units.some((unit) => unit.ranInline)).toBe(true);
    expect(counted.stateGets.get('UNIT')).toBe(units.filter((unit) => !unit.ranInline).length);
    expect(counted.stateGets.get('INTENT') ?? 0).toBe(0);
    expect(counted.stateGets.get('SCOPE') ?? 0).toBeLessThan(rowUnits.length / 2);
    expect(counted.stateGets.get('JOB') ?? 0).toBeLessThan(rowUnits.length / 2);
  });

  it('takes rowPagesPerUnit pages of rows that locate no objects in one unit, with one Query', async () => {
    // Prepare / Act: pages of 50 rows, two a unit.
    const { pipeline, counted, job, rowUnits } = await deleteParent('rq-pages', {
      pageSize: 50,
      rowPagesPerUnit: 2,
    });

    // Assess: 250 rows in units of 100 (a last, empty page may follow the last full one).
    expect(job?.counts['parent.child.parentId']?.rowsDeleted).toBe(ROWS);
    expect(rowUnits.length).toBeGreaterThanOrEqual(Math.ceil(ROWS / 100));
    expect(rowUnits.length).toBeLessThanOrEqual(Math.ceil(ROWS / 100) + 1);
    // One Query of the children per unit.
    expect(counted.queries.get(childrenTable(pipeline))).toBe(rowUnits.length);
  });
});
