// The shape of bench/results/latest.json: every run with its verified outcome, the machine
// and versions it ran on, and the prices its costs used. Bump `schemaVersion` on a change
// that older readers cannot ignore; fields that are only added keep it (`endToEnd`).
import type { CostBreakdown, Usage } from '../lib/cost/cost-model.js';
import type { Prices } from '../lib/cost/prices.js';

export type Suite = 'objects' | 'rows';

/**
 * ok: ran and verified; incomplete: ran but left items behind or touched neighbours;
 * failed: threw; skipped: cannot run here (tool missing); not-run: no runner yet, or filtered out.
 */
export type RunStatus = 'ok' | 'incomplete' | 'failed' | 'skipped' | 'not-run';

export interface RunRecord {
  readonly suite: Suite;
  readonly runner: string;
  readonly label: string;
  readonly role: 'lethe' | 'baseline' | 'limit';
  readonly n: number;
  readonly latencyMs: number;
  readonly status: RunStatus;
  readonly reason?: string;
  readonly elapsedMs?: number;
  readonly deletedReported?: number;
  readonly deletedVerified?: number;
  /** Verified deletions per second of measured time. */
  readonly itemsPerSecond?: number;
  readonly requestsTotal?: number;
  readonly requestsPer1000Items?: number;
  /** Most requests in flight at once at the proxies while measuring: the runner's real concurrency. */
  readonly peakInFlight?: number;
  /** Proxy counts plus what the runner reported the proxy cannot see (Lambda, events). */
  readonly usage?: Usage;
  readonly costPerMillionItems?: CostBreakdown;
  readonly verification?: { readonly remaining: number; readonly neighboursIntact: boolean };
  readonly seedMs?: number;
  /** 1-minute load average when the run started: other work on the machine shows here. */
  readonly loadAverage?: number;
  readonly notes: readonly string[];
}

export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGb: number;
  readonly platform: string;
  readonly release: string;
  readonly arch: string;
  /** 1, 5 and 15-minute load averages when the bench started and when it ended. */
  readonly loadAverage: { readonly start: readonly number[]; readonly end: readonly number[] };
}

export interface Versions {
  readonly lethe: string;
  readonly node: string;
  readonly fauxqs: string;
  readonly dynamoDbLocal: string;
  readonly java: string;
  readonly awsSdkClientS3: string;
  readonly awsCli: string;
  readonly rclone: string;
}

/**
 * One `lethe demo --scale S --json` run in a process of its own: the example graph seeded at S×,
 * deleted through ingest, the queue, the workers and the sweeper, verified from outside.
 * ok: verified; failed: the demo failed, timed out, was not verified or printed no report.
 */
export interface EndToEndRecord {
  readonly scale: number;
  readonly status: 'ok' | 'failed';
  readonly reason?: string;
  readonly seeded?: { readonly rows: number; readonly objects: number; readonly seconds: number };
  readonly deleted?: {
    readonly rows: number;
    readonly rowsNulled: number;
    readonly objects: number;
    readonly sharedKept: number;
  };
  /** Rows and objects deleted (nulled rows and kept shared objects not included). */
  readonly itemsDeleted?: number;
  /** From the EntityDeleted event into ingest to DeletionCompleted. */
  readonly wallTimeSeconds?: number;
  /** The whole demo process: stack start, seeding, plan, deletion, verification, stop. */
  readonly processSeconds?: number;
  readonly units?: number;
  /** SDK calls by `service:Action` during the deletion, counted in the demo process. */
  readonly requests?: Readonly<Record<string, number>>;
  readonly requestsTotal?: number;
  readonly requestsPer1000Items?: number;
  /** RSS of the demo process (it runs the workers; the emulators are other processes), MiB. */
  readonly peakRssMbDuringDeletion?: number;
  readonly maxRssMb?: number;
  readonly estimatedAwsCostUsd?: number;
  /** Names of the demo's checks that did not hold. */
  readonly failedChecks: readonly string[];
  /** 1-minute load average when the demo started. */
  readonly loadAverage: number;
}

export interface BenchOptionsRecord {
  readonly keys: readonly number[];
  readonly rows: readonly number[];
  readonly latencyMs: number;
  readonly quick: boolean;
  readonly only: readonly string[] | undefined;
  /** Demo scales run end to end; empty when skipped. Absent in results from before it existed. */
  readonly e2e?: readonly number[];
}

export interface BenchResults {
  readonly schemaVersion: 1;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly command: string;
  readonly options: BenchOptionsRecord;
  readonly machine: MachineInfo;
  readonly versions: Versions;
  readonly prices: Prices;
  readonly runs: readonly RunRecord[];
  /** Absent in results from before end-to-end runs existed. */
  readonly endToEnd?: readonly EndToEndRecord[];
  readonly notes: readonly string[];
}
