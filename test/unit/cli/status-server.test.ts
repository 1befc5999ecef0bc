import { afterEach, describe, expect, it } from 'vitest';
import type { StatusServer } from '../../../cli/ui/status-server.js';
import { startStatusServer } from '../../../cli/ui/status-server.js';
import type { StatusSource } from '../../../cli/ui/status-source.js';
import type { RecentJobsQuery } from '../../../lib/model/recent-jobs.js';

/** A source that answers an empty pipeline and remembers the job filters it was asked. */
function recordingSource(asked: RecentJobsQuery[]): StatusSource {
  const unused = () => Promise.reject(new Error('not used here'));
  return {
    description: 'test',
    endpoint: 'http://127.0.0.1:1',
    stateTable: 'state',
    overview: unused,
    jobs: async (query) => {
      asked.push(query);
      return { jobs: [] };
    },
    job: async () => undefined,
    plan: unused,
    mermaid: () => 'flowchart TD',
  };
}

let server: StatusServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('Function: startStatusServer', () => {
  it('refuses a job filter it does not know with 400 and what it accepts, and asks the source nothing', async () => {
    // Prepare
    const asked: RecentJobsQuery[] = [];
    server = await startStatusServer({ source: recordingSource(asked) });

    // Act
    const jobs = await fetch(new URL('api/jobs?status=bogus', server.url));
    const events = await fetch(new URL('api/events?status=done&entity=%20', server.url));

    // Assess
    expect(jobs.status).toBe(400);
    expect(await jobs.json()).toEqual({
      problem: {
        code: 'error',
        message:
          'bad filter: status: expected one of running, waiting, completed, deleted, partial, blocked',
      },
    });
    expect(events.status).toBe(400);
    expect(((await events.json()) as { problem: { message: string } }).problem.message).toMatch(
      /^bad filter: status: expected one of .*; entity: /,
    );
    expect(asked).toEqual([]);
  });

  it('passes a known filter on to the source', async () => {
    // Prepare
    const asked: RecentJobsQuery[] = [];
    server = await startStatusServer({ source: recordingSource(asked) });

    // Act
    const jobs = await fetch(new URL('api/jobs?status=completed&entity=project', server.url));

    // Assess
    expect(jobs.status).toBe(200);
    expect(await jobs.json()).toEqual({ ok: { jobs: [] } });
    expect(asked).toEqual([{ status: 'completed', entity: 'project' }]);
  });
});
