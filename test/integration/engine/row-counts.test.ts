// Issue 15 §7, rows: a row count claims only rows that existed and that this job erased or
// nulled. Upstream changes are injected with SDK middleware on the engine's own client, at the
// moment that hurts, and made with a separate client; the job's counts are then compared with
// an outside count of what the job really changed (a scan by the test, never by lethe).
import { DeleteCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { destroyAwsClients } from '../../../lib/adapters/aws-clients.js';
import { totalOf } from '../../../lib/model/counters.js';
import type { Item } from '../../../lib/ports/document-store.js';
import { type ExampleDatasetSize, SMALL_SIZE } from '../../../local/example-dataset.js';
import { localClients } from '../support/local-clients.js';
import { createPipelineHarness, type PipelineHarness } from '../support/pipeline-harness.js';

const SIZE: ExampleDatasetSize = { ...SMALL_SIZE, projects: 1, snapshotsPerProject: 2 };
const PROJECT = 'acme-p01';

/** The upstream service: its own client, outside lethe's middleware. */
const upstream = localClients();
afterAll(() => destroyAwsClients(upstream));

function tableName(pipeline: PipelineHarness, table: string): string {
  return pipeline.graph.tables[table]?.name ?? '';
}

/** A document-client attribute as a plain value, whether the middleware sees it marshalled or not. */
function plain(value: unknown): unknown {
  if (value && typeof value === 'object' && 'S' in value) return (value as { S: string }).S;
  return value;
}

async function scan(pipeline: PipelineHarness, table: string): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await upstream.documents.send(
      new ScanCommand({ TableName: tableName(pipeline, table), ExclusiveStartKey: startKey }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** Runs `effect` once, after the first Query of `table`'s children returns its page. */
function afterFirstQuery(
  pipeline: PipelineHarness,
  table: string,
  effect: (items: Item[]) => Promise<void>,
) {
  let done = false;
  pipeline.clients.documents.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const input = args.input as { TableName?: string; IndexName?: string };
      if (
        !done &&
        /^Query(Command)?$/.test(String(context.commandName)) &&
        input.TableName === tableName(pipeline, table) &&
        input.IndexName !== undefined
      ) {
        done = true;
        await effect(((result.output as { Items?: Item[] }).Items ?? []) as Item[]);
      }
      return result;
    },
    { step: 'initialize', name: `upstreamAfterQuery-${table}` },
  );
}

describe('Counts: rows deleted', () => {
  it('leaves out rows removed upstream after their page was listed, also across a crashed run', async () => {
    // Prepare: two artifacts go upstream right after lethe listed them; the page's first run
    // crashes halfway through its deletes, so a second run finishes it.
    let crashed = false;
    const pipeline = await createPipelineHarness('cnt-rows', {
      crashPoint: (point, unitId) => {
        if (point === 'mid-page' && unitId.includes('project.artifact.projectId') && !crashed) {
          crashed = true;
          throw new Error('crash between the two halves of a page');
        }
      },
    });
    const dataset = await pipeline.seed(SIZE);
    const removed: string[] = [];
    afterFirstQuery(pipeline, 'artifacts', async (items) => {
      for (const item of items.slice(0, 2)) {
        const artifactId = String(plain(item.artifactId));
        await upstream.documents.send(
          new DeleteCommand({ TableName: tableName(pipeline, 'artifacts'), Key: { artifactId } }),
        );
        removed.push(artifactId);
      }
    });
    const before = (await scan(pipeline, 'artifacts')).filter((a) => a.projectId === PROJECT);

    // Act
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'acme' });
    const job = await pipeline.run(jobId);

    // Assess: what the job erased = what was there − what is left − what upstream removed.
    const after = (await scan(pipeline, 'artifacts')).filter((a) => a.projectId === PROJECT);
    expect(crashed).toBe(true);
    expect(removed).toHaveLength(2);
    expect(after).toEqual([]);
    expect(job.counts['project.artifact.projectId']?.rowsDeleted).toBe(
      before.length - after.length - removed.length,
    );
    expect(totalOf(job.counts, 'rowsDeleted')).toBe(dataset.expected.rowsDeleted - 2);
  });

  it('does not count the root row when it was removed before its deletion was asked for', async () => {
    // Prepare: the common stream-triggered case — upstream deleted the organization row first.
    const pipeline = await createPipelineHarness('cnt-root');
    const dataset = await pipeline.seed(SIZE);
    await upstream.documents.send(
      new DeleteCommand({
        TableName: tableName(pipeline, 'organizations'),
        Key: { orgId: 'acme' },
      }),
    );
    const plan = await pipeline.engine.plan('organization', 'acme');

    // Act
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'acme' });
    const job = await pipeline.run(jobId);

    // Assess
    expect(job.outcome).toBe('deleted');
    expect(job.counts['root.organization']?.rowsDeleted).toBeUndefined();
    expect(totalOf(job.counts, 'rowsDeleted')).toBe(dataset.expected.rowsDeleted - 1);
    expect(plan.totals.rowsDeleted).toBe(totalOf(job.counts, 'rowsDeleted'));
    expect((await pipeline.verify(dataset)).ok).toBe(true);
  });
});

describe('Counts: rows nulled', () => {
  it('neither nulls nor counts alerts re-pointed upstream, before or after the page was pinned', async () => {
    // Prepare: one alert moves to another project right after lethe listed it; another moves
    // just before lethe's own update of it. Every message is handled twice, concurrently.
    const pipeline = await createPipelineHarness('cnt-null');
    const dataset = await pipeline.seed(SIZE);
    const alerts = tableName(pipeline, 'alerts');
    const repoint = (alertId: string) =>
      upstream.documents.send(
        new UpdateCommand({
          TableName: alerts,
          Key: { alertId },
          UpdateExpression: 'SET projectId = :elsewhere',
          ExpressionAttributeValues: { ':elsewhere': 'p-elsewhere' },
        }),
      );
    const moved: string[] = [];
    afterFirstQuery(pipeline, 'alerts', async (items) => {
      const first = items[0];
      if (first === undefined) return;
      moved.push(String(plain(first.alertId)));
      await repoint(String(plain(first.alertId)));
    });
    pipeline.clients.documents.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { TableName?: string; Key?: Record<string, unknown> };
        if (
          /^Update(Item)?Command$/.test(String(context.commandName)) &&
          input.TableName === alerts
        ) {
          const alertId = String(plain(input.Key?.alertId));
          if (moved.length === 1 && !moved.includes(alertId)) {
            moved.push(alertId);
            await repoint(alertId);
          }
        }
        return next(args);
      },
      { step: 'initialize', name: 'upstreamBeforeUpdate' },
    );
    const pointing = (items: Item[]) => items.filter((a) => a.projectId === PROJECT).length;
    const before = pointing(await scan(pipeline, 'alerts'));

    // Act
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'acme' });
    const job = await pipeline.run(jobId, { duplicate: true });

    // Assess: nulled = pointed at the project before − moved elsewhere; nothing points there now.
    const after = await scan(pipeline, 'alerts');
    expect(moved).toHaveLength(2);
    expect(pointing(after)).toBe(0);
    expect(after.filter((a) => a.projectId === 'p-elsewhere').map((a) => a.alertId)).toEqual(
      expect.arrayContaining(moved),
    );
    expect(totalOf(job.counts, 'rowsNulled')).toBe(before - moved.length);
    expect(totalOf(job.counts, 'rowsNulled')).toBe(dataset.expected.rowsNulled - 2);
  });
});
