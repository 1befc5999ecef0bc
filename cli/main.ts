// The lethe command line: wiring only. Each command resolves its target (the local stack or
// a deployed pipeline), calls one engine operation and prints it, as text or as versioned
// JSON. Errors are one line and a non-zero exit; --verbose adds the stack.
import { resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { createSqsQueueConsumer } from '../lib/adapters/sqs-queue-consumer.js';
import { createSqsWorkQueue } from '../lib/adapters/sqs-work-queue.js';
import { listDeadLetters, redriveDeadLetters } from '../lib/engine/dead-letters.js';
import { pausePipeline, resumePipeline, waitForSwitch } from '../lib/engine/pause-pipeline.js';
import { pipelineOverview } from '../lib/engine/pipeline-overview.js';
import { renderMermaid } from '../lib/graph/render-mermaid.js';
import type { Job } from '../lib/model/jobs.js';
import { listRecentJobs } from '../lib/model/recent-jobs.js';
import type { PipelineSwitch } from '../lib/ports/pipeline-switch.js';
import { sleep } from '../lib/retry.js';
import { startLocalRuntime } from '../local/local-runtime.js';
import { CliError, CliUsageError, describeError } from './cli-error.js';
import { deadlineLine } from './deadline-line.js';
import { type DemoReport, formatDemoReport, runDemo } from './demo.js';
import { formatVerification } from './format-verification.js';
import { formatPipelineHealth, formatPipelineStatus } from './pipeline-status.js';
import {
  formatNumber,
  jobState,
  ProgressBar,
  progressLine,
  RECHECK_EVERY,
  requestedLine,
  waitLine,
} from './progress.js';
import { registerReceiptCommands } from './receipt-command.js';
import { registerReplayCommand } from './replay-command.js';
import { registerReportCommand } from './report-command.js';
import { formatRestoreProgress, registerRestoreCommand } from './restore-command.js';
import {
  connectedGraphModule,
  DEFAULT_CONNECTION_FILE,
  DEFAULT_GRAPH_MODULE,
  loadGraph,
  removeConnection,
  resolveTarget,
  type Target,
  type TargetOptions,
  writeConnection,
} from './target.js';
import {
  parseUiPort,
  registerUiCommand,
  serveStatusPage,
  statusSourceOfRuntime,
  untilStopped,
} from './ui-command.js';
import { registerVerifyCommand } from './verify-command.js';

export const JSON_VERSION = 1;

const program = new Command();
program
  .name('lethe')
  .description('Serverless deletion cascades for AWS: run, watch, plan, redrive.')
  .option('--verbose', 'print stack traces with errors')
  .option(
    '--connection <file>',
    'connection file written by `lethe local`',
    DEFAULT_CONNECTION_FILE,
  )
  .option(
    '--graph <module>',
    'module exporting `graph` (default: the connection’s, else the example)',
  )
  .option('--endpoint <url>', 'one endpoint for every AWS service (emulators)')
  .option('--region <region>', 'AWS region')
  .option('--state-table <name>', 'state table of a deployed pipeline')
  .option('--work-queue-url <url>', 'work queue of a deployed pipeline')
  .option('--dlq-url <url>', 'dead-letter queue of a deployed pipeline')
  .option(
    '--worker-mapping <uuid>',
    'the worker’s event source mapping of a deployed pipeline (pause/resume)',
  )
  .option(
    '--worker-function <name>',
    'the worker function of a deployed pipeline; its SQS mapping is looked up',
  )
  .option('--sweeper-rule <name>', 'the sweeper’s schedule rule of a deployed pipeline')
  .showHelpAfterError()
  .exitOverride();

let lastEndpoint: string | undefined;
function targetOptions(): TargetOptions {
  return program.opts<TargetOptions>();
}
async function target() {
  const resolved = await resolveTarget(targetOptions());
  lastEndpoint = resolved.endpoint;
  return resolved;
}
function withDeadline(job: Job, now: Date): string {
  const line = deadlineLine(job, now);
  return line === undefined ? '' : `  ${line}`;
}
/** A flag that must be a whole number of seconds above 0; else a usage error (exit 2). */
function positiveSeconds(flag: string, value: string): number {
  const seconds = Number(value);
  if (!(Number.isInteger(seconds) && seconds > 0)) {
    throw new CliUsageError(`${flag} must be a whole number of seconds, got "${value}"`);
  }
  return seconds;
}
function print(json: boolean, value: Record<string, unknown>, text: string): void {
  process.stdout.write(
    json ? `${JSON.stringify({ version: JSON_VERSION, ...value }, null, 2)}\n` : `${text}\n`,
  );
}

program
  .command('demo')
  .description(
    'start the local stack, seed the example graph, delete an organization, verify and report',
  )
  .addOption(new Option('--scale <factor>', 'data set size relative to the default').default('1'))
  .option('--timeout <seconds>', 'give up after this long', '600')
  .option('--json', 'print the report as JSON')
  .option('--restore', 'then restore the organization and verify every row came back')
  .option('--ui', 'serve the status page while the demo runs, and after it until Ctrl-C')
  .option('--ui-port <n>', 'port of the status page (0: any free port)', '0')
  .action(
    async (options: {
      scale: string;
      timeout: string;
      json?: boolean;
      restore?: boolean;
      ui?: boolean;
      uiPort: string;
    }) => {
      const scale = Number(options.scale);
      if (!(scale > 0 && scale <= 100))
        throw new CliUsageError(`--scale must be a number in (0, 100], got "${options.scale}"`);
      const timeoutSeconds = Number(options.timeout);
      if (!(Number.isInteger(timeoutSeconds) && timeoutSeconds > 0))
        throw new CliUsageError(
          `--timeout must be a whole number of seconds, got "${options.timeout}"`,
        );
      const uiPort = parseUiPort(options.uiPort);
      const show = (report: DemoReport) =>
        process.stdout.write(
          options.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatDemoReport(report)}\n`,
        );
      const report = await runDemo(
        {
          scale,
          quiet: options.json === true,
          timeoutSeconds,
          restore: options.restore === true,
          ...(options.ui
            ? {
                onStarted: async (runtime) => {
                  const server = await serveStatusPage(statusSourceOfRuntime(runtime), uiPort);
                  return () => server.close();
                },
                linger: async (finished) => {
                  show(finished);
                  process.stderr.write('the demo is over; the status page stays up until Ctrl-C\n');
                  await untilStopped();
                },
              }
            : {}),
        },
        (line) => process.stderr.write(`${line}\n`),
      );
      if (!options.ui) show(report);
      if (!report.ok) process.exitCode = 1;
    },
  );

program
  .command('local')
  .description(
    'run the emulators, workers, stream consumer and sweeper in the foreground until Ctrl-C',
  )
  .option('--sweep-every <seconds>', 'sweeper schedule', '30')
  .option('--ui-port <n>', 'port of the status page (0: any free port)', '0')
  .option('--no-ui', 'do not serve the status page')
  .action(async (options: { sweepEvery: string; uiPort: string; ui: boolean }) => {
    const uiPort = parseUiPort(options.uiPort);
    const sweepEverySeconds = positiveSeconds('--sweep-every', options.sweepEvery);
    const { connection, graph: graphModule } = program.opts<{
      connection: string;
      graph?: string;
    }>();
    const modulePath = resolve(graphModule ?? DEFAULT_GRAPH_MODULE);
    const graph = await loadGraph(modulePath);
    const runtime = await startLocalRuntime({
      graph,
      sweepEveryMs: sweepEverySeconds * 1000,
      logLevel: 'WARN',
    });
    writeConnection(connection, {
      version: 1,
      region: runtime.stack.region,
      endpoints: runtime.stack.endpoints,
      stateTableName: runtime.settings.stateTableName,
      workQueueName: runtime.settings.workQueueName,
      deadLetterQueueName: runtime.settings.deadLetterQueueName,
      workQueueUrl: runtime.workQueueUrl,
      deadLetterQueueUrl: runtime.deadLetterQueueUrl,
      graphModule: modulePath,
      pid: process.pid,
    });
    process.stderr.write(
      `lethe local is running (DynamoDB ${runtime.stack.endpoints.dynamodb}, SQS/S3 ${runtime.stack.endpoints.sqs}).\n` +
        `Other lethe commands in this directory use it through ${connection}. Ctrl-C stops everything.\n`,
    );
    const ui = options.ui
      ? await serveStatusPage(statusSourceOfRuntime(runtime), uiPort)
      : undefined;
    await untilStopped();
    process.stderr.write('stopping …\n');
    await ui?.close();
    removeConnection(connection);
    await runtime.stop();
  });

program
  .command('delete <entity> <id>')
  .description('request the deletion of an entity (starts its job)')
  .option('--tenant <id>', 'tenant of the entity')
  .option('--request-id <id>', 'your id for this request')
  .option('--deadline-days <days>', 'a shorter deadline than the entity’s (never longer)')
  .option('--json', 'print JSON')
  .action(
    async (
      entity: string,
      id: string,
      options: { tenant?: string; requestId?: string; deadlineDays?: string; json?: boolean },
    ) => {
      const deadlineDays =
        options.deadlineDays === undefined ? undefined : Number(options.deadlineDays);
      if (deadlineDays !== undefined && !(deadlineDays > 0))
        throw new CliUsageError(
          `--deadline-days must be a positive number, got "${options.deadlineDays}"`,
        );
      const { engine } = await target();
      const result = await engine.requestDeletion({
        entity,
        id,
        ...(options.tenant ? { tenantId: options.tenant } : {}),
        ...(options.requestId ? { requestId: options.requestId } : {}),
        ...(deadlineDays !== undefined ? { deadlineDays } : {}),
        requester: 'cli',
      });
      // An entity already tombstoned returns its job: say whether that job is still at work.
      const existing = result.created ? undefined : await engine.getJob(result.jobId);
      print(options.json === true, { ...result }, requestedLine(result, existing));
    },
  );

program
  .command('status [jobId]')
  .description('a job’s progress, or the recent jobs')
  .option('--watch', 'redraw until the job completes')
  .option('--json', 'print JSON')
  .action(async (jobId: string | undefined, options: { watch?: boolean; json?: boolean }) => {
    const t = await target();
    const { engine } = t;
    if (!jobId) {
      const state = engine.context.state;
      // Newest first, including completed jobs GC already moved to the `expiring` partition.
      const { jobs } = await listRecentJobs(state, { limit: 20 });
      // The same overview the status page shows (switch, DLQ depth, sweeper lag, last sweep).
      const pipeline = await pipelineOverview({
        state,
        shards: engine.context.settings.shards,
        pipelineSwitch: await t.pipelineSwitch(),
        queues: createSqsQueueConsumer(t.clients),
        deadLetterQueueUrl: t.deadLetterQueueUrl,
      });
      print(
        options.json === true,
        { pipeline, jobs },
        [
          `pipeline ${formatPipelineStatus(pipeline)}`,
          formatPipelineHealth(pipeline),
          jobs.length === 0
            ? 'no jobs'
            : jobs
                .map(
                  (j) =>
                    `${j.jobId}  ${j.entity} ${j.id}  ${j.status}${j.outcome ? ` (${j.outcome})` : ''}${j.status === 'running' && j.waiting > 0 ? `, ${jobState(j)}` : ''}${j.restoredAt ? `, restored ${j.restoredAt}` : ''}  ${j.settled}/${j.planned} units${withDeadline(j, state.now())}`,
                )
                .join('\n'),
        ].join('\n'),
      );
      return;
    }
    const bar = new ProgressBar(process.stdout);
    for (;;) {
      const job = await engine.getJob(jobId);
      if (!job) throw new CliError(`no job ${jobId}`);
      const restore = await engine.restoreProgress(jobId);
      if (!options.watch || (job.status === 'completed' && restore?.status !== 'running')) {
        bar.finish();
        const rows = Object.entries(job.counts).map(
          ([relation, counts]) =>
            `  ${relation.padEnd(36)} ${Object.entries(counts)
              .map(([k, n]) => `${k} ${formatNumber(n ?? 0)}`)
              .join(', ')}`,
        );
        // Rows written back after this job passed them are erased by linked follow-up jobs.
        const links = [
          ...(job.followUpOf ? [`  follow-up of job ${job.followUpOf}`] : []),
          ...(job.followUps > 0
            ? [`  follow-ups: ${job.followUps} (latest job ${job.lastFollowUpJobId ?? '?'})`]
            : []),
          ...(job.replayOf ? [`  replay of job ${job.replayOf}`] : []),
          ...(job.receipt
            ? [`  receipt root ${job.receipt.root} (${job.receipt.leafCount} leaves, signed)`]
            : []),
        ];
        const deadline = deadlineLine(job, engine.context.state.now());
        if (deadline !== undefined) links.push(`  ${deadline}`);
        const waits = waitLine(job);
        if (waits !== undefined) links.push(`  ${waits}`);
        const verified =
          job.status === 'completed' ? [formatVerification(job.verification, '  ')] : [];
        const restoring = restore ? [`  ${formatRestoreProgress(restore)}`] : [];
        print(
          options.json === true,
          { job, ...(restore ? { restore } : {}) },
          [progressLine(job), ...rows, ...links, ...verified, ...restoring].join('\n'),
        );
        return;
      }
      bar.update(restore ? formatRestoreProgress(restore) : progressLine(job));
      await sleep(500);
    }
  });

program
  .command('plan <entity> <id>')
  .description('dry run: what deleting the entity would do, per relation; deletes nothing')
  .option('--json', 'print JSON')
  .action(async (entity: string, id: string, options: { json?: boolean }) => {
    const { engine } = await target();
    const plan = await engine.plan(entity, id);
    const lines = [
      `deleting ${entity} ${id} would:`,
      ...Object.entries(plan.relations).map(
        ([relation, counts]) =>
          `  ${relation.padEnd(36)} ${Object.entries(counts)
            .map(([k, n]) => `${k} ${formatNumber(n ?? 0)}`)
            .join(', ')}`,
      ),
      `  total: ${formatNumber(plan.totals.rowsDeleted)} rows, ${formatNumber(plan.totals.rowsNulled)} nulled, ${formatNumber(plan.totals.objectsDeleted)} objects, ${formatNumber(plan.totals.objectsShared)} shared kept${plan.totals.blocked ? `, BLOCKED by ${plan.totals.blocked}` : ''}`,
    ];
    if (options.json) process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
    else process.stdout.write(`${lines.join('\n')}\n`);
  });

program
  .command('graph')
  .description('the deletion graph')
  .option('--mermaid', 'print it as a mermaid flowchart')
  .option('--json', 'print JSON')
  .action(async (options: { mermaid?: boolean; json?: boolean }) => {
    const { graph: graphModule, connection } = program.opts<{
      graph?: string;
      connection: string;
    }>();
    const graph = await loadGraph(
      graphModule ?? connectedGraphModule(connection) ?? DEFAULT_GRAPH_MODULE,
    );
    if (options.mermaid) {
      process.stdout.write(`${renderMermaid(graph)}\n`);
      return;
    }
    const relations = graph.relations.map((r) => ({ ...r }));
    print(
      options.json === true,
      { entities: Object.keys(graph.entities), relations },
      graph.relations
        .map(
          (r) =>
            `${r.parent} → ${r.child}  by ${r.attribute}${r.index ? ` (index ${r.index})` : ' (key)'}  on delete ${r.onDelete}`,
        )
        .join('\n'),
    );
  });

program
  .command('sweep')
  .description('run the sweeper once')
  .option('--json', 'print JSON')
  .action(async (options: { json?: boolean }) => {
    const { engine } = await target();
    const report = await engine.sweep();
    print(
      options.json === true,
      { report },
      `sweep: lag ${report.lag}, oldest pending tombstone ${report.oldestPendingTombstoneAgeSeconds}s, resent ${report.unitsResent}, intents finished ${report.intentsFinished}, stalled ${report.jobsStalled}, retention ${report.retentionRequested}, collected ${report.jobsCollected}, read ${report.itemsRead} items${report.more ? ', more remains' : ''}${report.paused ? ' (paused: did nothing)' : ''}`,
    );
  });

const dlq = program.command('dlq').description('the dead-letter queue');
dlq
  .command('list')
  .option('--json', 'print JSON')
  .action(async (options: { json?: boolean }) => {
    const t = await target();
    if (!t.deadLetterQueueUrl) throw new CliError('no dead-letter queue: give --dlq-url');
    const letters = await listDeadLetters(createSqsQueueConsumer(t.clients), t.deadLetterQueueUrl);
    print(
      options.json === true,
      { messages: letters },
      letters.length === 0
        ? 'the dead-letter queue is empty'
        : letters
            .map((l) => `${l.messageId}  received ${l.receiveCount}×  ${l.body.slice(0, 160)}`)
            .join('\n'),
    );
  });
dlq
  .command('redrive')
  .option('--json', 'print JSON')
  .action(async (options: { json?: boolean }) => {
    const t = await target();
    if (!t.deadLetterQueueUrl || !t.workQueueUrl)
      throw new CliError('give --dlq-url and --work-queue-url');
    const moved = await redriveDeadLetters(
      createSqsQueueConsumer(t.clients),
      t.deadLetterQueueUrl,
      createSqsWorkQueue(t.clients, t.workQueueUrl),
    );
    print(
      options.json === true,
      { redriven: moved },
      `redrove ${moved} message(s) to the work queue`,
    );
  });

const hold = program.command('hold').description('legal holds on an entity or a tenant');
/** What the options name, all of it: a hold naming both an entity and a tenant is refused. */
function holdSelector(options: { entity?: string; id?: string; tenant?: string }) {
  return {
    ...(options.entity !== undefined ? { entity: options.entity } : {}),
    ...(options.id !== undefined ? { id: options.id } : {}),
    ...(options.tenant !== undefined ? { tenantId: options.tenant } : {}),
  };
}
hold
  .command('place')
  .description('place a hold: units under it wait, nothing is deleted')
  .option('--entity <entity>', 'entity of the held instance')
  .option('--id <id>', 'id of the held instance')
  .option('--tenant <tenantId>', 'hold a whole tenant')
  .requiredOption('--reason <text>', 'why (required; kept with the hold)')
  .option('--json', 'print JSON')
  .action(
    async (options: {
      entity?: string;
      id?: string;
      tenant?: string;
      reason: string;
      json?: boolean;
    }) => {
      const placed = await (await target()).engine.placeHold({
        ...holdSelector(options),
        reason: options.reason,
        placedBy: 'cli',
      });
      print(options.json === true, { hold: placed }, `placed hold ${placed.holdId}`);
    },
  );
hold
  .command('lift')
  .description(
    `lift a hold: waiting units go at their next check (${RECHECK_EVERY}); exits 1 when there was no such hold`,
  )
  .option('--entity <entity>', 'entity of the held instance')
  .option('--id <id>', 'id of the held instance')
  .option('--tenant <tenantId>', 'the held tenant')
  .option('--json', 'print JSON')
  .action(async (options: { entity?: string; id?: string; tenant?: string; json?: boolean }) => {
    const lifted = await (await target()).engine.liftHold(holdSelector(options));
    print(
      options.json === true,
      { lifted },
      lifted
        ? `hold lifted: units waiting on it go ahead at their next check (${RECHECK_EVERY})`
        : 'there was no such hold',
    );
    // A lift that found nothing is most often a typo in the selector: not a success.
    if (!lifted) process.exitCode = 1;
  });
hold
  .command('list')
  .description('the holds in place, with their reasons')
  .option('--json', 'print JSON')
  .action(async (options: { json?: boolean }) => {
    const holds = await (await target()).engine.listHolds();
    print(
      options.json === true,
      { holds },
      holds.length === 0
        ? 'no holds'
        : holds.map((h) => `${h.holdId}  ${h.reason}  since ${h.placedAt}`).join('\n'),
    );
  });

/** The switch pause and resume flip; on AWS it must name the worker's event source mapping. */
async function switchToFlip(t: Target, command: string): Promise<PipelineSwitch> {
  const { workerMapping, workerFunction, sweeperRule } = t.switchFlags;
  const pipelineSwitch = await t.pipelineSwitch();
  if (pipelineSwitch === undefined || (sweeperRule && !workerMapping && !workerFunction)) {
    throw new CliUsageError(
      `on AWS, ${command} needs the worker's event source mapping: give --worker-mapping <uuid> or --worker-function <name>, and --sweeper-rule <name> (the stack outputs name them)`,
    );
  }
  return pipelineSwitch;
}

interface SwitchCommandOptions {
  readonly wait?: boolean;
  readonly timeout: string;
  readonly json?: boolean;
}

function waitTimeoutMs(options: SwitchCommandOptions): number {
  const seconds = Number(options.timeout);
  if (!(Number.isFinite(seconds) && seconds > 0 && seconds <= 3600)) {
    throw new CliUsageError(
      `--timeout must be a number of seconds in (0, 3600], got "${options.timeout}"`,
    );
  }
  return seconds * 1000;
}

program
  .command('pause')
  .description(
    'stop the worker and the sweeper: sets the pause flag, then disables the worker’s event source mapping and the sweeper’s schedule (locally: stops the pollers); messages wait in the queue',
  )
  .option('--reason <text>', 'why (kept with the flag)', 'paused from the CLI')
  .option('--wait', 'return only when nothing consumes work any more')
  .option('--timeout <seconds>', 'give up waiting after this long', '300')
  .option('--json', 'print JSON')
  .action(async (options: SwitchCommandOptions & { reason: string }) => {
    const timeoutMs = waitTimeoutMs(options);
    const t = await target();
    const pipelineSwitch = await switchToFlip(t, 'pause');
    const paused = await pausePipeline(t.engine.context.state, pipelineSwitch, options.reason);
    const status = options.wait
      ? { ...paused, parts: await waitForSwitch(pipelineSwitch, 'disabled', { timeoutMs }) }
      : paused;
    print(options.json === true, { ...status }, formatPipelineStatus(status));
  });
program
  .command('resume')
  .description(
    'resume after a pause: enables the worker’s event source mapping and the sweeper’s schedule (locally: starts the pollers), then clears the pause flag',
  )
  .option('--wait', 'return only when the worker and the sweeper run again')
  .option('--timeout <seconds>', 'give up waiting after this long', '300')
  .option('--json', 'print JSON')
  .action(async (options: SwitchCommandOptions) => {
    const timeoutMs = waitTimeoutMs(options);
    const t = await target();
    const pipelineSwitch = await switchToFlip(t, 'resume');
    const resumed = await resumePipeline(t.engine.context.state, pipelineSwitch);
    const status = options.wait
      ? { ...resumed, parts: await waitForSwitch(pipelineSwitch, 'enabled', { timeoutMs }) }
      : resumed;
    print(options.json === true, { ...status }, formatPipelineStatus(status));
  });

registerRestoreCommand(program, { target, print });
registerVerifyCommand(program, { target, print });
registerReportCommand(program, target);
registerReplayCommand(program, target, JSON_VERSION);
registerReceiptCommands(program, { target, print });
registerUiCommand(program, target);

async function main(argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`lethe: ${describeError(error, lastEndpoint)}\n`);
    if (error instanceof CliUsageError) {
      process.stderr.write('(`lethe --help` lists the options)\n');
      return 2;
    }
    if (program.opts<{ verbose?: boolean }>().verbose && error instanceof Error && error.stack) {
      process.stderr.write(`${error.stack}\n`);
    }
    return 1;
  }
}

process.exitCode = await main(process.argv);
