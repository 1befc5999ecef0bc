// A graph module the CLI cannot use — not exporting `graph`, exporting something else, or a
// graph failing validation — is one line naming the module and every problem, exit 1, no stack.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lethe } from '../support/lethe-cli.js';

const defineGraphUrl = pathToFileURL(
  resolve(import.meta.dirname, '../../../lib/graph/define-graph.ts'),
).href;
let dir: string;

function module(name: string, source: string): string {
  const path = join(dir, name);
  writeFileSync(path, source);
  return path;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lethe-graph-module-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('CLI: --graph with a module that is not a usable graph', () => {
  it('names the module and the exports it has when `graph` is missing', async () => {
    const path = module('no-graph.mts', 'export const users = 1;\nexport const devices = 2;\n');

    const run = await lethe(['graph', '--graph', path]);

    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      `lethe: graph module ${path}: does not export \`graph\` (it exports \`devices\`, \`users\`)`,
    );
  });

  it('names the module and what `graph` is when it is not a graph', async () => {
    const path = module('not-a-graph.mts', 'export const graph = { entities: {} };\n');

    const run = await lethe(['graph', '--graph', path]);

    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      `lethe: graph module ${path}: exports \`graph\` as an object that is not a graph; export the result of defineGraph(...)`,
    );
  });

  it('names the module and every validation problem when the graph is invalid', async () => {
    const path = module(
      'invalid.mts',
      [
        `import { defineGraph } from ${JSON.stringify(defineGraphUrl)};`,
        'export const graph = defineGraph({',
        "  tables: { users: { name: 'users', partitionKey: 'userId' } },",
        '  buckets: {},',
        '  entities: {',
        "    user: { table: 'people' },",
        "    device: { table: 'users', parents: [{ entity: 'owner', attribute: 'userId', onDelete: 'cascade' }] },",
        '  },',
        '});',
        '',
      ].join('\n'),
    );

    const run = await lethe(['graph', '--graph', path]);

    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^lethe: graph module ${path.replaceAll('/', '\\/')}: `));
    expect(lines[0]).toMatch(/invalid graph: .*people/);
    expect(lines[0]).toMatch(/invalid graph: .*owner/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('says the module is not found', async () => {
    const run = await lethe(['graph', '--graph', join(dir, 'missing.ts')]);

    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(`lethe: graph module ${join(dir, 'missing.ts')}: not found`);
  });
});
