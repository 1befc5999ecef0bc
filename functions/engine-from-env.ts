// Builds the engine a handler runs, once per cold start: from the environment the construct
// sets and real AWS clients, unless a test injects clients or a whole engine.
import { type AwsClients, createAwsClients } from '../lib/adapters/aws-clients.js';
import { createEngine, type Engine } from '../lib/engine/create-engine.js';
import { LetheError } from '../lib/errors.js';
import { graphFingerprint } from '../lib/graph/graph-fingerprint.js';
import type { Graph } from '../lib/graph/graph-types.js';
import { type Observability, traceClients } from './observability.js';
import { settingsFromEnv } from './settings-from-env.js';

export interface HandlerDependencies {
  /** SDK clients, e.g. pointed at emulators. @default createAwsClients() */
  readonly clients?: AwsClients;
  /** A ready engine; when given, `clients` and the environment are not read. */
  readonly engine?: Engine;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

export function engineFromEnv(
  graph: Graph,
  dependencies: HandlerDependencies,
  observability: Observability,
): Engine {
  if (dependencies.engine) return dependencies.engine;
  const config = settingsFromEnv(dependencies.env);
  const bundled = graphFingerprint(graph);
  if (config.graphFingerprint !== undefined && config.graphFingerprint !== bundled) {
    // Permissions were computed from another graph: refuse to run rather than half-work.
    throw new LetheError(
      'GRAPH_MISMATCH',
      `this function was bundled with graph ${bundled}, but deployed for graph ${config.graphFingerprint}; pass DeletionPipeline the graph that graphModule exports`,
    );
  }
  const clients = dependencies.clients ?? traceClients(observability.tracer, createAwsClients());
  return createEngine({
    graph,
    clients,
    settings: config.settings,
    workQueueUrl: config.workQueueUrl,
    eventBusName: config.eventBusName,
    // Only a function the construct gave the receipt key signs; the others never hold a key.
    ...(config.settings.receiptKeyId === undefined ? { signer: null } : {}),
  });
}
