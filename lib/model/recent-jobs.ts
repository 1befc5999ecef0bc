// Recent jobs for the status page: newest first, in pages, filtered by what an operator
// asks about (status, entity, requester). Read through gsi1's jobs-by-status partitions, whose
// sort key is `<createdAt>#<jobId>`: each partition is already in time order, so a page is a
// merge of at most three descending Queries — no Scan, no new index.
import type { Expression, Item, Key } from '../ports/document-store.js';
import { type Job, jobFromItem } from './jobs.js';
import type { StateContext } from './state-context.js';
import { stateIndex } from './state-keys.js';

/**
 * What the page filters on: the stored status, or what an operator calls it — `waiting`
 * (running, with units waiting on guards) and the outcomes of completed jobs.
 */
export const JOB_FILTER_STATUSES = [
  'running',
  'waiting',
  'completed',
  'deleted',
  'partial',
  'blocked',
] as const;
export type JobFilterStatus = (typeof JOB_FILTER_STATUSES)[number];

export interface RecentJobsQuery {
  readonly status?: JobFilterStatus | undefined;
  readonly entity?: string | undefined;
  readonly requester?: string | undefined;
  /** Cursor from the previous page (`next`): only jobs older than it. */
  readonly before?: string | undefined;
  /** Jobs per page; default 20, at most 100. */
  readonly limit?: number | undefined;
}

export interface RecentJobsPage {
  readonly jobs: Job[];
  /** Cursor of the next (older) page; undefined on the last one. */
  readonly next?: string | undefined;
}

/** Items read per Query; a filter that matches little reads a few of these, never the table. */
const QUERY_PAGE = 100;
/** At most this many Queries per partition and page: a rare filter returns a short page. */
const MAX_QUERIES = 10;

/** The sort key a job has in gsi1, which is also the page cursor. */
export function jobCursor(job: Pick<Job, 'createdAt' | 'jobId'>): string {
  return `${job.createdAt}#${job.jobId}`;
}

/**
 * The gsi1 partitions a status lives in. A completed job moves from `completed` to `expiring`
 * once the sweeper collected it (collect-garbage.ts); it is still a completed job to show.
 */
function partitionsFor(status: JobFilterStatus | undefined): string[] {
  if (status === 'running' || status === 'waiting') return ['running'];
  if (status === undefined) return ['running', 'completed', 'expiring'];
  return ['completed', 'expiring'];
}

function filterFor(query: RecentJobsQuery): Expression | undefined {
  const terms: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  if (query.entity !== undefined) {
    terms.push('#entity = :entity');
    names['#entity'] = 'entity';
    values[':entity'] = query.entity;
  }
  if (query.requester !== undefined) {
    terms.push('requester = :requester');
    values[':requester'] = query.requester;
  }
  if (query.status === 'waiting') {
    terms.push('waiting > :zero');
    values[':zero'] = 0;
  }
  if (query.status === 'deleted' || query.status === 'partial' || query.status === 'blocked') {
    terms.push('outcome = :outcome');
    values[':outcome'] = query.status;
  }
  if (terms.length === 0) return undefined;
  return {
    expression: terms.join(' AND '),
    ...(Object.keys(names).length > 0 ? { names } : {}),
    values,
  };
}

/** Up to `limit` matching items of one status partition, newest first, and whether more remain. */
async function newestOf(
  state: StateContext,
  status: string,
  query: RecentJobsQuery,
  limit: number,
): Promise<{ items: Item[]; more: boolean; floor: string | undefined }> {
  const items: Item[] = [];
  const filter = filterFor(query);
  let startKey: Key | undefined;
  for (let queries = 0; queries < MAX_QUERIES; queries++) {
    const page = await state.docs.query({
      table: state.table,
      index: stateIndex.name,
      keyCondition:
        query.before === undefined
          ? { expression: 'gsi1pk = :pk', values: { ':pk': stateIndex.jobsByStatus(status) } }
          : {
              expression: 'gsi1pk = :pk AND gsi1sk < :before',
              values: { ':pk': stateIndex.jobsByStatus(status), ':before': query.before },
            },
      ...(filter ? { filter } : {}),
      limit: filter ? QUERY_PAGE : limit + 1,
      startKey,
      descending: true,
    });
    items.push(...page.items);
    startKey = page.lastKey;
    if (items.length > limit || startKey === undefined) break;
  }
  const more = items.length > limit || startKey !== undefined;
  // Where this partition's reading stopped: older items of it are unread.
  const floor = more ? String(startKey?.gsi1sk ?? items.at(-1)?.gsi1sk) : undefined;
  return { items, more, floor };
}

/**
 * One page of recent jobs, newest first. Pass the returned `next` as `before` for the page
 * after. A job that changes status between two pages may show on both, or on neither.
 */
export async function listRecentJobs(
  state: StateContext,
  query: RecentJobsQuery = {},
): Promise<RecentJobsPage> {
  const limit = Math.min(Math.max(1, Math.floor(query.limit ?? 20)), 100);
  const partitions = await Promise.all(
    partitionsFor(query.status).map((status) => newestOf(state, status, query, limit)),
  );
  // A partition that stopped reading early has unread jobs below its floor: the page must not
  // show the other partition's jobs from below it, or the next page would skip those.
  const floor = partitions
    .map((p) => p.floor)
    .filter((f): f is string => f !== undefined)
    .sort()
    .at(-1);
  const merged = partitions
    .flatMap((p) => p.items)
    .filter((item) => floor === undefined || String(item.gsi1sk) >= floor)
    .sort((a, b) => String(b.gsi1sk).localeCompare(String(a.gsi1sk)));
  const jobs = merged.slice(0, limit).map(jobFromItem);
  const last = jobs.at(-1);
  if (merged.length > limit && last) return { jobs, next: jobCursor(last) };
  return { jobs, ...(floor !== undefined ? { next: floor } : {}) };
}
