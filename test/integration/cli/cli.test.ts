import { describe, expect, it } from 'vitest';
import { SMALL_SIZE } from '../../../local/example-dataset.js';
import { connectTo, lethe } from '../support/lethe-cli.js';
import { createPipelineHarness } from '../support/pipeline-harness.js';

describe('CLI: errors', () => {
  it('rejects an unknown command with exit 2 and usage help', async () => {
    const run = await lethe(['explode']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/unknown command 'explode'/);
  });

  it('rejects a missing argument with exit 2', async () => {
    const run = await lethe(['plan', 'organization']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/missing required argument 'id'/);
  });

  it('reports an unknown entity in one line, without a stack trace', async () => {
    const run = await lethe([
      'plan',
      'planet',
      'x',
      '--endpoint',
      'http://127.0.0.1:1',
      '--state-table',
      's',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      'lethe: unknown entity "planet"; known: organization, membership, project, artifact, snapshot, alert',
    );
  });

  it('reports an unreachable endpoint in one line, and the stack only with --verbose', async () => {
    const quiet = await lethe([
      'status',
      'job-1',
      '--endpoint',
      'http://127.0.0.1:1',
      '--state-table',
      's',
    ]);
    const verbose = await lethe([
      '--verbose',
      'status',
      'job-1',
      '--endpoint',
      'http://127.0.0.1:1',
      '--state-table',
      's',
    ]);
    expect(quiet.code).toBe(1);
    expect(quiet.stderr.trim().split('\n')).toHaveLength(1);
    expect(quiet.stderr).toMatch(/^lethe: cannot reach http:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\)/);
    expect(verbose.stderr.split('\n').length).toBeGreaterThan(2);
  });

  const MAPPING = '6f1c0f64-2f5c-4b43-9a55-0b0e3c7d2a10';
  const AWS = ['--state-table', 'lethe-state', '--region', 'eu-west-1'];
  it.each([
    [
      'a pause on AWS that does not name the worker’s mapping',
      ['pause', ...AWS, '--sweeper-rule', 'sweep'],
      /^lethe: on AWS, pause needs the worker's event source mapping: give --worker-mapping <uuid> or --worker-function <name>/,
    ],
    [
      'a resume on AWS without any switch flag',
      ['resume', ...AWS],
      /^lethe: on AWS, resume needs the worker's event source mapping/,
    ],
    [
      'a mapping that is not a UUID',
      ['pause', ...AWS, '--worker-mapping', 'worker'],
      /^lethe: --worker-mapping must be an event source mapping UUID/,
    ],
    [
      'both the mapping and the function',
      ['pause', ...AWS, '--worker-mapping', MAPPING, '--worker-function', 'lethe-worker'],
      /^lethe: give --worker-mapping or --worker-function, not both/,
    ],
    [
      'a rule name EventBridge would refuse',
      ['status', ...AWS, '--sweeper-rule', 'sweep every 5 minutes'],
      /^lethe: --sweeper-rule must be an EventBridge rule name/,
    ],
    [
      'switch flags without the pipeline’s state table',
      ['pause', '--worker-mapping', MAPPING],
      /^lethe: --worker-mapping, --worker-function and --sweeper-rule name a deployed pipeline: give its --state-table/,
    ],
    [
      'a wait without end',
      ['pause', ...AWS, '--worker-mapping', MAPPING, '--wait', '--timeout', 'forever'],
      /^lethe: --timeout must be a number of seconds in \(0, 3600\], got "forever"/,
    ],
    [
      'a local stack swept at no schedule',
      ['local', '--sweep-every', 'abc'],
      /^lethe: --sweep-every must be a whole number of seconds, got "abc"/,
    ],
  ])('refuses %s with exit 2, before calling AWS', async (_case, args, message) => {
    // Act
    const run = await lethe(args);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });

  it('says how to start a local stack when none is running', async () => {
    const run = await lethe(['--connection', '/nonexistent/local.json', 'status']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no local stack is running \(start one with `lethe local`\)/);
  });
});

describe('CLI: commands against a local pipeline', () => {
  it('plans, deletes, shows status, sweeps, lists the DLQ and pauses, with versioned JSON', async () => {
    const pipeline = await createPipelineHarness('cli');
    const prefix = pipeline.graph.tables.projects?.name.replace(/-projects$/, '') ?? '';
    const connection = connectTo(pipeline, prefix);
    const dataset = await pipeline.seed({ ...SMALL_SIZE, projects: 1 });
    const cli = (args: string[]) => lethe(['--connection', connection, ...args]);

    const graph = await cli(['graph', '--json']);
    expect(graph.code).toBe(0);
    expect(JSON.parse(graph.stdout)).toMatchObject({
      version: 1,
      entities: expect.arrayContaining(['organization']),
    });
    expect((await cli(['graph', '--mermaid'])).stdout).toMatch(/^flowchart TD/);

    const plan = await cli(['plan', 'organization', 'acme', '--json']);
    expect(plan.code).toBe(0);
    const planned = JSON.parse(plan.stdout);
    expect(planned).toMatchObject({ version: 1, entity: 'organization', id: 'acme' });

    const deleted = await cli(['delete', 'organization', 'acme', '--json']);
    expect(deleted.code).toBe(0);
    const { jobId, created, version } = JSON.parse(deleted.stdout);
    expect({ created, version }).toEqual({ created: true, version: 1 });
    const job = await pipeline.run(jobId);

    const status = await cli(['status', jobId, '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      version: 1,
      job: { jobId, status: 'completed', outcome: 'deleted' },
    });
    expect(planned.totals.rowsDeleted).toBe(dataset.expected.rowsDeleted);
    expect(planned.totals.objectsDeleted).toBe(dataset.expected.objectsDeleted);
    expect(planned.totals.rowsNulled).toBe(job.counts['project.alert.projectId']?.rowsNulled);

    const list = await cli(['status', '--json']);
    expect(JSON.parse(list.stdout).jobs.map((j: { jobId: string }) => j.jobId)).toContain(jobId);

    const sweep = await cli(['sweep', '--json']);
    expect(JSON.parse(sweep.stdout)).toMatchObject({ version: 1, report: { paused: false } });
    // Collected by the sweep (moved to the `expiring` partition), the job is still listed.
    const swept = JSON.parse((await cli(['status', '--json'])).stdout);
    expect(swept.jobs.map((j: { jobId: string }) => j.jobId)).toContain(jobId);

    // Under load a redelivered copy of a settled unit can land there; the shape is what counts.
    const dlq = await cli(['dlq', 'list', '--json']);
    expect(dlq.code).toBe(0);
    expect(JSON.parse(dlq.stdout)).toMatchObject({ version: 1, messages: expect.any(Array) });

    const placed = await cli([
      'hold',
      'place',
      '--tenant',
      'tenant-acme',
      '--reason',
      'litigation',
      '--json',
    ]);
    expect(JSON.parse(placed.stdout)).toMatchObject({
      version: 1,
      hold: { holdId: 'tenant:tenant-acme', reason: 'litigation' },
    });
    expect(JSON.parse((await cli(['hold', 'list', '--json'])).stdout).holds).toHaveLength(1);
    expect(
      JSON.parse((await cli(['hold', 'lift', '--tenant', 'tenant-acme', '--json'])).stdout),
    ).toEqual({ version: 1, lifted: true });
    const bad = await cli(['hold', 'place', '--entity', 'project', '--reason', 'x']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^lethe: .*entity and its id, or a tenantId/);
    // An entity and a tenant at once is refused, not half placed.
    const both = ['--entity', 'project', '--id', 'p1', '--tenant', 't1'];
    const mixed = await cli(['hold', 'place', ...both, '--reason', 'x']);
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toMatch(/entity and its id, or a tenantId/);
    expect(JSON.parse((await cli(['hold', 'list', '--json'])).stdout).holds).toEqual([]);
    // Lifting a hold that is not there says so and exits 1 (a typo is not a success).
    const none = await cli(['hold', 'lift', '--tenant', 'tenant-acme', '--json']);
    expect(none.code).toBe(1);
    expect(JSON.parse(none.stdout)).toEqual({ version: 1, lifted: false });

    // No local runtime runs here: the flag is set, and nothing reports back.
    const paused = await cli(['pause', '--reason', 'maintenance', '--json']);
    expect(JSON.parse(paused.stdout)).toMatchObject({
      version: 1,
      paused: true,
      reason: 'maintenance',
      parts: [
        { part: 'worker', state: 'unknown' },
        { part: 'sweeper', state: 'unknown' },
      ],
    });
    expect(JSON.parse((await cli(['sweep', '--json'])).stdout).report.paused).toBe(true);
    const waited = await cli(['pause', '--wait', '--timeout', '1']);
    expect(waited.code).toBe(1);
    expect(waited.stderr).toMatch(
      /^lethe: gave up after 1 s waiting for disabled: worker local runtime is unknown \(no local runtime has reported/,
    );
    const resumed = await cli(['resume']);
    expect(resumed.stdout).toMatch(/^running \(not paused\)\n/);
    expect(JSON.parse((await cli(['status', '--json'])).stdout).pipeline).toMatchObject({
      paused: false,
    });
  });
});
