import { beforeAll, describe, expect, it } from 'vitest';
import { exampleGraph } from '../../../infra/example-graph.js';
import { createDynamoDbDocumentStore } from '../../../lib/adapters/dynamodb-document-store.js';
import { newJobItem } from '../../../lib/model/jobs.js';
import { listRecentJobs, type RecentJobsQuery } from '../../../lib/model/recent-jobs.js';
import type { StateContext } from '../../../lib/model/state-context.js';
import { stateIndex } from '../../../lib/model/state-keys.js';
import { resolveSettings } from '../../../lib/settings.js';
import { provisionLocal } from '../../../local/provision-local.js';
import { localClients, uniquePrefix } from '../support/local-clients.js';

/** Jobs as the engine writes them, oldest first; a collected one sits in `JOBS#expiring`. */
const JOBS = [
  { jobId: 'j1', entity: 'organization', requester: 'cli', state: 'expiring', outcome: 'deleted' },
  { jobId: 'j2', entity: 'project', requester: 'ingest', state: 'completed', outcome: 'partial' },
  { jobId: 'j3', entity: 'organization', requester: 'cli', state: 'running' },
  { jobId: 'j4', entity: 'project', requester: 'cli', state: 'completed', outcome: 'deleted' },
  { jobId: 'j5', entity: 'organization', requester: 'ingest', state: 'running', waiting: 2 },
  { jobId: 'j6', entity: 'project', requester: 'cli', state: 'running' },
] as const;

let state: StateContext;

beforeAll(async () => {
  const clients = localClients();
  const prefix = uniquePrefix('recent-jobs');
  const settings = resolveSettings({
    stateTableName: `${prefix}-state`,
    workQueueName: `${prefix}-work`,
    deadLetterQueueName: `${prefix}-dlq`,
  });
  await provisionLocal(clients, exampleGraph({ prefix }), settings);
  state = {
    docs: createDynamoDbDocumentStore(clients),
    table: settings.stateTableName,
    now: () => new Date(),
  };
  for (const [n, job] of JOBS.entries()) {
    const item = newJobItem(
      {
        jobId: job.jobId,
        entity: job.entity,
        id: `id-${n}`,
        shard: 0,
        seq: n + 1,
        requester: job.requester,
        planned: 1,
      },
      new Date(Date.UTC(2026, 0, 1, 0, n)),
    );
    await state.docs.put(state.table, {
      ...item,
      ...(job.state === 'running'
        ? { waiting: 'waiting' in job ? job.waiting : 0 }
        : { status: 'completed', outcome: job.outcome, settled: 1 }),
      gsi1pk: stateIndex.jobsByStatus(job.state),
    });
  }
});

async function allPages(query: RecentJobsQuery): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let before: string | undefined;
  let pages = 0;
  do {
    const page = await listRecentJobs(state, { ...query, before });
    ids.push(...page.jobs.map((j) => j.jobId));
    before = page.next;
    pages++;
  } while (before !== undefined && pages < 20);
  return { ids, pages };
}

describe('listRecentJobs', () => {
  it('pages through every job newest first, running, completed and collected alike', async () => {
    const first = await listRecentJobs(state, { limit: 2 });
    const all = await allPages({ limit: 2 });

    expect(first.jobs.map((j) => j.jobId)).toEqual(['j6', 'j5']);
    expect(first.next).toBeDefined();
    expect(all.ids).toEqual(['j6', 'j5', 'j4', 'j3', 'j2', 'j1']);
  });

  it('filters by what an operator calls a status: waiting, completed, and each outcome', async () => {
    const ids = async (query: RecentJobsQuery) => (await allPages(query)).ids;

    expect(await ids({ status: 'running' })).toEqual(['j6', 'j5', 'j3']);
    expect(await ids({ status: 'waiting' })).toEqual(['j5']);
    expect(await ids({ status: 'completed', limit: 1 })).toEqual(['j4', 'j2', 'j1']);
    expect(await ids({ status: 'deleted' })).toEqual(['j4', 'j1']);
    expect(await ids({ status: 'partial' })).toEqual(['j2']);
    expect(await ids({ status: 'blocked' })).toEqual([]);
  });

  it('filters by entity and requester, together with paging', async () => {
    expect((await allPages({ entity: 'organization', limit: 1 })).ids).toEqual(['j5', 'j3', 'j1']);
    expect((await allPages({ requester: 'cli', entity: 'project' })).ids).toEqual(['j6', 'j4']);
    expect((await allPages({ requester: 'nobody' })).ids).toEqual([]);
  });
});
