// Which lethe a command talks to: the local stack that `lethe local` is running (its
// connection file), or a deployed pipeline on AWS named by flags. Either way the command
// gets the same engine, built from the same graph.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import {
  type AwsClients,
  createAwsClients,
  createLambdaClient,
} from '../lib/adapters/aws-clients.js';
import {
  createAwsPipelineSwitch,
  type WorkerMappingRef,
} from '../lib/adapters/aws-pipeline-switch.js';
import { createSqsQueueConsumer } from '../lib/adapters/sqs-queue-consumer.js';
import { createEngine, type Engine } from '../lib/engine/create-engine.js';
import { GraphModuleError, loadGraphModule } from '../lib/graph/graph-module.js';
import type { Graph } from '../lib/graph/graph-types.js';
import type { PipelineSwitch } from '../lib/ports/pipeline-switch.js';
import { resolveSettings } from '../lib/settings.js';
import { createInMemoryEventBus } from '../local/in-memory-event-bus.js';
import { createLocalPipelineSwitch } from '../local/local-pipeline-switch.js';
import { CliError, CliUsageError } from './cli-error.js';

export const DEFAULT_CONNECTION_FILE = '.lethe/local.json';
/** The example graph shipped with lethe: its TypeScript source in the repository, else the build. */
export const DEFAULT_GRAPH_MODULE =
  ['.ts', '.js']
    .map((extension) =>
      fileURLToPath(new URL(`../infra/example-graph-module${extension}`, import.meta.url)),
    )
    .find((candidate) => existsSync(candidate)) ?? 'infra/example-graph-module.ts';

const connectionSchema = z.object({
  version: z.literal(1),
  region: z.string(),
  endpoints: z.object({ dynamodb: z.string(), sqs: z.string(), s3: z.string() }),
  stateTableName: z.string(),
  workQueueName: z.string(),
  deadLetterQueueName: z.string(),
  workQueueUrl: z.string(),
  deadLetterQueueUrl: z.string(),
  graphModule: z.string(),
  pid: z.number(),
});

export type LocalConnection = z.infer<typeof connectionSchema>;

export interface TargetOptions {
  readonly connection?: string;
  readonly graph?: string;
  readonly endpoint?: string;
  readonly region?: string;
  readonly stateTable?: string;
  readonly workQueueUrl?: string;
  readonly dlqUrl?: string;
  readonly workerMapping?: string;
  readonly workerFunction?: string;
  readonly sweeperRule?: string;
}

const switchFlagsSchema = z
  .object({
    workerMapping: z
      .string()
      .regex(
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
        '--worker-mapping must be an event source mapping UUID (stack output WorkerEventSourceMappingId)',
      )
      .optional(),
    workerFunction: z
      .string()
      .regex(
        /^(arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$/,
        '--worker-function must be a Lambda function name or ARN (stack output WorkerFunctionName)',
      )
      .optional(),
    sweeperRule: z
      .string()
      .regex(
        /^[.\-_A-Za-z0-9]{1,64}$/,
        '--sweeper-rule must be an EventBridge rule name (stack output SweeperRuleName)',
      )
      .optional(),
  })
  .refine((flags) => !(flags.workerMapping && flags.workerFunction), {
    message: 'give --worker-mapping or --worker-function, not both',
  });

export type SwitchFlags = z.infer<typeof switchFlagsSchema>;

/** The flags naming a deployed pipeline's switch, checked; bad ones are usage errors. */
export function parseSwitchFlags(options: TargetOptions): SwitchFlags {
  const parsed = switchFlagsSchema.safeParse({
    workerMapping: options.workerMapping,
    workerFunction: options.workerFunction,
    sweeperRule: options.sweeperRule,
  });
  if (!parsed.success) {
    throw new CliUsageError(parsed.error.issues.map((issue) => issue.message).join('; '));
  }
  const given = Object.values(parsed.data).some((value) => value !== undefined);
  if (given && options.stateTable === undefined && options.endpoint === undefined) {
    throw new CliUsageError(
      '--worker-mapping, --worker-function and --sweeper-rule name a deployed pipeline: give its --state-table (and --region) too',
    );
  }
  return parsed.data;
}

export interface Target {
  readonly engine: Engine;
  readonly clients: AwsClients;
  readonly graph: Graph;
  readonly workQueueUrl: string;
  readonly deadLetterQueueUrl: string | undefined;
  readonly endpoint: string;
  /** The flags naming a deployed pipeline's switch, checked. */
  readonly switchFlags: SwitchFlags;
  /**
   * What stops and starts consumption: the local runtime (it follows the state-table flag),
   * or a deployed pipeline's event source mapping and schedule rule named by flags. Undefined
   * on AWS when no flag names them.
   */
  pipelineSwitch(): Promise<PipelineSwitch | undefined>;
}

export async function loadGraph(modulePath: string): Promise<Graph> {
  try {
    return await loadGraphModule(modulePath);
  } catch (error) {
    if (error instanceof GraphModuleError) throw new CliError(error.message);
    throw error;
  }
}

export function writeConnection(path: string, connection: LocalConnection): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(connection, null, 2)}\n`);
}

export function removeConnection(path: string): void {
  rmSync(path, { force: true });
}

function readConnection(path: string): LocalConnection | undefined {
  if (!existsSync(path)) return undefined;
  const parsed = connectionSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success)
    throw new CliError(
      `${path} is not a lethe connection file; delete it and run \`lethe local\` again`,
    );
  return parsed.data;
}

/** The graph module of the running local stack, if there is one. */
export function connectedGraphModule(path: string): string | undefined {
  try {
    return readConnection(path)?.graphModule;
  } catch {
    return undefined;
  }
}

export async function resolveTarget(options: TargetOptions): Promise<Target> {
  const flags = parseSwitchFlags(options);
  const explicit = options.stateTable !== undefined || options.endpoint !== undefined;
  const connection = explicit
    ? undefined
    : readConnection(options.connection ?? DEFAULT_CONNECTION_FILE);
  if (!connection && !explicit) {
    throw new CliError(
      'no local stack is running (start one with `lethe local`), and no --state-table was given for AWS',
    );
  }
  const graph = await loadGraph(options.graph ?? connection?.graphModule ?? DEFAULT_GRAPH_MODULE);
  const region = options.region ?? connection?.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const awsOptions = {
    region,
    maxAttempts: 3,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  };
  const clients = connection
    ? createAwsClients({ region, endpoints: connection.endpoints })
    : createAwsClients(awsOptions);
  const workQueueUrl = options.workQueueUrl ?? connection?.workQueueUrl ?? '';
  const settings = resolveSettings({
    ...(connection
      ? {
          stateTableName: connection.stateTableName,
          workQueueName: connection.workQueueName,
          deadLetterQueueName: connection.deadLetterQueueName,
        }
      : {}),
    ...(options.stateTable ? { stateTableName: options.stateTable } : {}),
  });
  const engine = createEngine({
    graph,
    clients,
    settings,
    workQueueUrl: workQueueUrl || 'http://127.0.0.1/unset-work-queue',
    // Events are published by the workers; the CLI itself only reads.
    events: createInMemoryEventBus(),
    // A deployed pipeline's receipts are signed by its KMS key only (`--key-id` to read it).
    ...(connection || options.endpoint ? {} : { signer: null }),
  });
  const worker = async (): Promise<WorkerMappingRef | undefined> => {
    if (flags.workerMapping) return { mappingId: flags.workerMapping };
    if (!flags.workerFunction) return undefined;
    // With the queue known, only the mapping from that queue is the worker's.
    const queueArn = workQueueUrl
      ? await createSqsQueueConsumer(clients).queueArn(workQueueUrl)
      : '';
    return { functionName: flags.workerFunction, ...(queueArn ? { queueArn } : {}) };
  };
  const awsSwitch = flags.workerMapping ?? flags.workerFunction ?? flags.sweeperRule;
  let pipelineSwitch: Promise<PipelineSwitch | undefined> | undefined;
  return {
    engine,
    clients,
    graph,
    workQueueUrl,
    deadLetterQueueUrl: options.dlqUrl ?? connection?.deadLetterQueueUrl,
    endpoint: options.endpoint ?? connection?.endpoints.dynamodb ?? `AWS (${region})`,
    switchFlags: flags,
    pipelineSwitch() {
      pipelineSwitch ??= (async () => {
        if (awsSwitch !== undefined) {
          const workerRef = await worker();
          return createAwsPipelineSwitch(
            { lambda: await createLambdaClient(awsOptions), eventbridge: clients.eventbridge },
            {
              ...(workerRef ? { worker: workerRef } : {}),
              ...(flags.sweeperRule ? { sweeperRule: flags.sweeperRule } : {}),
            },
          );
        }
        // A local stack: whatever runtime runs on it follows the flag by itself.
        if (connection !== undefined || options.endpoint !== undefined) {
          return createLocalPipelineSwitch(engine.context.state);
        }
        return undefined;
      })();
      return pipelineSwitch;
    },
  };
}
