// The contract between the small-jobs harness (run-small-jobs.ts) and its two runners, lethe
// and the inline cascade: what a runner is given and what it hands back.
import type { Usage } from '../../lib/cost/cost-model.js';
import type { LocalEndpoints } from '../../local/start-local-stack.js';
import type { Arrival } from './arrivals.js';
import type { JobHops } from './queue-hops.js';
import type { SeededSmallJobs } from './seed-small-jobs.js';

/** What `measure` saw: the work's own result, its wall time and the requests the proxies counted. */
export interface Measured<T> {
  readonly value: T;
  readonly elapsedMs: number;
  readonly usage: Usage;
  readonly peakInFlight: number;
}

export interface SmallJobsEnv {
  readonly region: string;
  /** The counting (and delaying) proxies: every measured request goes here. */
  readonly endpoints: LocalEndpoints;
  /** The emulators themselves: setup and read-back outside `measure` only. */
  readonly emulatorEndpoints: LocalEndpoints;
  readonly data: SeededSmallJobs;
  readonly arrival: Arrival;
  /** Deletions in flight at once (ingest events, worker records, inline cascades). */
  readonly concurrency: number;
  /**
   * Times `work` and counts the requests passing the proxies meanwhile. Call it once, around
   * the arrivals and the deletions only.
   */
  measure<T>(work: () => Promise<T>): Promise<Measured<T>>;
  log(message: string): void;
}

export interface SmallJobsOutcome {
  /** EntityDeleted → DeletionCompleted (lethe) or → cascade done (inline), one per job, ms. */
  readonly latenciesMs: readonly number[];
  readonly elapsedMs: number;
  readonly usage: Usage;
  readonly peakInFlight: number;
  /** Lambda and EventBridge usage the proxies cannot see. */
  readonly extraUsage: Pick<Usage, 'lambdaInvocations' | 'lambdaGbSeconds' | 'eventBridgeEvents'>;
  /** Per job, read from its units after the run; absent for a runner without a queue. */
  readonly hops?: readonly JobHops[];
  readonly notes: readonly string[];
}

export type SmallJobsRunner = (env: SmallJobsEnv) => Promise<SmallJobsOutcome>;
