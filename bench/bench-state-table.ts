// lethe's state table as the bench provisions it: as deployed, less its stream.
import type { TablePlan } from '../lib/adapters/provision-resources.js';
import type { Settings } from '../lib/settings.js';
import { stateTablePlan } from '../local/local-resource-plan.js';

/**
 * The state table of a bench run: keys, index and TTL as deployed, without the stream. No
 * bench run reads the state stream, and DynamoDB Local keeps every stream record and slows
 * down with each, for every table on the stack: after 1,000 small jobs the next run's
 * transactions took 5–80 s each, and 1,000 small jobs ran at 4.7 jobs/s with the stream
 * against 12.9 without. On AWS a stream never slows a write and keeps records 24 hours.
 */
export function benchStateTablePlan(settings: Settings): TablePlan {
  return { ...stateTablePlan(settings), stream: false };
}
