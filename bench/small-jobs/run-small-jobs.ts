// The small-jobs suite on the bench's local stack: per added latency, the inline cascade and
// lethe with every event at once (burst), then both at a steady rate of half the inline
// cascade's burst jobs/s. Each run gets fresh data, is measured at the proxies, and is checked
// afterwards against the emulators: the deleted users are gone, their neighbours are not.
import { setTimeout as sleep } from 'node:timers/promises';
import type { AwsClients } from '../../lib/adapters/aws-clients.js';
import {
  addUsage,
  costPerMillionItems,
  diffUsage,
  emptyUsage,
  totalRequests,
} from '../../lib/cost/cost-model.js';
import type { LocalEndpoints } from '../../local/start-local-stack.js';
import type { SmallJobsRecord } from '../bench-results.js';
import { loadAverages } from '../machine-info.js';
import type { RequestCounter } from '../request-counter.js';
import type { Arrival } from './arrivals.js';
import { inlineCascadeRunner } from './inline-cascade.js';
import { percentile, summarizeLatencies } from './latency-summary.js';
import { letheSmallJobsRunner } from './lethe-small-jobs.js';
import { dropSmallJobs, seedSmallJobs, verifySmallJobs } from './seed-small-jobs.js';
import type { Measured, SmallJobsOutcome, SmallJobsRunner } from './small-jobs-types.js';

/**
 * Deletions in flight at once, for both: lethe's local worker takes 4 batches of 10 records
 * (40 units), ingest takes up to 40 events, and the inline cascade runs 40 users at a time.
 */
export const SMALL_JOBS_CONCURRENCY = 40;
/** The steady rate is this share of the inline cascade's burst jobs/s at the same latency. */
export const STEADY_SHARE_OF_INLINE = 0.5;
/** Steady rate when the inline burst run gave no rate to take half of, events/s. */
const FALLBACK_STEADY_PER_SECOND = 10;
const SETTLE_MS = 1000;

export interface SmallJobsContext {
  readonly region: string;
  readonly emulatorEndpoints: LocalEndpoints;
  readonly proxiedEndpoints: LocalEndpoints;
  readonly counter: RequestCounter;
  /** Clients on the emulators: seeding, verification, drop. */
  readonly direct: AwsClients;
  setDelay(ms: number): void;
  readonly log: (line: string) => void;
}

interface Entry {
  readonly runner: SmallJobsRecord['runner'];
  readonly label: string;
  readonly role: SmallJobsRecord['role'];
  readonly run: SmallJobsRunner;
}

const INLINE: Entry = {
  runner: 'inline-cascade',
  label: 'inline cascade',
  role: 'baseline',
  run: inlineCascadeRunner,
};
const LETHE: Entry = { runner: 'lethe', label: 'lethe', role: 'lethe', run: letheSmallJobsRunner };

/** The steady rate for a latency: half the inline cascade's burst jobs/s, whole events/s, ≥ 1. */
export function steadyRate(inlineBurst: SmallJobsRecord | undefined): number {
  const rate = inlineBurst?.status === 'ok' ? inlineBurst.jobsPerSecond : undefined;
  if (rate === undefined) return FALLBACK_STEADY_PER_SECOND;
  return Math.max(1, Math.floor(rate * STEADY_SHARE_OF_INLINE));
}

function measureWith(counter: RequestCounter) {
  let used = false;
  return async <T>(work: () => Promise<T>): Promise<Measured<T>> => {
    if (used) throw new Error('env.measure may be called once per run');
    used = true;
    const before = counter.snapshot();
    counter.resetPeak();
    const started = performance.now();
    const value = await work();
    const elapsedMs = performance.now() - started;
    return {
      value,
      elapsedMs,
      usage: diffUsage(counter.snapshot(), before),
      peakInFlight: counter.peakInFlight(),
    };
  };
}

/** The record of a run that finished, from what the runner saw and what verification found. */
export function smallJobsRecord(
  base: Omit<SmallJobsRecord, 'status' | 'notes'>,
  outcome: SmallJobsOutcome,
  verification: { remaining: number; neighboursIntact: boolean },
): SmallJobsRecord {
  const usage = addUsage(outcome.usage, { ...emptyUsage(), ...outcome.extraUsage });
  const requestsTotal = totalRequests(usage);
  const problems = [
    ...(verification.remaining > 0 ? [`${verification.remaining} items left behind`] : []),
    ...(verification.neighboursIntact ? [] : ['neighbours touched']),
    ...(outcome.latenciesMs.length === base.n
      ? []
      : [`${outcome.latenciesMs.length} of ${base.n} jobs seen completing`]),
  ];
  const hops = outcome.hops;
  return {
    ...base,
    status: problems.length === 0 ? 'ok' : 'incomplete',
    ...(problems.length === 0 ? {} : { reason: problems.join(', ') }),
    elapsedMs: outcome.elapsedMs,
    jobsPerSecond: base.n / (outcome.elapsedMs / 1000),
    ...(outcome.latenciesMs.length > 0
      ? { jobLatencyMs: summarizeLatencies(outcome.latenciesMs) }
      : {}),
    ...(hops && hops.length > 0
      ? {
          queueHops: {
            median: percentile(
              hops.map((h) => h.critical),
              50,
            ),
            max: Math.max(...hops.map((h) => h.critical)),
            longest: Math.max(...hops.map((h) => h.longest)),
          },
        }
      : {}),
    requestsTotal,
    requestsPerJob: requestsTotal / base.n,
    peakInFlight: outcome.peakInFlight,
    usage,
    costPerMillionJobs: costPerMillionItems(usage, base.n),
    verification,
    notes: outcome.notes,
  };
}

async function runOne(
  context: SmallJobsContext,
  entry: Entry,
  n: number,
  latencyMs: number,
  arrival: Arrival,
): Promise<SmallJobsRecord> {
  const arrivalText = arrival.mode === 'burst' ? 'all at once' : `${arrival.perSecond}/s`;
  const tag = `[small-jobs n=${n.toLocaleString('en-US')} +${latencyMs} ms ${arrivalText}] ${entry.label}`;
  context.log(`${tag}: seeding…`);
  const seedStarted = performance.now();
  const data = await seedSmallJobs(context.direct, context.emulatorEndpoints.s3, n);
  const seedMs = performance.now() - seedStarted;
  // Let the emulators finish what seeding left them (GC, JIT) before the clock starts.
  await sleep(SETTLE_MS);
  const loadAverage = loadAverages()[0] ?? 0;
  const base = {
    runner: entry.runner,
    label: entry.label,
    role: entry.role,
    arrival: arrival.mode,
    ...(arrival.mode === 'steady' ? { arrivalPerSecond: arrival.perSecond } : {}),
    n,
    itemsPerJob: data.itemsPerUser,
    latencyMs,
    concurrency: SMALL_JOBS_CONCURRENCY,
    seedMs,
    loadAverage,
  };
  context.log(`${tag}: running… (load average ${loadAverage})`);
  let outcome: SmallJobsOutcome | undefined;
  let failure: string | undefined;
  try {
    outcome = await entry.run({
      region: context.region,
      endpoints: context.proxiedEndpoints,
      emulatorEndpoints: context.emulatorEndpoints,
      data,
      arrival,
      concurrency: SMALL_JOBS_CONCURRENCY,
      measure: measureWith(context.counter),
      log: (message) => context.log(`${tag}: ${message}`),
    });
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
    // The record keeps the message; the log gets where it came from.
    if (error instanceof Error && error.stack) context.log(`${tag}: ${error.stack}`);
  }
  const verification = await verifySmallJobs(context.direct, data);
  await dropSmallJobs(context.direct, data);
  if (!outcome) {
    context.log(`${tag}: failed: ${failure}`);
    return { ...base, status: 'failed', reason: failure ?? 'no result', verification, notes: [] };
  }
  const record = smallJobsRecord(base, outcome, verification);
  const latency = record.jobLatencyMs;
  context.log(
    `${tag}: ${record.status}, ${((record.elapsedMs ?? 0) / 1000).toFixed(2)} s, ` +
      `${(record.jobsPerSecond ?? 0).toFixed(1)} jobs/s, p50 ${Math.round(latency?.p50 ?? 0)} ms, ` +
      `p99 ${Math.round(latency?.p99 ?? 0)} ms, ${(record.requestsPerJob ?? 0).toFixed(1)} requests/job` +
      (record.queueHops ? `, ${record.queueHops.max} queue hops (max)` : '') +
      (record.notes.length > 0 ? ` (${record.notes.join('; ')})` : ''),
  );
  return record;
}

/** Users each runner deletes once, unrecorded, before the measured runs. */
const WARM_UP_USERS = 50;

/**
 * Runs the suite for `n` users at each added latency in `latencies` (+0 first), one run at a
 * time, after an unrecorded warm-up of both runners: inline and lethe all at once, then both
 * at the steady rate. Never throws for a failed run: it becomes a failed record with its
 * reason.
 */
export async function runSmallJobs(
  context: SmallJobsContext,
  n: number,
  latencies: readonly number[],
): Promise<SmallJobsRecord[]> {
  // A fresh stack's first run would pay the JIT warm-up of the emulators, the proxy and the
  // SDK: both runners delete a few users once, unrecorded.
  const quiet = { ...context, log: () => undefined };
  for (const entry of [INLINE, LETHE]) {
    await runOne(quiet, entry, Math.min(n, WARM_UP_USERS), 0, { mode: 'burst' });
  }
  const records: SmallJobsRecord[] = [];
  for (const latencyMs of latencies) {
    context.setDelay(latencyMs);
    const inlineBurst = await runOne(context, INLINE, n, latencyMs, { mode: 'burst' });
    records.push(inlineBurst, await runOne(context, LETHE, n, latencyMs, { mode: 'burst' }));
    const steady: Arrival = { mode: 'steady', perSecond: steadyRate(inlineBurst) };
    records.push(await runOne(context, INLINE, n, latencyMs, steady));
    records.push(await runOne(context, LETHE, n, latencyMs, steady));
  }
  context.setDelay(0);
  return records;
}
