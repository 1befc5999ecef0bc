// Runs the lethe command as a process, the way an operator does, and writes the connection
// file `lethe local` would write, pointing at a pipeline of a test on the shared local stack.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { inject } from 'vitest';
import type { Settings } from '../../../lib/settings.js';

const root = resolve(import.meta.dirname, '../../..');

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function lethe(args: string[]): Promise<Run> {
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

export interface ConnectablePipeline {
  readonly settings: Settings;
  readonly workQueueUrl: string;
  readonly deadLetterQueueUrl: string;
}

/** A connection file like `lethe local` writes, for a pipeline over `exampleGraph({ prefix })`. */
export function connectTo(pipeline: ConnectablePipeline, prefix: string): string {
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
