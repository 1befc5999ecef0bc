// Which lethe a command talks to: the local stack that `lethe local` is running (its
// connection file), or a deployed pipeline on AWS named by flags. Either way the command
// gets the same engine, built from the same graph.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as z from 'zod';
import { type AwsClients, createAwsClients } from '../lib/adapters/aws-clients.js';
import { createEngine, type Engine } from '../lib/engine/create-engine.js';
import type { Graph } from '../lib/graph/graph-types.js';
import { createInMemoryEventBus } from '../lib/local/in-memory-event-bus.js';
import { resolveSettings } from '../lib/settings.js';
import { CliError } from './cli-error.js';

export const DEFAULT_CONNECTION_FILE = '.lethe/local.json';
export const DEFAULT_GRAPH_MODULE = 'infra/example-graph-module.ts';

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
}

export interface Target {
  readonly engine: Engine;
  readonly clients: AwsClients;
  readonly graph: Graph;
  readonly workQueueUrl: string;
  readonly deadLetterQueueUrl: string | undefined;
  readonly endpoint: string;
}

export async function loadGraph(modulePath: string): Promise<Graph> {
  const absolute = isAbsolute(modulePath) ? modulePath : resolve(process.cwd(), modulePath);
  if (!existsSync(absolute)) throw new CliError(`graph module not found: ${modulePath}`);
  const loaded = (await import(pathToFileURL(absolute).href)) as { graph?: Graph };
  if (!loaded.graph || typeof loaded.graph !== 'object' || !('entities' in loaded.graph)) {
    throw new CliError(`${modulePath} does not export \`graph\` (the result of defineGraph)`);
  }
  return loaded.graph;
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
  const clients = connection
    ? createAwsClients({ region, endpoints: connection.endpoints })
    : createAwsClients({
        region,
        maxAttempts: 3,
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      });
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
  });
  return {
    engine,
    clients,
    graph,
    workQueueUrl,
    deadLetterQueueUrl: options.dlqUrl ?? connection?.deadLetterQueueUrl,
    endpoint: options.endpoint ?? connection?.endpoints.dynamodb ?? `AWS (${region})`,
  };
}
