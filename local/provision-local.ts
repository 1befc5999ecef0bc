// Provisions everything a graph needs on the local stack. Idempotent.
import type { AwsClients } from '../lib/adapters/aws-clients.js';
import {
  type ProvisionedResources,
  provisionResources,
} from '../lib/adapters/provision-resources.js';
import type { Graph } from '../lib/graph/graph-types.js';
import type { Settings } from '../lib/settings.js';
import { localResourcePlan } from './local-resource-plan.js';

export function provisionLocal(
  clients: AwsClients,
  graph: Graph,
  settings: Settings,
): Promise<ProvisionedResources> {
  return provisionResources(clients, localResourcePlan(graph, settings));
}
