// Serves fauxqs (SQS + S3) from its library on 127.0.0.1 in a process of its own, so the
// emulator gets its own core and its own PID. It reports its port over IPC and exits when
// the process that started it goes away. fauxqs is fixed where it differs from S3 as it
// loads (fauxqs-fixes.mjs), so the hooks are installed before it is imported.
import { installFauxqsFixes } from './fauxqs-fixes.mjs';

installFauxqsFixes();
const { buildApp } = await import('fauxqs');

const port = Number(process.argv[2] ?? '0');
const app = buildApp({ logger: false, host: '127.0.0.1', defaultRegion: 'us-east-1' });

async function stop() {
  await app.close().catch(() => undefined);
  process.exit(0);
}

process.on('disconnect', stop);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

const address = await app.listen({ host: '127.0.0.1', port });
process.send?.({ type: 'listening', port: Number(new URL(address).port) });
