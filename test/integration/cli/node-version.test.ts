// On a Node older than package.json's engines, the lethe command says so in one line and exits
// 1, before loading anything that could fail with a stack trace.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
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
