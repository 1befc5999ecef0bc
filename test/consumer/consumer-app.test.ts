// lethe as a user meets it: packed into a tarball, installed into a scratch app outside the
// repository that has its own graph (users → devices, uploads, audit), its own CDK stack and
// its own test. Everything below runs in that app's folder, through its node_modules.
import { type ChildProcess, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsClients, destroyAwsClients } from '../../lib/adapters/aws-clients.js';
import { createDynamoDbDocumentStore } from '../../lib/adapters/dynamodb-document-store.js';

const repo = resolve(import.meta.dirname, '../..');
const template = join(import.meta.dirname, 'app');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

// Node 24 first on PATH (the one running this test), so `npx`, `cdk` and `lethe` in the app
// run on it; no AWS credentials or metadata lookups leak in.
const env: NodeJS.ProcessEnv = {
  ...process.env,
  PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`,
  AWS_EC2_METADATA_DISABLED: 'true',
  CDK_DISABLE_VERSION_CHECK: 'true',
  npm_config_update_notifier: 'false',
};
for (const name of Object.keys(env)) {
  if (name.startsWith('VITEST') || name === 'NODE_OPTIONS' || name.startsWith('npm_package_'))
    delete env[name];
}

function run(command: string, args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

function explain(result: Run): string {
  return `exit ${result.code}\n--- stdout\n${result.stdout.slice(-4000)}\n--- stderr\n${result.stderr.slice(-4000)}`;
}

let workdir: string;
let app: string;
let local: ChildProcess | undefined;

beforeAll(async () => {
  workdir = mkdtempSync(join(tmpdir(), 'lethe-consumer-'));
  app = join(workdir, 'app');
  const packed = await run('npm', ['pack', '--pack-destination', workdir, '--json'], repo);
  if (packed.code !== 0) throw new Error(`npm pack failed: ${explain(packed)}`);
  const tarball = readdirSync(workdir).find((name) => name.endsWith('.tgz'));
  if (tarball === undefined) throw new Error(`npm pack wrote no tarball: ${explain(packed)}`);

  cpSync(template, app, { recursive: true });
  const lethe = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
  const version = (name: string): string =>
    lethe.dependencies?.[name] ?? lethe.devDependencies?.[name] ?? lethe.peerDependencies?.[name];
  writeFileSync(
    join(app, 'package.json'),
    `${JSON.stringify(
      {
        name: 'acme-deletions',
        private: true,
        type: 'module',
        scripts: { test: 'vitest run --testTimeout 300000 --hookTimeout 300000' },
        dependencies: { lethe: `file:../${tarball}` },
        devDependencies: Object.fromEntries(
          [
            '@aws-sdk/client-dynamodb',
            '@aws-sdk/client-s3',
            'aws-cdk',
            'aws-cdk-lib',
            'cdk-nag',
            'constructs',
            'esbuild',
            'vitest',
          ].map((name) => [name, version(name)]),
        ),
      },
      null,
      2,
    )}\n`,
  );
  const installed = await run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund'],
    app,
  );
  if (installed.code !== 0) throw new Error(`npm install failed: ${explain(installed)}`);
});

afterAll(async () => {
  if (local?.pid !== undefined && local.exitCode === null) {
    const stopped = new Promise((done) => local?.once('exit', done));
    process.kill(-local.pid, 'SIGINT');
    await stopped;
  }
  if (workdir) rmSync(workdir, { recursive: true, force: true });
});

describe("A consumer's app", () => {
  it('installs only what a user needs: the build, the bin, the license, no sources, tests or bench', () => {
    const installed = join(app, 'node_modules', 'lethe');

    expect(existsSync(join(installed, 'dist', 'lib', 'index.js'))).toBe(true);
    expect(existsSync(join(installed, 'dist', 'local', 'fauxqs-process.mjs'))).toBe(true);
    expect(readdirSync(installed).sort()).toEqual([
      'LICENSE',
      'README.md',
      'bin',
      'dist',
      'package.json',
    ]);
    expect(readdirSync(join(installed, 'dist')).sort()).toEqual([
      'cli',
      'functions',
      'infra',
      'lib',
      'local',
    ]);
    // Built from the sources as they are: no file of an earlier build is left in dist/.
    const shipped = readdirSync(join(installed, 'dist'), { recursive: true, encoding: 'utf8' });
    const orphans = shipped
      .filter((file) => /\.(m?js|d\.m?ts|m?js\.map)$/.test(file))
      .map((file) => file.replace(/(\.d)?\.(m?)(js|ts)(\.map)?$/, '.$2'))
      .filter(
        (stem) => ![`${stem}ts`, `${stem}js`].some((source) => existsSync(join(repo, source))),
      );
    expect(orphans).toEqual([]);
  });

  it('ships source maps that carry their sources, as the .ts files are not in the package', () => {
    const dist = join(app, 'node_modules', 'lethe', 'dist');
    const maps = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((file) =>
      file.endsWith('.map'),
    );

    expect(maps.length).toBeGreaterThan(100);
    for (const file of maps) {
      const map = JSON.parse(readFileSync(join(dist, file), 'utf8'));
      expect(map.sources.length, file).toBeGreaterThan(0);
      expect(map.sourcesContent?.length, file).toBe(map.sources.length);
      expect(map.sourcesContent.every((text: unknown) => typeof text === 'string')).toBe(true);
    }
  });

  it('synthesizes its stack with the DeletionPipeline, cdk-nag AwsSolutions clean', async () => {
    const synth = await run('npx', ['cdk', 'synth', '--quiet'], app);

    expect(synth.code, explain(synth)).toBe(0);
    const template = JSON.parse(
      readFileSync(join(app, 'cdk.out', 'AcmeDeletions.template.json'), 'utf8'),
    );
    const functions = Object.values(template.Resources as Record<string, { Type: string }>).filter(
      (resource) => resource.Type === 'AWS::Lambda::Function',
    );
    // ingest, worker and sweeper; no stream consumer, as the app follows no child streams.
    expect(functions).toHaveLength(3);
    const bundles = readdirSync(join(app, 'cdk.out')).filter((name) =>
      existsSync(join(app, 'cdk.out', name, 'index.mjs')),
    );
    expect(bundles).toHaveLength(3);
  });

  it('runs its own test: lethe/local deletes one user end to end', async () => {
    const test = await run('npm', ['test'], app);

    expect(test.code, explain(test)).toBe(0);
    expect(test.stdout).toMatch(/1 passed/);
  });

  it('draws its graph with npx lethe graph --graph ./graph.ts', async () => {
    const graph = await run('npx', ['lethe', 'graph', '--graph', './graph.ts'], app);

    expect(graph.code, explain(graph)).toBe(0);
    expect(graph.stdout).toContain('user → device');
    expect(graph.stdout).toContain('on delete set-null');
  });

  it('plans a deletion with npx lethe plan against npx lethe local', async () => {
    // Its own process group, so stopping it reaches lethe behind npx (npx does not pass it on).
    local = spawn('npx', ['lethe', 'local', '--graph', './graph.ts'], {
      cwd: app,
      env,
      detached: true,
    });
    let localErr = '';
    local.stderr?.on('data', (d: Buffer) => {
      localErr += d.toString();
    });
    const connection = join(app, '.lethe', 'local.json');
    for (let waited = 0; !existsSync(connection); waited += 500) {
      if (local.exitCode !== null || waited > 180_000)
        throw new Error(`lethe local did not start:\n${localErr}`);
      await sleep(500);
    }
    const { endpoints, region } = JSON.parse(readFileSync(connection, 'utf8'));
    const clients = createAwsClients({ region, endpoints });
    const docs = createDynamoDbDocumentStore(clients, { batchWriteConcurrency: 1 });
    await docs.put('acme-users', { userId: 'u1' });
    await docs.put('acme-devices', { deviceId: 'd1', userId: 'u1' });
    await docs.put('acme-devices', { deviceId: 'd2', userId: 'u1' });
    await docs.put('acme-audit', { eventId: 'e1', userId: 'u1' });
    destroyAwsClients(clients);

    const plan = await run('npx', ['lethe', 'plan', 'user', 'u1', '--graph', './graph.ts'], app);

    expect(plan.code, explain(plan)).toBe(0);
    expect(plan.stdout).toContain('deleting user u1 would:');
    expect(plan.stdout).toMatch(/user\.device\.userId\s+rowsDeleted 2\b/);
    expect(plan.stdout).toMatch(/user\.auditEvent\.userId\s+rowsNulled 1\b/);
  });
});
