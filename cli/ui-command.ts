// `lethe ui [--port n]`: serves the read-only status page for the pipeline the target flags
// name (the local stack by default), until Ctrl-C. `lethe local` and `lethe demo --ui` serve
// the same page for the runtime they start, through `serveStatusPage`.
import type { Command } from 'commander';
import { createSqsQueueConsumer } from '../lib/adapters/sqs-queue-consumer.js';
import { createLocalPipelineSwitch } from '../local/local-pipeline-switch.js';
import type { LocalRuntime } from '../local/local-runtime.js';
import { CliUsageError } from './cli-error.js';
import type { Target } from './target.js';
import type { StatusServer } from './ui/status-server.js';
import { createStatusSource, type StatusSource, statusSourceOfTarget } from './ui/status-source.js';

/** Parses `--port`: 0 (any free port) to 65535. */
export function parseUiPort(value: string): number {
  const port = Number(value);
  if (!(Number.isInteger(port) && port >= 0 && port <= 65_535))
    throw new CliUsageError(`--port must be a whole number in [0, 65535], got "${value}"`);
  return port;
}

/** Starts the page and writes its address to stderr (`lethe ui: http://127.0.0.1:…/`). */
export async function serveStatusPage(source: StatusSource, port: number): Promise<StatusServer> {
  // Loaded only here: the other commands start without the server and the page.
  const { startStatusServer } = await import('./ui/status-server.js');
  const server = await startStatusServer({ source, port });
  process.stderr.write(`lethe ui: the status page is at ${server.url} (read-only)\n`);
  return server;
}

/** The status page's source for a local runtime this process runs (`lethe local`, the demo). */
export function statusSourceOfRuntime(runtime: LocalRuntime): StatusSource {
  return createStatusSource({
    engine: runtime.engine,
    queues: createSqsQueueConsumer(runtime.clients),
    deadLetterQueueUrl: runtime.deadLetterQueueUrl,
    pipelineSwitch: async () => createLocalPipelineSwitch(runtime.engine.context.state),
    description: `local stack (DynamoDB ${runtime.stack.endpoints.dynamodb}), state table ${runtime.settings.stateTableName}`,
    endpoint: runtime.stack.endpoints.dynamodb,
  });
}

/** Resolves when the process is asked to stop (Ctrl-C, SIGTERM). */
export function untilStopped(): Promise<void> {
  return new Promise<void>((done) => {
    const stop = () => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

export function registerUiCommand(program: Command, target: () => Promise<Target>): void {
  program
    .command('ui')
    .description(
      'serve the read-only status page on 127.0.0.1 (pipeline, recent jobs, each job’s tree, the graph) until Ctrl-C',
    )
    .option('--port <n>', 'port to listen on (0: any free port)', '0')
    .action(async (options: { port: string }) => {
      const port = parseUiPort(options.port);
      const server = await serveStatusPage(statusSourceOfTarget(await target()), port);
      await untilStopped();
      await server.close();
    });
}
