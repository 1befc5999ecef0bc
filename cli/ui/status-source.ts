// What the status page reads, and from where: the state table, the dead-letter queue and the
// pause switch of one pipeline (the local stack or a deployed one), through lethe's own
// queries. Read-only: nothing here writes, sends or switches.
import { createSqsQueueConsumer } from '../../lib/adapters/sqs-queue-consumer.js';
import type { Engine } from '../../lib/engine/create-engine.js';
import { type JobTree, readJobTree } from '../../lib/engine/job-tree.js';
import { type PipelineOverview, pipelineOverview } from '../../lib/engine/pipeline-overview.js';
import type { DeletionPlan } from '../../lib/engine/plan-deletion.js';
import { renderMermaid } from '../../lib/graph/render-mermaid.js';
import {
  listRecentJobs,
  type RecentJobsPage,
  type RecentJobsQuery,
} from '../../lib/model/recent-jobs.js';
import type { PipelineSwitch } from '../../lib/ports/pipeline-switch.js';
import type { QueueConsumer } from '../../lib/ports/queue-consumer.js';
import type { Target } from '../target.js';

export interface StatusSource {
  /** Where the page looks, in words (shown in its header). */
  readonly description: string;
  /** The endpoint named in "cannot reach" messages. */
  readonly endpoint: string;
  /** The state table, named in "cannot read" messages. */
  readonly stateTable: string;
  overview(): Promise<PipelineOverview>;
  jobs(query: RecentJobsQuery): Promise<RecentJobsPage>;
  /** Undefined when there is no such job. */
  job(jobId: string): Promise<JobTree | undefined>;
  plan(entity: string, id: string): Promise<DeletionPlan>;
  mermaid(): string;
}

export interface StatusSourceOptions {
  readonly engine: Engine;
  readonly queues?: QueueConsumer | undefined;
  readonly deadLetterQueueUrl?: string | undefined;
  pipelineSwitch(): Promise<PipelineSwitch | undefined>;
  readonly description: string;
  readonly endpoint: string;
}

export function createStatusSource(options: StatusSourceOptions): StatusSource {
  const { engine } = options;
  const state = engine.context.state;
  const graph = engine.context.graph;
  const mermaid = renderMermaid(graph);
  return {
    description: options.description,
    endpoint: options.endpoint,
    stateTable: state.table,
    async overview() {
      return pipelineOverview({
        state,
        shards: engine.context.settings.shards,
        pipelineSwitch: await options.pipelineSwitch(),
        queues: options.queues,
        deadLetterQueueUrl: options.deadLetterQueueUrl,
      });
    },
    jobs: (query) => listRecentJobs(state, query),
    job: (jobId) => readJobTree(state, graph, jobId),
    plan: (entity, id) => engine.plan(entity, id),
    mermaid: () => mermaid,
  };
}

/** The source for a resolved CLI target (`lethe ui`): same flags as every other command. */
export function statusSourceOfTarget(target: Target): StatusSource {
  return createStatusSource({
    engine: target.engine,
    queues: createSqsQueueConsumer(target.clients),
    deadLetterQueueUrl: target.deadLetterQueueUrl,
    pipelineSwitch: () => target.pipelineSwitch(),
    description: `${target.endpoint}, state table ${target.engine.context.state.table}`,
    endpoint: target.endpoint,
  });
}
