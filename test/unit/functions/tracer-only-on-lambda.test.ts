// The X-Ray SDK (loaded by the Powertools Tracer) turns on an async_hooks destroy hook for
// every promise of its process, through cls-hooked's `process.namespaces`. It belongs in the
// Lambda entries only: the local runtime, the handlers' factories and the CLI must not load it.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Imports `modules` in a fresh Node process; returns the X-Ray namespaces it then has. */
function xrayNamespacesAfterImporting(modules: readonly string[]): string[] {
  const script = [
    ...modules.map((m) => `await import(${JSON.stringify(new URL(m, `file://${ROOT}`).href)});`),
    'console.log(JSON.stringify(Object.keys(process.namespaces ?? {})));',
  ].join('\n');
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  if (run.status !== 0) throw new Error(`import failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '[]') as string[];
}

describe('Tracing: only the Lambda entries load the X-Ray SDK', () => {
  it('leaves it out of the local runtime and the handler factories', () => {
    // Act
    const namespaces = xrayNamespacesAfterImporting([
      'local/local-runtime.ts',
      'functions/worker.ts',
      'functions/sweeper.ts',
      'functions/ingest.ts',
      'functions/stream-consumer.ts',
    ]);

    // Assess
    expect(namespaces).toEqual([]);
  });

  it('loads it with the Lambda tracer, as the generated entries do', () => {
    // Act
    const namespaces = xrayNamespacesAfterImporting(['functions/lambda-tracer.ts']);

    // Assess: the probe sees the SDK when it is there.
    expect(namespaces).toContain('AWSXRay');
  });
});
