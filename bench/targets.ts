// The benchmark targets of issue #8 (and issue #21's small-job targets, small-jobs/), judged
// from a results file: each target, at each size and added latency it applies to, with the
// measured value and whether it was met. Targets are not tests: a missed one is reported,
// with the number, never hidden.
import type { BenchResults, RunRecord } from './bench-results.js';
import { letheRunsFirst, PAIRED_BASELINES } from './pairs.js';
import { evaluateSmallJobsTargets, SMALL_JOBS_TARGET } from './small-jobs/small-jobs-targets.js';

export type Verdict = 'met' | 'missed' | 'not measured';

export interface TargetRow {
  readonly target: string;
  readonly where: string;
  readonly measured: string;
  readonly verdict: Verdict;
  /**
   * Why it was not measured: the run it needs that failed or was skipped (with its reason), or
   * that was not selected.
   */
  readonly reason?: string;
}

interface RatioTarget {
  readonly label: string;
  readonly suite: 'objects' | 'rows';
  readonly baseline: string;
  readonly atLeast: number;
  /** Only at this added latency; every latency when undefined. */
  readonly latencyMs?: number;
  /** Only at this many items or more; every size when undefined. */
  readonly minN?: number;
  /** Only below this many items; every size when undefined. */
  readonly belowN?: number;
}

const RATIO_TARGETS: readonly RatioTarget[] = [
  // Issue 21: "≥ 60% of the bare loop at 10,000 keys and ≥ 80% at 100,000, at +0 and +20 ms"
  // (issue 8 asked 50% at every size).
  {
    label: 'objects ≥ 60% of the bare DeleteObjects loop below 100,000 keys',
    suite: 'objects',
    baseline: 'bare-delete-objects',
    atLeast: 0.6,
    belowN: 100_000,
  },
  {
    label: 'objects ≥ 80% of the bare DeleteObjects loop at 100,000 keys',
    suite: 'objects',
    baseline: 'bare-delete-objects',
    atLeast: 0.8,
    minN: 100_000,
  },
  {
    // Issue 18: "within 5% of its current throughput at 100,000 keys".
    label: 'objects with receipts ≥ 95% of lethe without receipt leaves at 100,000 keys',
    suite: 'objects',
    baseline: PAIRED_BASELINES.objects,
    atLeast: 0.95,
    minN: 100_000,
  },
  {
    label: 'objects ≥ 15× DeleteObject per key (8 workers) at 20 ms',
    suite: 'objects',
    baseline: 'delete-object-8-workers',
    atLeast: 15,
    latencyMs: 20,
  },
  {
    label: 'objects ≥ 15× `aws s3 rm` at 20 ms',
    suite: 'objects',
    baseline: 'aws-s3-rm',
    atLeast: 15,
    latencyMs: 20,
  },
  {
    label: 'objects ≥ 15× `rclone delete` at 20 ms',
    suite: 'objects',
    baseline: 'rclone-delete',
    atLeast: 15,
    latencyMs: 20,
  },
  {
    label: 'objects ≥ `rclone delete` on loopback',
    suite: 'objects',
    baseline: 'rclone-delete',
    atLeast: 1,
    latencyMs: 0,
  },
  {
    label: 'rows with the restore log ≥ 90% of lethe without it',
    suite: 'rows',
    baseline: PAIRED_BASELINES.rows,
    atLeast: 0.9,
  },
  {
    label: 'rows ≥ 5× DeleteItem per row (8 workers)',
    suite: 'rows',
    baseline: 'delete-item-8-workers',
    atLeast: 5,
  },
];

/**
 * Issue 21's request targets per 1,000 items: objects ≤ 3 at 10,000 keys and ≤ 2.5 from
 * 100,000; rows ≤ 50 from 100,000 rows (none below). Undefined where no target applies.
 */
function requestLimit(run: RunRecord): number | undefined {
  if (run.suite === 'objects') return run.n >= 100_000 ? 2.5 : 3;
  if (run.suite === 'rows') return run.n >= 100_000 ? 50 : undefined;
  return undefined;
}
const DEMO_SECONDS = 180;

const ok = (run: RunRecord | undefined): run is RunRecord & { itemsPerSecond: number } =>
  run?.status === 'ok' && run.itemsPerSecond !== undefined;

const where = (run: RunRecord) =>
  `${run.n.toLocaleString('en-US')} ${run.suite === 'rows' ? 'rows' : 'keys'}, +${run.latencyMs} ms`;

/** Requests that write: DynamoDB's writes and S3 PutObject (a restore-log page spilled). */
const WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:TransactWriteItems',
  's3:PutObject',
];
/** Rows in a page (settings `pageSize`, default 500; a unit of plain rows takes two). */
const ROWS_PER_PAGE = 500;

const writesOf = (run: RunRecord) =>
  WRITE_ACTIONS.reduce((sum, action) => sum + (run.usage?.requests[action] ?? 0), 0);

/** Keys in one prefix unit: settings `objectPageSize` (1,000) × `prefixPagesPerUnit` (10). */
const KEYS_PER_PREFIX_UNIT = 10_000;

/** The run of `runner` at lethe's suite, size and added latency, if there is one. */
function runBeside(runs: readonly RunRecord[], lethe: RunRecord, runner: string) {
  return runs.find(
    (run) =>
      run.runner === runner &&
      run.suite === lethe.suite &&
      run.n === lethe.n &&
      run.latencyMs === lethe.latencyMs,
  );
}

/**
 * Issue 17: the restore log adds at most one write request per page of rows; issue 18: the
 * receipt leaves add at most one write per unit (a prefix unit of 10,000 keys, the units that
 * erase objects). Write requests of lethe's run minus those of its paired variant
 * (`PAIRED_BASELINES`: the same run without the feature), per page or per unit.
 */
function extraWriteRows(runs: readonly RunRecord[]): TargetRow[] {
  const features = [
    {
      suite: 'rows',
      per: ROWS_PER_PAGE,
      target: `rows: the restore log adds ≤ 1 write request per page of ${ROWS_PER_PAGE}`,
    },
    {
      suite: 'objects',
      per: KEYS_PER_PREFIX_UNIT,
      target: `objects: receipt leaves add ≤ 1 write request per prefix unit of ${KEYS_PER_PREFIX_UNIT.toLocaleString('en-US')} keys`,
    },
  ] as const;
  return features.flatMap(({ suite, per, target }) =>
    runs
      .filter((run) => run.role === 'lethe' && run.suite === suite)
      .map((lethe): TargetRow => {
        const variant = PAIRED_BASELINES[suite];
        const without = runBeside(runs, lethe, variant);
        if (!ok(lethe) || !ok(without))
          return {
            target,
            where: where(lethe),
            measured: '—',
            verdict: 'not measured',
            reason: whyNotMeasured(lethe, without, variant),
          };
        if (!lethe.usage || !without.usage)
          return {
            target,
            where: where(lethe),
            measured: '—',
            verdict: 'not measured',
            reason: `no request counts for ${lethe.usage ? without.label : lethe.label}`,
          };
        const extra = (writesOf(lethe) - writesOf(without)) / Math.ceil(lethe.n / per);
        return {
          target,
          where: where(lethe),
          measured: extra.toFixed(2),
          verdict: extra <= 1 ? 'met' : 'missed',
        };
      }),
  );
}

/** Which run a ratio target lacks, and why: not run in this bench, or failed with a reason. */
function whyNotMeasured(
  lethe: RunRecord,
  baseline: RunRecord | undefined,
  baselineId: string,
): string {
  const failed = (run: RunRecord) =>
    `${run.label} ${run.status === 'ok' ? 'has no rate' : run.status}${run.reason ? `: ${run.reason}` : ''}`;
  if (!ok(lethe)) return failed(lethe);
  if (!baseline) return `\`${baselineId}\` was not run (not among the runners \`--only\` selected)`;
  return failed(baseline);
}

/** One pass of a pair: lethe ÷ the variant, and whether lethe ran first. */
interface PassRatio {
  readonly ratio: number;
  readonly letheFirst: boolean;
}

/**
 * lethe ÷ `baseline` in each further pass of the pair (`BenchResults.pairPasses`) at lethe's
 * size and latency, in pass order; passes where either run failed are left out.
 */
function passRatios(results: BenchResults, lethe: RunRecord, baseline: string): PassRatio[] {
  const at = (runner: string, pass: number) =>
    (results.pairPasses ?? []).find(
      (run) =>
        run.runner === runner &&
        run.pass === pass &&
        run.suite === lethe.suite &&
        run.n === lethe.n &&
        run.latencyMs === lethe.latencyMs,
    );
  const passes = [...new Set((results.pairPasses ?? []).map((run) => run.pass ?? 1))].sort(
    (a, b) => a - b,
  );
  return passes.flatMap((pass) => {
    const again = at('lethe', pass);
    const variant = at(baseline, pass);
    if (!ok(again) || !ok(variant)) return [];
    return [
      { ratio: again.itemsPerSecond / variant.itemsPerSecond, letheFirst: letheRunsFirst(pass) },
    ];
  });
}

const percent = (value: number) => `${Math.round(value * 100)}%`;

/**
 * A judged ratio as a percent to one decimal, rounded down (the epsilon absorbs float noise
 * in a mean): 94.96% reads 94.9%, never the 95% it missed.
 */
const judgedPercent = (value: number) => `${(Math.floor(value * 1000 + 1e-6) / 10).toFixed(1)}%`;

/** "96.0% (mean of 4 passes; lethe first 88%, 95%; second 104%, 97%)". */
function describePasses(mean: number, passes: readonly PassRatio[]): string {
  const list = (letheFirst: boolean) =>
    passes
      .filter((pass) => pass.letheFirst === letheFirst)
      .map((pass) => percent(pass.ratio))
      .join(', ');
  return `${judgedPercent(mean)} (mean of ${passes.length} passes; lethe first ${list(true)}; second ${list(false)})`;
}

/**
 * Judges every target. A ratio to a paired lethe variant (`PAIRED_BASELINES`) that ran in
 * further passes (A-B, B-A, A-B, …) is the mean of every pass's ratio, each shown by order.
 */
export function evaluateTargets(results: BenchResults): TargetRow[] {
  const rows: TargetRow[] = [];
  const letheRuns = results.runs.filter((run) => run.role === 'lethe');
  for (const target of RATIO_TARGETS) {
    const applicable = letheRuns.filter(
      (run) =>
        run.suite === target.suite &&
        (target.latencyMs === undefined || run.latencyMs === target.latencyMs) &&
        (target.minN === undefined || run.n >= target.minN) &&
        (target.belowN === undefined || run.n < target.belowN),
    );
    for (const lethe of applicable) {
      const baseline = runBeside(results.runs, lethe, target.baseline);
      if (!ok(lethe) || !ok(baseline)) {
        rows.push({
          target: target.label,
          where: where(lethe),
          measured: '—',
          verdict: 'not measured',
          reason: whyNotMeasured(lethe, baseline, target.baseline),
        });
        continue;
      }
      const passes = [
        { ratio: lethe.itemsPerSecond / baseline.itemsPerSecond, letheFirst: true },
        ...passRatios(results, lethe, target.baseline),
      ];
      const ratio = passes.reduce((sum, pass) => sum + pass.ratio, 0) / passes.length;
      rows.push({
        target: target.label,
        where: where(lethe),
        measured:
          passes.length > 1
            ? describePasses(ratio, passes)
            : target.atLeast < 1
              ? judgedPercent(ratio)
              : `${ratio.toFixed(2)}× (${Math.round(lethe.itemsPerSecond)} vs ${Math.round(baseline.itemsPerSecond)}/s)`,
        verdict: ratio >= target.atLeast ? 'met' : 'missed',
      });
    }
  }
  for (const lethe of letheRuns) {
    const limit = requestLimit(lethe);
    if (limit === undefined) continue;
    const perThousand = lethe.requestsPer1000Items;
    rows.push({
      target: `${lethe.suite} ≤ ${limit} requests per 1,000 ${lethe.suite === 'rows' ? 'rows' : 'keys'}`,
      where: where(lethe),
      measured: perThousand === undefined ? '—' : perThousand.toFixed(1),
      verdict:
        perThousand === undefined || lethe.status !== 'ok'
          ? 'not measured'
          : perThousand <= limit
            ? 'met'
            : 'missed',
    });
  }
  rows.push(...extraWriteRows(results.runs));
  rows.push(...evaluateSmallJobsTargets(results.smallJobs ?? []));
  const demo = (results.endToEnd ?? []).find((record) => record.scale === 1);
  rows.push({
    target: `demo end to end ≤ ${DEMO_SECONDS / 60} minutes on 2 cores`,
    where: `1× demo dataset, ${results.machine.cpus} cores`,
    measured: demo?.wallTimeSeconds === undefined ? '—' : `${demo.wallTimeSeconds.toFixed(1)} s`,
    verdict:
      demo?.status !== 'ok' || demo.wallTimeSeconds === undefined
        ? 'not measured'
        : demo.wallTimeSeconds <= DEMO_SECONDS
          ? 'met'
          : 'missed',
  });
  return rows;
}

/** What every object job pays that the bare loop does not (two object targets' reasons). */
const FIXED_CHAIN =
  "Every job pays a fixed chain before and after its keys: the request's transaction, the root's cascade unit (one queue round trip) and its finalize (run inline by the same worker), each with a few state reads and writes, and the completion with its signed receipt. The bare loop pays none of it.";

/** Why a target is missed where it is: what lethe's design costs that the baseline does not. */
const WHY_MISSED: readonly (readonly [string, string])[] = [
  ['objects ≥ 60%', `${FIXED_CHAIN} At 10,000 keys that fixed part is most of lethe's time.`],
  [
    'objects ≥ 80%',
    `${FIXED_CHAIN} At 100,000 keys that part is spread thin; what is left is each 10,000-key unit's own chain — its unit read, its pin (its receipt leaves upload beside it) and the send of the next unit's message — before the next unit lists, while the bare loop lists and deletes without a pause.`,
  ],
  [
    'rows ≤ 50 requests',
    'BatchWriteItem takes 25 deletes a request (40 per 1,000 rows) and the strongly consistent BatchGetItem that keeps counts exact (a GSI query may list rows already gone) and reads the rows the restore log keeps takes 100 keys (10 per 1,000): 50 before any bookkeeping. Each unit of 1,000 rows adds about 8 more (its unit read, the children query, the pin and settle transactions, and its message sent, received and deleted; the legal holds are read once a second per worker, not per unit).',
  ],
  [
    'objects ≤ ',
    "S3's own share is 2 requests per 1,000 keys (one ListObjectsV2, one DeleteObjects). lethe adds about 20 fixed requests per job and about 8 per 10,000-key segment (its unit read, the pin and settle transactions, its receipt leaves put and read back, and its message sent, received and deleted), plus the pollers' empty receives: at 10,000 keys the fixed part alone is 2 per 1,000.",
  ],
  [
    'objects with receipts',
    "Hashing one SHA-256 leaf per key and sorting a unit's 10,000, and at completion reading them back, merging them and hashing the Merkle root, take about a third of a second of CPU per 100,000 keys (the root alone about 0.1 s), on the same two cores the emulators need (fauxqs above all). A prefix unit hashes each page while the next one is listed, and its leaves upload beside its pin, but on two busy cores that CPU still shows as time, and the completion's leaves read and root are on the job's critical path. One pass of the pair varies by more than the 5% judged (see every pass).",
  ],
  [
    'objects: receipt leaves add',
    "The count is lethe's write requests minus those of its variant without leaves, in the same pass: any write one of the two makes and the other does not counts — a retried transaction, a message sent again. Results written before 2026-11-30 14:00 also counted the outbox delete of the batch that completed the job only when it fell inside the window (now always counted, never timed).",
  ],
  [
    'rows ≥ 5×',
    "DynamoDB Local's CPU is the limit on this machine: a BatchWriteItem of 25 deletes costs the emulator about as much as 25 DeleteItems, so sending 40 times fewer requests does not make it 40 times faster. On DynamoDB, where the per-request round trip dominates, the request counts (in the table above) are the better guide.",
  ],
  [
    SMALL_JOBS_TARGET.jobsPerSecond,
    "On these emulators both runners are bound by what DynamoDB Local serves per second, so jobs/s follows requests per job (next row), weighted: a transaction costs the emulator several plain writes. The inline cascade makes 5 requests per job, one of them a write; lethe makes 8 transactions per job — ingest's tombstone-and-job, the settles of the cascade, of both rows units and of the finalize (the rows deleted in them), the prefix's pin and settle, and the completion's, which stores the signed receipt. Running units inline removed the queue round trips and the reads of what the worker's own chain wrote, one read of the legal holds serves a worker for a second, and erasing rows in their settle removed three pins and three BatchWriteItems, but the settles stay: they are what makes each unit count once.",
  ],
  [
    SMALL_JOBS_TARGET.p99,
    "With every event there at the start, a job's latency is mostly waiting: for an ingest slot, then behind the units of every job ahead of it on the one work queue, so p99 is close to the whole run's time and follows jobs/s (above). At the steady rate a lethe slower than the rate queues the jobs that arrived before. One job alone takes its chain: ingest's transaction, one queue round trip, then its units one after the other in one invocation.",
  ],
  [
    SMALL_JOBS_TARGET.hops,
    "A user with child rows and objects goes cascade → rows (one unit per child relation) → finalize (the user's row, deleted in its settle, which plans the prefix unit) → prefix (the objects). The worker runs the units a commit plans itself when they fit its budget (`inlineUnitsPerMessage`, 8; at most 4 from one commit; the first half of the invocation's time); a job counted more than one hop had a unit sent through the queue instead — a budget spent, or an inline run that failed and was retried from the queue.",
  ],
  [
    SMALL_JOBS_TARGET.requests,
    "lethe's bookkeeping is per unit, not per item (see requests per job by action). A small job's trace: ingest 4 (the sequence number's update, the tombstone-and-job transaction, the send and its record); the queued cascade 3 (its unit read, the user row read for guards and locator, its settle) plus its share of one receive and delete; each rows unit 3 (the children query, the strongly consistent read that counts and logs them, the settle that deletes them); the finalize 3 (the row read, the consistent read, the settle that deletes it and plans the prefix unit); the prefix 4 (pin, list, delete, settle); completion 5 (the job and leaves reads, the transaction that completes the job and stores its signed receipt, the waiters query, the outbox delete). Deleting rows in their settle took the pins and BatchWriteItems of both rows units and the finalize out (31.3 requests per job in the run of 2026-11-30). The rest of the way to the limit, about five requests, is each a change of its own, not built: the finalize's consistent re-read of a row it has just read consistently (conditional Deletes in the settle would keep its count exact), the prefix's pin (the finalize would list the prefix and pin its keys in its settle), the completion's leaves query (the chain's ledger holds every leaf a fully inline job wrote) and the completion folded into the last settle (the job's read and its own transaction), then the reliability suite, the chaos seeds and the soak again.",
  ],
  [
    'demo end to end',
    'The demo dataset seeded and deleted on the same two cores as both emulators; see the end-to-end section.',
  ],
];

export function targetsSection(rows: readonly TargetRow[]): string[] {
  const met = rows.filter((row) => row.verdict === 'met').length;
  const missed = rows.filter((row) => row.verdict === 'missed').length;
  const why = WHY_MISSED.filter(([prefix]) =>
    rows.some((row) => row.verdict === 'missed' && row.target.startsWith(prefix)),
  );
  // One line per place a failed run left targets unjudged, not one per target.
  const unmeasured = [
    ...new Map(
      rows.flatMap((row) =>
        row.verdict === 'not measured' && row.reason !== undefined
          ? [[`${row.where}: ${row.reason}`, row] as const]
          : [],
      ),
    ).values(),
  ];
  return [
    '## Targets',
    '',
    `The targets of issues #8, #17, #18 and #21, judged from this run: ${met} met, ${missed} missed, ${rows.length - met - missed} not measured. Targets are not tests; a missed one is reported with its number.`,
    '',
    '| target | where | measured | verdict |',
    '|---|---|---:|---|',
    ...rows.map(
      (row) =>
        `| ${row.target} | ${row.where} | ${row.measured} | ${row.verdict === 'met' ? 'met' : row.verdict === 'missed' ? '**missed**' : 'not measured'} |`,
    ),
    '',
    ...(why.length > 0
      ? ['Why the misses:', '', ...why.map(([prefix, text]) => `- **${prefix}…**: ${text}`), '']
      : []),
    ...(unmeasured.length > 0
      ? [
          'Why some were not measured:',
          '',
          ...unmeasured.map((row) => `- **${row.where}**: ${row.reason}`),
          '',
        ]
      : []),
  ];
}
