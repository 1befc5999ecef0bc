// The shape of bench/results/latest.json: every run with its verified outcome, the machine
// and versions it ran on, and the prices its costs used. Bump `schemaVersion` on a change
// that older readers cannot ignore; fields that are only added keep it (`endToEnd`, `smallJobs`).
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
  /** The restore of what this run deleted, when the runner restores (lethe's rows). */
  readonly restore?: RestoreRecord;
  /**
   * Which pass of a paired run (`BenchResults.pairPasses`) this is: 2, 4, … ran the variant
   * first, 3, 5, … lethe first. Absent on `runs`, the registry's pass (1, lethe first).
   */
  readonly pass?: number;
  readonly notes: readonly string[];
}

/**
 * What the items a restore brought back look like, read from the emulator directly: every
 * deleted item compared with the item seeded (all of them, not a sample), and the neighbours.
 */
export interface RestoreVerification {
  /** Deleted items looked for. */
  readonly checked: number;
  /** Back, attribute for attribute equal to the seeded item. */
  readonly equal: number;
  readonly missing: number;
  /** Back, but not equal to the seeded item. */
  readonly differ: number;
  /** Items found that nobody seeded. */
  readonly extra: number;
  readonly neighboursIntact: boolean;
}

/**
 * The restore of a run's deletion, timed and counted in a window of its own after the
 * deletion's (issue 17 §4: restore throughput beside deletion's). ok: every deleted item back
 * equal to the seeded one, neighbours intact; incomplete: not so; failed: the restore threw.
 */
export interface RestoreRecord {
  readonly status: 'ok' | 'incomplete' | 'failed';
  readonly reason?: string;
  readonly elapsedMs?: number;
  readonly restoredReported?: number;
  /** Items verified back and equal to what was seeded. */
  readonly restoredVerified?: number;
  /** Verified restored items per second of the restore's measured time. */
  readonly itemsPerSecond?: number;
  readonly requestsTotal?: number;
  readonly requestsPer1000Items?: number;
  readonly usage?: Usage;
  readonly verification?: RestoreVerification;
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

/**
 * One small-jobs run (bench/small-jobs/): N users deleted one job each, by lethe through ingest,
 * the queue and the worker, or by the inline cascade (the floor), with events arriving all at
 * once (`burst`) or at a steady rate. Rates and latencies are per job, not per item.
 * ok: ran and verified; incomplete: left items behind or touched neighbours; failed: threw.
 */
export interface SmallJobsRecord {
  readonly runner: 'lethe' | 'inline-cascade';
  readonly label: string;
  readonly role: 'lethe' | 'baseline';
  readonly arrival: 'burst' | 'steady';
  /** Events per second of a steady arrival. */
  readonly arrivalPerSecond?: number;
  /** Users (jobs) deleted. */
  readonly n: number;
  /** Rows and objects per user: its own row, its children, its objects. */
  readonly itemsPerJob: number;
  readonly latencyMs: number;
  /** Deletions in flight at once. */
  readonly concurrency: number;
  readonly status: 'ok' | 'incomplete' | 'failed';
  readonly reason?: string;
  /** From the first event's arrival to the last job's completion. */
  readonly elapsedMs?: number;
  readonly jobsPerSecond?: number;
  /** Per job, from its event's arrival to its completion, ms. */
  readonly jobLatencyMs?: {
    readonly p50: number;
    readonly p95: number;
    readonly p99: number;
    readonly max: number;
  };
  /**
   * Sequential queue hops on a job's critical path (root unit → the unit that settled last),
   * median and max over the jobs, and the longest chain of units any job had. lethe only.
   */
  readonly queueHops?: { readonly median: number; readonly max: number; readonly longest: number };
  readonly requestsTotal?: number;
  readonly requestsPerJob?: number;
  readonly peakInFlight?: number;
  /** Proxy counts plus Lambda and EventBridge usage the runner reported. */
  readonly usage?: Usage;
  readonly costPerMillionJobs?: CostBreakdown;
  readonly verification?: { readonly remaining: number; readonly neighboursIntact: boolean };
  readonly seedMs?: number;
  readonly loadAverage?: number;
  readonly notes: readonly string[];
}

export interface BenchOptionsRecord {
  readonly keys: readonly number[];
  readonly rows: readonly number[];
  readonly latencyMs: number;
  readonly quick: boolean;
  readonly only: readonly string[] | undefined;
  /** Demo scales run end to end; empty when skipped. Absent in results from before it existed. */
  readonly e2e?: readonly number[];
  /** Users in the small-jobs suite; absent when skipped (and in results from before it). */
  readonly smallJobs?: number;
  /**
   * How many passes each object pair of `PAIRED_BASELINES` runs, alternating which goes first
   * (the row pair runs at most 2). Absent in results from before it existed.
   */
  readonly pairPasses?: number;
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
  /** Absent in results from before the small-jobs suite existed, or when it was skipped. */
  readonly smallJobs?: readonly SmallJobsRecord[];
  /**
   * The paired runs (`PAIRED_BASELINES`: lethe and a lethe variant) again, passes 2 and on
   * (`RunRecord.pass`), at each size and latency where both ran, alternating which goes first:
   * with `runs` they make A-B, B-A, A-B, … so the pair's ratio is judged from both orders and
   * several runs (whichever runs first pays more of the emulators' warm-up, and one run of the
   * pair varies by more than the 5% a target judges). Absent in results from before it existed.
   */
  readonly pairPasses?: readonly RunRecord[];
  readonly notes: readonly string[];
}
