// The status page's server (`lethe ui`, `lethe local`, `lethe demo --ui`): Hono on Node's
// http server, bound to 127.0.0.1. It serves the page, mermaid from node_modules (no asset
// comes from the internet), a small read-only JSON API and one server-sent-events stream per
// open page that pushes what changed about once a second. Every failure becomes a sentence
// on the page (describe-ui-error.ts), never a stack trace.
import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import * as z from 'zod';
import { JOB_FILTER_STATUSES } from '../../lib/model/recent-jobs.js';
import { describeUiError, type UiProblem } from './describe-ui-error.js';
import { STATUS_PAGE_HTML } from './status-page.js';
import type { StatusSource } from './status-source.js';

export interface StatusServerOptions {
  readonly source: StatusSource;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** How often an open page is brought up to date, in ms (default 1,000). */
  readonly intervalMs?: number;
}

export interface StatusServer {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  /** Stops serving and ends every open page's stream. */
  close(): Promise<void>;
}

const text = z.string().trim().min(1).max(512);
// A filter the page did not send (a hand-written URL) is refused with what is accepted,
// rather than quietly ignored: an unfiltered list would look like the answer to the filter.
const jobsQuery = z.object({
  status: z
    .enum(JOB_FILTER_STATUSES, { error: `expected one of ${JOB_FILTER_STATUSES.join(', ')}` })
    .optional(),
  entity: text.optional(),
  requester: text.optional(),
  before: z.string().max(200).optional(),
});

/** The query's filters, or the problem that refuses it (HTTP 400). */
function parseJobsQuery(
  query: Record<string, string>,
): { readonly ok: z.infer<typeof jobsQuery> } | { readonly problem: UiProblem } {
  const parsed = jobsQuery.safeParse(query);
  if (parsed.success) return { ok: parsed.data };
  const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  return { problem: { code: 'error', message: `bad filter: ${problems.join('; ')}` } };
}
/** Job ids as lethe makes and accepts them (see work-message.ts). */
const jobIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

type Answer<T> = { readonly ok: T } | { readonly problem: UiProblem };

function notFound(jobId: string): UiProblem & { code: 'error' } {
  return {
    code: 'error',
    message: `no job "${jobId}" in this pipeline: it never existed here, or the sweeper collected it after its retention (\`lethe status\` lists the recent jobs).`,
  };
}

const mermaidPath = createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js');

export async function startStatusServer(options: StatusServerOptions): Promise<StatusServer> {
  const { source } = options;
  const intervalMs = options.intervalMs ?? 1000;
  const streams = new Set<{ abort(): void }>();
  let mermaidScript: Promise<string> | undefined;

  async function answer<T>(read: () => Promise<T>): Promise<Answer<T>> {
    try {
      return { ok: await read() };
    } catch (error) {
      return { problem: describeUiError(error, source) };
    }
  }
  async function jobAnswer(jobId: string) {
    if (!jobIdSchema.safeParse(jobId).success) return { problem: notFound(jobId) };
    const tree = await answer(() => source.job(jobId));
    if ('ok' in tree && tree.ok === undefined) return { problem: notFound(jobId) };
    return tree;
  }

  const app = new Hono();
  app.get('/', (c) => c.html(STATUS_PAGE_HTML));
  app.get('/assets/mermaid.min.js', async (c) => {
    mermaidScript ??= readFile(mermaidPath, 'utf8');
    c.header('content-type', 'text/javascript; charset=utf-8');
    c.header('cache-control', 'max-age=3600');
    return c.body(await mermaidScript);
  });
  app.get('/api/source', (c) =>
    c.json({ description: source.description, mermaid: source.mermaid() }),
  );
  app.get('/api/overview', async (c) => c.json(await answer(() => source.overview())));
  app.get('/api/jobs', async (c) => {
    const query = parseJobsQuery(c.req.query());
    if ('problem' in query) return c.json(query, 400);
    return c.json(await answer(() => source.jobs(query.ok)));
  });
  app.get('/api/jobs/:jobId', async (c) => c.json(await jobAnswer(c.req.param('jobId'))));
  app.get('/api/jobs/:jobId/plan', async (c) => {
    const jobId = c.req.param('jobId');
    const tree = await jobAnswer(jobId);
    if (!('ok' in tree) || tree.ok === undefined) return c.json(tree);
    const job = tree.ok.job;
    return c.json(await answer(() => source.plan(job.entity, job.id)));
  });
  app.get('/api/events', (c) => {
    const { job: jobId, ...filters } = c.req.query();
    const parsed = parseJobsQuery(filters);
    if ('problem' in parsed) return c.json(parsed, 400);
    const query = parsed.ok;
    return streamSSE(c, async (stream) => {
      const handle = { abort: () => stream.abort() };
      streams.add(handle);
      stream.onAbort(() => {
        streams.delete(handle);
      });
      const last = new Map<string, string>();
      const push = async (event: string, value: unknown) => {
        const data = JSON.stringify(value);
        if (last.get(event) === data) return;
        last.set(event, data);
        await stream.writeSSE({ event, data });
      };
      while (!stream.aborted && !stream.closed) {
        const [overview, jobs, job] = await Promise.all([
          answer(() => source.overview()),
          answer(() => source.jobs(query)),
          jobId ? jobAnswer(jobId) : Promise.resolve(undefined),
        ]);
        await push('overview', overview);
        await push('jobs', jobs);
        if (job) await push('job', job);
        await stream.sleep(intervalMs);
      }
    });
  });
  app.onError((error, c) => c.json({ problem: describeUiError(error, source) }, 500));

  const server = await new Promise<Server>((resolve, reject) => {
    const started = serve(
      { fetch: app.fetch, hostname: '127.0.0.1', port: options.port ?? 0 },
      () => resolve(started as Server),
    ) as Server;
    started.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    async close() {
      for (const stream of streams) stream.abort();
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
    },
  };
}
