// The sweeper, on a schedule: one `engine.sweep()` per tick (watermarks over tombstones,
// stalled units, interrupted intents, retention, tombstone GC). It publishes the age of the
// oldest tombstone not yet fully dispatched, the metric the deletion SLA alarm watches.
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, ScheduledEvent } from 'aws-lambda';
import type { Graph } from '../lib/graph/graph-types.js';
import { engineFromEnv, type HandlerDependencies } from './engine-from-env.js';
import { METRIC } from './metric-names.js';
import {
  createObservability,
  type ObservabilityOptions,
  withObservability,
} from './observability.js';

export interface SweeperHandlerOptions extends HandlerDependencies, ObservabilityOptions {}

export function createSweeperHandler(graph: Graph, options: SweeperHandlerOptions = {}) {
  const observability = createObservability(options);
  const { logger, metrics } = observability;
  const engine = engineFromEnv(graph, options, observability);

  async function handleSweep(event: ScheduledEvent, _context: Context) {
    const report = await engine.sweep();
    metrics.addMetric(
      METRIC.oldestPendingTombstoneAgeSeconds,
      MetricUnit.Seconds,
      report.oldestPendingTombstoneAgeSeconds ?? 0,
    );
    logger.info('sweep done', { scheduledAt: event.time, report });
    return report;
  }

  return withObservability(handleSweep, observability);
}
