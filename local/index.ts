// `lethe/local`: run lethe against your own graph on real emulators (DynamoDB Local, fauxqs),
// driving the same handlers Lambda runs. For tests and for trying a graph before deploying it.

// First: on an unsupported Node, one clear error before anything else loads.
import '../lib/require-supported-node.js';

export { LocalStackError } from '../lib/errors.js';
export { createInMemoryEventBus, type InMemoryEventBus } from './in-memory-event-bus.js';
export {
  type LocalRuntime,
  type LocalRuntimeOptions,
  startLocalRuntime,
} from './local-runtime.js';
export { provisionLocal } from './provision-local.js';
export type { SqsPoller } from './sqs-poller.js';
export {
  type LocalEndpoints,
  type LocalStack,
  type LocalStackOptions,
  startLocalStack,
} from './start-local-stack.js';
