import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { SMALL_SIZE } from '../../../lib/local/example-dataset.js';
import { createPipelineHarness, type PipelineHarness } from '../support/pipeline-harness.js';

const root = resolve(import.meta.dirname, '../../..');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function lethe(args: string[]): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(root, 'bin/lethe.js'), ...args], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** A connection file like `lethe local` writes, pointing at a test pipeline on the shared stack. */
function connectTo(pipeline: PipelineHarness, prefix: string): string {
  const dir = join(root, '.lethe', 'test-connections');
  mkdirSync(dir, { recursive: true });
  const graphModule = join(dir, `${prefix}-graph.ts`);
  writeFileSync(
    graphModule,
    `import { exampleGraph } from '${join(root, 'infra/example-graph.ts')}';\nexport const graph = exampleGraph({ prefix: '${prefix}' });\n`,
  );
  const file = join(dir, `${prefix}.json`);
  const { endpoints, region } = inject('localStack');
  writeFileSync(
    file,
    JSON.stringify({
      version: 1,
      region,
      endpoints,
      stateTableName: pipeline.settings.stateTableName,
      workQueueName: pipeline.settings.workQueueName,
      deadLetterQueueName: pipeline.settings.deadLetterQueueName,
      workQueueUrl: pipeline.workQueueUrl,
      deadLetterQueueUrl: pipeline.deadLetterQueueUrl,
      graphModule,
      pid: process.pid,
    }),
  );
  return file;
}

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

    expect((await cli(['pause'])).stdout).toBe('paused\n');
    expect(JSON.parse((await cli(['sweep', '--json'])).stdout).report.paused).toBe(true);
    expect((await cli(['resume'])).stdout).toBe('resumed\n');
  });
});
