// The shape of bench/results/latest.json: every run with its verified outcome, the machine
// and versions it ran on, and the prices its costs used. Bump `schemaVersion` on a change.
import type { CostBreakdown, Usage } from './cost-model.js';
import type { Prices } from './prices.js';

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

export interface BenchOptionsRecord {
  readonly keys: readonly number[];
  readonly rows: readonly number[];
  readonly latencyMs: number;
  readonly quick: boolean;
  readonly only: readonly string[] | undefined;
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
  readonly notes: readonly string[];
}
