#!/usr/bin/env node
// The lethe command. Installed, it runs the build in dist/; in the repository it runs the
// TypeScript sources through tsx, so the CLI, the local runtime and the Lambda handlers are the
// very same code. Kept to syntax old Node parses, so an unsupported Node gets one clear line.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const wanted = /(\d+)\.(\d+)\.(\d+)/.exec(manifest.engines.node).slice(1).map(Number);
const running = process.versions.node.split('.').map(Number);
const older = wanted.some(
  (part, i) => running.slice(0, i).every((r, j) => r === wanted[j]) && running[i] < part,
);
if (older) {
  process.stderr.write(
    `lethe: needs Node.js ${manifest.engines.node.replace('>=', '')} or later; this is ${process.version}. ` +
      'Install a newer Node (nvm install 24, or npm install --save-dev node@24 and run through npx).\n',
  );
  process.exit(1);
}

const source = new URL('../cli/main.ts', import.meta.url);
if (existsSync(fileURLToPath(source))) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import('../dist/cli/main.js');
}
