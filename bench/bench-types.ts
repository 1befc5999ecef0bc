// The contract between the harness and a runner: what a runner is given (BenchEnv), what it
// returns (RunResult), and how it says it cannot run here (RunnerSkippedError).
import type { AwsClients } from '../lib/adapters/aws-clients.js';
import type { Usage } from '../lib/cost/cost-model.js';
import type { LocalEndpoints } from '../local/start-local-stack.js';

/** N objects under one prefix in a bucket of their own, plus untouchable neighbours. */
export interface SeededObjects {
  readonly bucket: string;
  /** `objects/{ownerId}/`: every key to delete starts with it. */
  readonly prefix: string;
  /** The id in the prefix; safe for a lethe key template `objects/{ownerId}/`. */
  readonly ownerId: string;
  readonly count: number;
  /**
   * Keys that must survive: `objects/{ownerId}x/…` share the prefix's first characters (the
   * classic over-deletion when the trailing slash is forgotten).
   */
  readonly neighbourKeys: readonly string[];
}

/** N child rows of one parent in a table with a GSI by parent, plus rows of another parent. */
export interface SeededRows {
  readonly table: string;
  /** Partition key of the table (string). */
  readonly keyAttribute: string;
  /** The attribute holding the parent id; partition key of `index`. */
  readonly parentAttribute: string;
  /** GSI: partition `parentAttribute`, sort `keyAttribute`, projection ALL. */
  readonly index: string;
  readonly parentId: string;
  readonly count: number;
  /** Rows of another parent that must survive. */
  readonly neighbourParentId: string;
  readonly neighbourCount: number;
}

export interface BenchEnv<Data> {
  readonly region: string;
  /**
   * Where every measured request must go: the counting proxies (with the run's added latency)
   * in front of DynamoDB Local and fauxqs. Requests that bypass them are neither delayed nor
   * counted.
   */
  readonly endpoints: LocalEndpoints;
  /** The emulators themselves. For setup outside `measure` only; never for measured work. */
  readonly emulatorEndpoints: LocalEndpoints;
  /** SDK clients on `endpoints`, built for this run and destroyed after it. */
  readonly clients: AwsClients;
  readonly data: Data;
  /** Latency the proxies add to each request in this run. */
  readonly latencyMs: number;
  /** An empty scratch directory for this run (temporary configs), removed afterwards. */
  readonly workDir: string;
  /**
   * Times `work` and counts every request that passes the proxies while it runs. Call it once,
   * around the deletion only (setup and teardown stay outside). `work` resolves to the number
   * of items it deleted as the runner saw them; the harness verifies independently.
   * `tail`, when given, runs after `work` with the clock stopped: what it waits for (lethe's
   * worker finishing the batch that completed the job: its outbox delete, its queue delete)
   * is counted, its time is not, so the count does not depend on when the window closed.
   */
  measure(work: () => Promise<number>, tail?: () => Promise<void>): Promise<RunResult>;
  /**
   * Times and counts `work` — a restore of what `measure` deleted — in a window of its own,
   * after the deletion: the harness first verifies the deletion from outside (so the restore
   * does not undo what that check must find), then measures `work`, and verifies the restore
   * from outside once the runner returns. Call it at most once, after `measure`. `work`
   * resolves to the items it reports restored; when it throws, the restore is recorded as
   * failed (the deletion's record stands) and this resolves to undefined.
   */
  measureRestore(work: () => Promise<number>): Promise<RestoreResult | undefined>;
  log(message: string): void;
}

/** A restore's own window: what it reported, how long it took, what it sent. */
export interface RestoreResult {
  /** Items the restore reports brought back. */
  readonly restored: number;
  readonly elapsedMs: number;
  /** Requests counted at the proxies while the restore ran. */
  readonly usage: Usage;
}

export interface RunResult {
  /** Items the runner reports deleted. */
  readonly deleted: number;
  readonly elapsedMs: number;
  /** Requests counted at the proxies during `measure`, with capacity units and SQS billing. */
  readonly usage: Usage;
  /**
   * Usage the proxies cannot see (Lambda invocations and GB-seconds, EventBridge events),
   * added to `usage` for the cost. Runners that invoke handlers should fill it in.
   */
  readonly extraUsage?: Partial<
    Pick<Usage, 'lambdaInvocations' | 'lambdaGbSeconds' | 'eventBridgeEvents'>
  >;
  readonly notes?: readonly string[];
}

export type Runner<Data> = (env: BenchEnv<Data>, n: number) => Promise<RunResult>;
export type ObjectRunner = Runner<SeededObjects>;
export type RowRunner = Runner<SeededRows>;

export interface RunnerEntry<Data> {
  readonly id: string;
  readonly label: string;
  readonly description: string;
  /** `lethe` is compared against every other entry; `limit` is the ceiling, not a competitor. */
  readonly role: 'lethe' | 'baseline' | 'limit';
  /** Undefined while not written yet: the report then says "not run". */
  readonly run: Runner<Data> | undefined;
  /** Why it cannot run on this machine (a tool not installed), checked before seeding. */
  readonly unavailable?: () => Promise<string | undefined>;
}

/** Thrown by a runner that cannot run on this machine (a tool not installed…). */
export class RunnerSkippedError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'RunnerSkippedError';
  }
}
