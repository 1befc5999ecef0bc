import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { startStatusServer } from '../../../cli/ui/status-server.js';
import { createStatusSource } from '../../../cli/ui/status-source.js';
import { exampleGraph } from '../../../infra/example-graph.js';
import { createBulkWriter } from '../../../lib/adapters/bulk-writer.js';
import { createEngine } from '../../../lib/engine/create-engine.js';
import { waitForSwitch } from '../../../lib/engine/pause-pipeline.js';
import type { Job } from '../../../lib/model/jobs.js';
import { sleep } from '../../../lib/retry.js';
import { resolveSettings } from '../../../lib/settings.js';
import { type ExampleDatasetSize, seedExampleDataset } from '../../../local/example-dataset.js';
import { freePort } from '../../../local/free-port.js';
import { createInMemoryEventBus } from '../../../local/in-memory-event-bus.js';
import { createLocalPipelineSwitch } from '../../../local/local-pipeline-switch.js';
import { startLocalRuntime } from '../../../local/local-runtime.js';
import { launchChromium } from '../support/headless-chromium.js';
import { connectTo, lethe } from '../support/lethe-cli.js';
import { localClients, uniquePrefix } from '../support/local-clients.js';

const root = resolve(import.meta.dirname, '../../..');

/** Enough for a job of a few dozen units: its bar has somewhere to move. */
const SMALL: ExampleDatasetSize = {
  projects: 3,
  artifactsPerProject: 6,
  snapshotsPerProject: 2,
  imagesPerSnapshot: 2,
  imagePool: 3,
  imagesSharedWithDecoy: 1,
  alertsPerProject: 2,
  members: 3,
  prefixObjectsPerProject: 3,
  decoyScale: 1,
};

/** The kinds the page shows per relation, as `lethe status --json` counts them. */
const SHOWN_KINDS = [
  'rowsDeleted',
  'rowsNulled',
  'objectsDeleted',
  'objectsShared',
  'objectsLeftToTtl',
  'objectsFailed',
  'blocked',
  'failed',
] as const;

/** `lethe ui` as an operator runs it, on a connection file; resolves once it prints its address. */
async function startUi(connection: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [join(root, 'bin/lethe.js'), '--connection', connection, 'ui', '--port', '0'],
    { cwd: root },
  );
  onTestFinished(async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    await exited;
  });
  let stderr = '';
  const url = await new Promise<string>((done, fail) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const found = /status page is at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr);
      if (found?.[1]) done(found[1]);
    });
    child.once('exit', (code) => fail(new Error(`lethe ui exited (${code}): ${stderr}`)));
  });
  return { url, child };
}

/** A local runtime on the shared stack (its own tables and queues), as `lethe local` runs it. */
async function startRuntime(label: string) {
  const prefix = uniquePrefix(label);
  const runtime = await startLocalRuntime({
    graph: exampleGraph({ prefix }),
    stack: { ...inject('localStack'), stop: async () => undefined },
    settings: {
      stateTableName: `${prefix}-state`,
      workQueueName: `${prefix}-work`,
      deadLetterQueueName: `${prefix}-dlq`,
      visibilityTimeoutSeconds: 4,
    },
    sweepEveryMs: 1000,
    streams: false,
    logLevel: 'SILENT',
  });
  const connection = connectTo(runtime, prefix);
  onTestFinished(async () => {
    rmSync(connection, { force: true });
    await runtime.stop();
  });
  return {
    runtime,
    connection,
    cli: (args: string[]) => lethe(['--connection', connection, ...args]),
  };
}

async function textOf(page: Page, testId: string): Promise<string> {
  return ((await page.getByTestId(testId).first().textContent()) ?? '').trim();
}

let browser: Browser;
beforeAll(async () => {
  // Fails (never skips) when the browser is missing, with how to install it.
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('lethe ui: the status page in a real browser', () => {
  it('shows a deletion appear while paused, its progress move after resume, and end completed with the counts of `lethe status --json`', async () => {
    // Prepare
    const { runtime, connection, cli } = await startRuntime('ui');
    const dataset = await seedExampleDataset(
      runtime.graph,
      { writer: createBulkWriter(runtime.clients), stateTable: runtime.settings.stateTableName },
      SMALL,
    );
    const ui = await startUi(connection);
    const page = await browser.newPage();
    onTestFinished(() => page.close());
    const scriptErrors: string[] = [];
    page.on('pageerror', (error) => scriptErrors.push(error.message));
    await page.goto(ui.url);
    await page.getByTestId('pipeline-state').filter({ hasText: 'running' }).waitFor();

    // Act: pause, start a deletion, open it (in this process: each CLI run costs a start-up)
    await runtime.pause();
    // As `lethe pause --wait`: until the worker has no receive in flight that could take the job.
    await waitForSwitch(createLocalPipelineSwitch(runtime.engine.context.state), 'disabled', {
      timeoutMs: 30_000,
    });
    await page.getByTestId('pipeline-state').filter({ hasText: 'paused' }).waitFor();
    const { jobId } = await runtime.engine.requestDeletion({
      entity: 'organization',
      id: dataset.target.orgId,
      requester: 'ui-test',
    });
    const row = page.locator(`tr[data-job-id="${jobId}"]`);
    await row.waitFor();
    const statusWhilePaused = await row.getByTestId('job-row-status').textContent();
    await row.click();
    await page.getByTestId('job-id').filter({ hasText: jobId }).waitFor();
    await page.getByTestId('job-units').filter({ hasText: '0/1' }).waitFor();

    // Act: resume, and watch the job's units until the page says completed
    await runtime.resume();
    const seen: string[] = [await textOf(page, 'job-units')];
    const deadline = Date.now() + 90_000;
    while ((await textOf(page, 'job-status')) !== 'completed' && Date.now() < deadline) {
      const units = await textOf(page, 'job-units');
      if (units !== seen.at(-1)) seen.push(units);
      await sleep(50);
    }
    seen.push(await textOf(page, 'job-units'));
    const status = JSON.parse((await cli(['status', jobId, '--json'])).stdout) as { job: Job };
    const cells: Record<string, Record<string, string>> = {};
    for (const label of Object.keys(status.job.counts)) {
      cells[label] = {};
      for (const kind of SHOWN_KINDS) {
        cells[label][kind] = (
          (await page.locator(`tr[data-label="${label}"] td[data-kind="${kind}"]`).textContent()) ??
          ''
        ).trim();
      }
    }
    const rowStatus = await row.getByTestId('job-row-status').textContent();

    // Assess
    expect(statusWhilePaused).toBe('running');
    expect(status.job.status).toBe('completed');
    expect(status.job.outcome).toBe('deleted');
    expect(await textOf(page, 'job-status')).toBe('completed');
    const settledSeen = seen.map((s) => Number(s.split('/')[0]));
    expect(seen[0]).toBe('0/1');
    expect(seen.at(-1)).toBe(`${status.job.settled}/${status.job.planned}`);
    expect(status.job.planned).toBeGreaterThan(1);
    expect(settledSeen).toEqual([...settledSeen].sort((a, b) => a - b));
    expect(new Set(seen).size).toBeGreaterThan(1);
    const expected = Object.fromEntries(
      Object.entries(status.job.counts).map(([label, counts]) => [
        label,
        Object.fromEntries(
          SHOWN_KINDS.map((kind) => [
            kind,
            counts[kind] ? counts[kind].toLocaleString('en-US') : '',
          ]),
        ),
      ]),
    );
    expect(cells).toEqual(expected);
    expect(rowStatus).toBe('completed');
    expect(scriptErrors).toEqual([]);
  }, 240_000);

  it('says there is no such job for an unknown job id', async () => {
    // Prepare
    const { connection } = await startRuntime('ui-unknown');
    const ui = await startUi(connection);
    const page = await browser.newPage();
    onTestFinished(() => page.close());

    // Act
    await page.goto(`${ui.url}#job=no-such-job`);
    const problem = page.getByTestId('job-problem');
    await problem.waitFor();

    // Assess
    expect(await problem.textContent()).toContain('no job "no-such-job" in this pipeline');
    expect(await page.getByTestId('pipeline-state').textContent()).toBe('running');
  });

  it('says the stack cannot be reached when it went away, instead of a blank page', async () => {
    // Prepare: a connection file whose emulators no longer listen
    const prefix = uniquePrefix('ui-gone');
    const connection = connectTo(
      {
        settings: resolveSettings({ stateTableName: `${prefix}-state` }),
        workQueueUrl: 'http://127.0.0.1/gone-work',
        deadLetterQueueUrl: 'http://127.0.0.1/gone-dlq',
      },
      prefix,
    );
    const gone = `${connection}.gone.json`;
    const closed = `http://127.0.0.1:${await freePort()}`;
    const file = JSON.parse(readFileSync(connection, 'utf8')) as Record<string, unknown>;
    writeFileSync(
      gone,
      JSON.stringify({ ...file, endpoints: { dynamodb: closed, sqs: closed, s3: closed } }),
    );
    onTestFinished(() => {
      rmSync(connection, { force: true });
      rmSync(gone, { force: true });
    });
    const ui = await startUi(gone);
    const page = await browser.newPage();
    onTestFinished(() => page.close());

    // Act
    await page.goto(`${ui.url}#job=some-job`);
    const pipeline = page.getByTestId('pipeline-problem');
    const job = page.getByTestId('job-problem');
    await pipeline.waitFor({ timeout: 30_000 });
    await job.waitFor({ timeout: 30_000 });

    // Assess
    expect(await pipeline.getAttribute('data-code')).toBe('unreachable');
    expect(await pipeline.textContent()).toContain(`cannot reach ${closed}`);
    expect(await job.textContent()).toContain('the stack went away');
    expect(await page.getByTestId('jobs-problem-text').textContent()).toContain('cannot reach');
  });

  it('says the credentials cannot read the state table of a deployed pipeline', async () => {
    // Prepare: real clients whose every DynamoDB call is refused the way IAM refuses it
    const clients = localClients();
    clients.dynamodb.middlewareStack.add(
      () => async () => {
        throw Object.assign(
          new Error(
            'User: arn:aws:sts::123456789012:assumed-role/reader is not authorized to perform: dynamodb:GetItem',
          ),
          { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } },
        );
      },
      { step: 'initialize', name: 'denyEverything' },
    );
    const prefix = uniquePrefix('ui-denied');
    const engine = createEngine({
      graph: exampleGraph({ prefix }),
      clients,
      settings: { stateTableName: `${prefix}-state` },
      workQueueUrl: 'http://127.0.0.1/unset-work-queue',
      events: createInMemoryEventBus(),
    });
    const server = await startStatusServer({
      source: createStatusSource({
        engine,
        pipelineSwitch: async () => undefined,
        description: `AWS, state table ${prefix}-state`,
        endpoint: 'AWS (us-east-1)',
      }),
    });
    onTestFinished(() => server.close());
    const page = await browser.newPage();
    onTestFinished(() => page.close());

    // Act
    await page.goto(`${server.url}#job=some-job`);
    const pipeline = page.getByTestId('pipeline-problem');
    await pipeline.waitFor();
    await page.getByTestId('job-problem').waitFor();

    // Assess
    expect(await pipeline.getAttribute('data-code')).toBe('denied');
    expect(await pipeline.textContent()).toContain(
      `the credentials in use cannot read the state table "${prefix}-state" (AccessDeniedException)`,
    );
    expect(await page.getByTestId('job-problem').getAttribute('data-code')).toBe('denied');
    expect(await page.content()).not.toContain('    at ');
  });
});
