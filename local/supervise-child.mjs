// Runs one command as our grandchild and ties its life to ours: when the process that
// started us goes away (exit, crash, SIGKILL), the IPC channel closes and we stop the
// command. Plain .mjs so it runs on bare Node without a TypeScript loader.
import { spawn } from 'node:child_process';

const [command, ...args] = process.argv.slice(2);
if (!command || typeof process.send !== 'function') {
  console.error('usage: node supervise-child.mjs <command> [args…] (with an IPC channel)');
  process.exit(2);
}

const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
let stopping = false;

function stop() {
  if (stopping) return;
  stopping = true;
  child.kill('SIGTERM');
  setTimeout(() => child.kill('SIGKILL'), 3000).unref();
}

child.on('spawn', () => process.send?.({ type: 'spawned', pid: child.pid }));
child.on('error', (error) => {
  process.send?.({ type: 'error', message: error.message });
  process.exit(1);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
process.on('disconnect', stop);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
