// Provisions everything a graph needs on the local stack. Idempotent.
import type { AwsClients } from '../lib/adapters/aws-clients.js';
import {
  type ProvisionedResources,
  provisionResources,
} from '../lib/adapters/provision-resources.js';
import type { Graph } from '../lib/graph/graph-types.js';
import type { Settings } from '../lib/settings.js';
import { localResourcePlan } from './local-resource-plan.js';

/**
 * Creates what `graph` needs on the local stack (its tables with their indexes, its buckets,
 * lethe's state table, work queue and DLQ). Idempotent; returns the queue URLs.
 */
export function provisionLocal(
  clients: AwsClients,
  graph: Graph,
  settings: Settings,
): Promise<ProvisionedResources> {
  return provisionResources(clients, localResourcePlan(graph, settings));
}
