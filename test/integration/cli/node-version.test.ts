// On a Node older than package.json's engines, the lethe command says so in one line and exits
// 1, before loading anything that could fail with a stack trace; importing lethe, lethe/cdk or
// lethe/local throws one clear error before any other module of lethe runs.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const required = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines
  .node as string;

function olderThan(version: string, minimum: string): boolean {
  const [a, b] = [version, minimum].map((v) =>
    (/(\d+)\.(\d+)\.(\d+)/.exec(v) ?? []).slice(1).map(Number),
  );
  for (let i = 0; i < 3; i++)
    if ((a?.[i] ?? 0) !== (b?.[i] ?? 0)) return (a?.[i] ?? 0) < (b?.[i] ?? 0);
  return false;
}

/** A node binary on PATH other than the one running the tests, older than lethe supports. */
function olderNode(): string | undefined {
  const current = dirname(process.execPath);
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(directory, 'node');
    if (directory === current || !existsSync(candidate)) continue;
    const version = execFileSync(candidate, ['--version'], { encoding: 'utf8' }).trim();
    if (olderThan(version, required)) return candidate;
  }
  return undefined;
}

const old = olderNode();

describe('CLI: an unsupported Node', () => {
  it.skipIf(old === undefined)('refuses in one line naming the version needed, exit 1', () => {
    const run = spawnSync(old ?? 'node', [join(root, 'bin/lethe.js'), 'graph'], {
      encoding: 'utf8',
    });

    expect(run.status).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^lethe: needs Node\\.js ${required.replace('>=', '').replaceAll('.', '\\.')} or later; this is v\\d+`,
      ),
    );
  });

  it('runs on the Node the project ships (the check lets a supported version through)', () => {
    const run = spawnSync(process.execPath, [join(root, 'bin/lethe.js'), '--help'], {
      encoding: 'utf8',
    });

    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Usage: lethe');
  });
});

/**
 * The entry compiled as the build compiles it — each module on its own, import order kept —
 * with packages left to Node, as an installed lethe has them.
 */
function builtEntry(entry: string): string {
  const directory = join(root, 'node_modules', '.cache', 'lethe-test', 'entries');
  mkdirSync(directory, { recursive: true });
  const out = join(directory, `${entry.replaceAll('/', '-')}.mjs`);
  const built = buildSync({
    entryPoints: [join(root, entry)],
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    write: false,
    logLevel: 'silent',
  });
  writeFileSync(out, built.outputFiles[0]?.text ?? '');
  return out;
}

describe('Library: an unsupported Node', () => {
  for (const [name, entry] of [
    ['lethe', 'lib/index.ts'],
    ['lethe/cdk', 'infra/index.ts'],
    ['lethe/local', 'local/index.ts'],
  ] as const) {
    it.skipIf(old === undefined)(`import '${name}' throws one clear error, no stack trace`, () => {
      // Prepare
      const module = builtEntry(entry);

      // Act
      const run = spawnSync(
        old ?? 'node',
        ['--input-type=module', '-e', `import ${JSON.stringify(pathToFileURL(module).href)};`],
        { encoding: 'utf8', cwd: root },
      );

      // Assess
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(
        new RegExp(
          `UnsupportedNodeError: lethe: needs Node\\.js ${required.replace('>=', '').replaceAll('.', '\\.')} or later; this is v\\d+`,
        ),
      );
      expect(run.stderr).not.toMatch(/\n\s+at /);
    });
  }
});
