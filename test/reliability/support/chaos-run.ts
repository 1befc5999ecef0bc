// One seeded chaos run: the seed picks a fault mix (which faults, how often, which crash
// points, how soon a failing message is dead-lettered), the example data set is seeded, one
// organization is deleted through ingest, the worker and the sweeper with those faults
// injected, and the independent checker judges the result. Used by `npm test` (a reduced
// size, a few seeds) and by `npm run soak` (demo size, many seeds).
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { sleep } from '../../../lib/retry.js';
import type { SettingsInput } from '../../../lib/settings.js';
import type { ExampleDatasetSize, SeededDataset } from '../../../local/example-dataset.js';
import {
  CRASH_POINTS,
  FAULT_KINDS,
  type FaultKind,
  FaultPlan,
  type FaultRates,
  type FaultSample,
  RESTORE_CRASH_POINTS,
  type SendBlackout,
} from './fault-plan.js';
import {
  type Check,
  type CheckReport,
  checkDeletion,
  type HandlerFailure,
  type Overrun,
} from './independent-checker.js';
import { createPrng } from './prng.js';
import {
  createReliabilityPipeline,
  type ReliabilityPipeline,
  type StackInfo,
} from './reliability-pipeline.js';
import { runRestore } from './restore-run.js';

/**
 * The size `npm test` runs: small enough for three seeds in about two minutes on two cores,
 * shaped like the demo (three levels, prefixes of two pages, shared images, set-null alerts,
 * another tenant) and paged small (50 rows a unit), so a run has some 90 units to fault.
 */
export const CHAOS_TEST_SIZE: ExampleDatasetSize = {
  projects: 3,
  artifactsPerProject: 300,
  snapshotsPerProject: 20,
  imagesPerSnapshot: 3,
  imagePool: 60,
  imagesSharedWithDecoy: 10,
  alertsPerProject: 20,
  members: 1000,
  prefixObjectsPerProject: 150,
  decoyScale: 0.2,
};

export interface ChaosProfile {
  readonly seed: number;
  readonly rates: FaultRates;
  /** The opportunity at which each kind is injected for certain, if chance has not yet. */
  readonly ensure: Partial<Record<FaultKind, number>>;
  /** Receives before a failing message is dead-lettered (the sweeper re-sends its unit). */
  readonly maxReceiveCount: number;
  /**
   * The window in which every SQS send fails: it starts early in the run and lasts 5–8 s,
   * several sweeper runs (one a second); units whose sends it refused come back to the
   * sweeper's resends (after 8 s here) as it ends.
   */
  readonly blackout: SendBlackout;
}

/** The fault mix a seed stands for. Rates stay low enough for a run to converge in time. */
export function chaosProfile(seed: number): ChaosProfile {
  const prng = createPrng(seed).fork('profile');
  const some = (min: number, max: number, enabled = 0.85) =>
    prng.chance(enabled) ? Number(prng.between(min, max).toFixed(4)) : 0;
  const rates: FaultRates = {
    'dynamodb.throttle': some(0.002, 0.02),
    'dynamodb.outage': some(0.0005, 0.004),
    'dynamodb.unprocessed': some(0.02, 0.15),
    'dynamodb.txCancelled': some(0.005, 0.03),
    's3.slowdown': some(0.005, 0.03),
    's3.outage': some(0.001, 0.01),
    's3.keyErrors': some(0.02, 0.2),
    'sqs.sendError': some(0.005, 0.03),
    'sqs.sendOutage': some(0.002, 0.02),
    'sqs.partialBatch': some(0.02, 0.1),
  };
  for (const point of CRASH_POINTS) {
    rates[`crash.${point}`] =
      point === 'mid-watermark'
        ? some(0.05, 0.3)
        : point === 'after-tombstone'
          ? some(0.05, 0.3)
          : some(0.002, 0.01);
  }
  // Every kind happens at least once a run, at an opportunity the seed picks.
  const ensure: Partial<Record<FaultKind, number>> = {};
  const restoreKinds = new Set<FaultKind>(RESTORE_CRASH_POINTS.map((p) => `crash.${p}` as const));
  for (const kind of FAULT_KINDS) {
    // A window, not a per-request chance; drawn from its own stream below, so that every
    // seed keeps the fault mix it had before the blackout existed. The restore's crashes
    // likewise come from a stream of their own.
    if (kind === 'sqs.sendBlackout' || restoreKinds.has(kind)) continue;
    const rare = kind === 'crash.mid-watermark' || kind === 'crash.after-tombstone';
    ensure[kind] = rare ? 1 : prng.int(1, 12);
  }
  const maxReceiveCount = prng.pick([2, 3, 5]);
  const window = createPrng(seed).fork('blackout');
  const blackout = {
    afterCalls: window.int(3, 20),
    ms: Math.round(window.between(5_000, 8_000)),
  };
  // A restoring seed's restore dies at each of its crash points at least once: once the
  // tombstones are lifted, in the middle of the log (at an entry the seed picks), between a
  // step's advance and its sends, and after it finished with its event still in the outbox;
  // then, by chance, a few times more.
  const restore = createPrng(seed).fork('restore');
  rates['crash.restore-after-lift'] = Number(restore.between(0, 0.3).toFixed(4));
  rates['crash.restore-mid-entry'] = Number(restore.between(0.005, 0.05).toFixed(4));
  rates['crash.restore-after-finish'] = Number(restore.between(0, 0.3).toFixed(4));
  ensure['crash.restore-after-lift'] = 1;
  ensure['crash.restore-mid-entry'] = restore.int(1, 12);
  // Drawn after the others, so that a seed keeps the restore faults it drew before this point.
  rates['crash.restore-after-advance'] = Number(restore.between(0, 0.3).toFixed(4));
  ensure['crash.restore-after-finish'] = 1;
  ensure['crash.restore-after-advance'] = 1;
  return { seed, rates, ensure, maxReceiveCount, blackout };
}

/** Seeds that restore their job after its deletion: every fifth, from seed 1 (1, 6, 11, …). */
export function restoresAfterDeletion(seed: number): boolean {
  return seed % 5 === 1;
}

export interface ChaosRunOptions {
  readonly stack: StackInfo;
  readonly seed: number;
  readonly size: ExampleDatasetSize;
  readonly timeoutMs: number;
  readonly settings?: SettingsInput;
  readonly log?: (line: string) => void;
  /** Delete the run's tables, queues and buckets afterwards (long soaks). */
  readonly removeResources?: boolean;
  /**
   * Two overlapping jobs on a shared subtree: the target's first project is deleted, and its
   * organization a moment later (once the project's job has started), so the organization's
   * cascade meets a project another job owns. Both must complete; the checker adds up their
   * counters, and every item must be counted once.
   */
  readonly overlap?: boolean;
  /**
   * Restore the job once its deletion is checked, with the same fault plan armed (crashes at
   * the restore's own points included), and check the restore from outside (restore-run.ts).
   */
  readonly restore?: boolean;
}

export interface ChaosResult {
  readonly seed: number;
  readonly profile: ChaosProfile;
  readonly ok: boolean;
  readonly injected: Partial<Record<FaultKind, number>>;
  readonly opportunities: Partial<Record<FaultKind, number>>;
  readonly samples: readonly FaultSample[];
  readonly faultsInjected: number;
  readonly check: CheckReport;
  readonly handlerErrors: number;
  /** The handler errors nothing explains (the first 50), with the record each one was on. */
  readonly unexplainedErrors: readonly HandlerFailure[];
  /** Deliveries that outlasted their visibility timeout, slowest first (the first 50). */
  readonly overruns: readonly Overrun[];
  readonly units: number;
  /** Sweeper runs that overlapped the window in which every SQS send failed; sends sweeps saw refused. */
  readonly sweeper: { readonly runsInBlackout: number; readonly sendsFailed: number };
  readonly seedSeconds: number;
  readonly deleteSeconds: number;
  /** Seeds that restore: the restore's runs, crashes, time and checks. */
  readonly restore?: {
    readonly ok: boolean;
    readonly runs: number;
    readonly crashes: number;
    readonly seconds: number;
    readonly checks: readonly Check[];
    readonly error?: string;
  };
  readonly error?: string;
}

export async function runChaosSeed(options: ChaosRunOptions): Promise<ChaosResult> {
  const log = options.log ?? (() => undefined);
  const profile = chaosProfile(options.seed);
  const plan = new FaultPlan({
    seed: options.seed,
    rates: profile.rates,
    ensure: profile.ensure,
    blackout: profile.blackout,
  });
  const pipeline = await createReliabilityPipeline({
    stack: options.stack,
    label: `chaos${options.seed}`,
    faults: plan,
    settings: {
      maxReceiveCount: profile.maxReceiveCount,
      pageSize: 50,
      objectPageSize: 100,
      resendAfterSeconds: 8,
      intentRecoveryAfterSeconds: 12,
      visibilityTimeoutSeconds: 5,
      // A deferring cascade is woken by its owner's finalize; its delayed re-check message is
      // only the fallback, and the run is idle only once that message drained (as delivery does).
      ...(options.overlap ? { guardRecheckSeconds: 2 } : {}),
      // Every unit's receipt leaves go to a leaves bucket, as a deployed pipeline's large units'
      // do: the pin's upload beside it, and a re-run that finds it missing, meet the faults.
      receiptLeavesBucketName: `r-chaos${options.seed}-leaves-${randomUUID().slice(0, 6)}`,
      receiptLeavesInlineBytes: 0,
      ...options.settings,
    },
    batchSize: 5,
    concurrency: 3,
    sweepEveryMs: 1000,
  });
  try {
    const seedStarted = Date.now();
    const dataset = await pipeline.seed(options.size);
    const seedSeconds = (Date.now() - seedStarted) / 1000;
    log(`seed ${options.seed}: seeded in ${seedSeconds.toFixed(1)} s; deleting with faults`);

    const started = Date.now();
    pipeline.start();
    plan.arm();
    let error: string | undefined;
    let jobId = '';
    const overlapping: string[] = [];
    try {
      if (options.overlap) overlapping.push(await startOverlappingJob(pipeline, dataset));
      jobId = await pipeline.requestDeletion({
        entity: 'organization',
        id: dataset.target.orgId,
        tenantId: dataset.target.tenantId,
      });
      await pipeline.waitForCompletion(jobId, options.timeoutMs, (job) =>
        log(`seed ${options.seed}: ${job.settled}/${job.planned} units settled`),
      );
      for (const other of overlapping) await pipeline.waitForCompletion(other, options.timeoutMs);
    } catch (caught) {
      error = caught instanceof Error ? caught.message : String(caught);
    }
    plan.disarm();
    await pipeline.stop();
    const deleteSeconds = (Date.now() - started) / 1000;
    const check = await checkDeletion(pipeline.checkInput(jobId, dataset, overlapping));
    log(
      `seed ${options.seed}: ${check.ok && !error ? 'ok' : 'FAILED'} in ${deleteSeconds.toFixed(1)} s, ${plan.total} faults injected, ${pipeline.failures.length} handler errors, ${check.deadLetters.length} dead letters`,
    );
    let restore: ChaosResult['restore'];
    if (options.restore && error === undefined) {
      log(`seed ${options.seed}: restoring the job with faults`);
      const run = await runRestore({
        pipeline,
        jobId,
        dataset,
        deleted: check.reality,
        faults: plan,
        timeoutMs: options.timeoutMs,
        log: (line) => log(`seed ${options.seed}: ${line}`),
      });
      restore = {
        ok: run.check.ok && run.error === undefined,
        runs: run.runs,
        crashes: run.crashes,
        seconds: run.seconds,
        checks: run.check.checks,
        ...(run.error === undefined ? {} : { error: run.error }),
      };
      log(
        `seed ${options.seed}: restore ${restore.ok ? 'ok' : 'FAILED'} in ${run.seconds.toFixed(1)} s, ${run.runs} run(s), ${run.crashes} crash(es)`,
      );
    }
    return {
      seed: options.seed,
      profile,
      ok: check.ok && error === undefined && (restore?.ok ?? true),
      injected: { ...plan.injected },
      opportunities: { ...plan.opportunities },
      samples: [...plan.samples],
      faultsInjected: plan.total,
      check,
      handlerErrors: pipeline.failures.length,
      unexplainedErrors: pipeline.failures.filter((f) => f.explained === undefined).slice(0, 50),
      overruns: [...pipeline.overruns].sort((a, b) => b.seconds - a.seconds).slice(0, 50),
      units: check.units,
      sweeper: {
        runsInBlackout: [...pipeline.activity.values()].reduce((n, a) => n + a.sweepsInBlackout, 0),
        sendsFailed: [...pipeline.activity.values()].reduce((n, a) => n + a.sendsFailed, 0),
      },
      seedSeconds,
      deleteSeconds,
      ...(restore ? { restore } : {}),
      ...(error === undefined ? {} : { error }),
    };
  } finally {
    await pipeline.destroy(options.removeResources);
  }
}

/**
 * Deletes the target's first project and returns once its job has started (its cascade has
 * planned more than itself), so that a deletion of the organization requested next meets
 * the project's subtree while that job is still at work.
 */
export async function startOverlappingJob(
  pipeline: ReliabilityPipeline,
  dataset: SeededDataset,
  timeoutMs = 30_000,
): Promise<string> {
  const projectId = dataset.target.projectIds[0];
  if (projectId === undefined) throw new Error('the data set has no project to overlap');
  const jobId = await pipeline.requestDeletion({
    entity: 'project',
    id: projectId,
    tenantId: dataset.target.tenantId,
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { Item: job } = await pipeline.clean.documents.send(
      new GetCommand({
        TableName: pipeline.settings.stateTableName,
        Key: { pk: `JOB#${jobId}`, sk: 'JOB' },
        ConsistentRead: true,
      }),
    );
    if (Number(job?.planned ?? 0) > 1 || job?.status === 'completed') return jobId;
    await sleep(50);
  }
  throw new Error(`the project's job ${jobId} did not start within ${timeoutMs} ms`);
}
