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

/** The share of the invocation's remaining time a sweep may start new work in. */
const SWEEP_SHARE_OF_TIMEOUT = 0.5;

export interface SweeperHandlerOptions extends HandlerDependencies, ObservabilityOptions {}

export function createSweeperHandler(graph: Graph, options: SweeperHandlerOptions = {}) {
  const observability = createObservability(options);
  const { logger, metrics } = observability;
  const engine = engineFromEnv(graph, options, observability);

  async function handleSweep(event: ScheduledEvent, context: Context) {
    // Half the invocation's time for new work; the rest lets the last step finish.
    const deadline = new Date(
      Date.now() + context.getRemainingTimeInMillis() * SWEEP_SHARE_OF_TIMEOUT,
    );
    const report = await engine.sweep({ deadline });
    metrics.addMetric(
      METRIC.oldestPendingTombstoneAgeSeconds,
      MetricUnit.Seconds,
      report.oldestPendingTombstoneAgeSeconds ?? 0,
    );
    metrics.addMetric(METRIC.jobsVerified, MetricUnit.Count, report.jobsVerified);
    metrics.addMetric(METRIC.verificationFindings, MetricUnit.Count, report.verificationFindings);
    if (report.verificationsFailed > 0)
      logger.warn('verifications failed; the next sweep tries them again', {
        failed: report.verificationsFailed,
      });
    if (report.verificationFindings > 0)
      logger.error('verification found what completed jobs should have erased', {
        findings: report.verificationFindings,
      });
    metrics.addMetric(METRIC.deadlinesAtRisk, MetricUnit.Count, report.deadlinesAtRisk ?? 0);
    logger.info('sweep done', { scheduledAt: event.time, report });
    return report;
  }

  return withObservability(handleSweep, observability);
}
