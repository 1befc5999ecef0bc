import { describe, expect, it } from 'vitest';
import type { BenchResults, RunRecord, SmallJobsRecord } from '../../../bench/bench-results.js';
import { evaluateTargets, targetsSection } from '../../../bench/targets.js';
import { emptyUsage } from '../../../lib/cost/cost-model.js';
import { PRICES } from '../../../lib/cost/prices.js';

function run(
  suite: RunRecord['suite'],
  runner: string,
  role: RunRecord['role'],
  latencyMs: number,
  itemsPerSecond: number,
  requestsPer1000Items = 2,
): RunRecord {
  return {
    suite,
    runner,
    label: runner,
    role,
    n: 100_000,
    latencyMs,
    status: 'ok',
    itemsPerSecond,
    elapsedMs: 1000,
    requestsTotal: requestsPer1000Items * 100,
    requestsPer1000Items,
    notes: [],
  };
}

/** `record` with these request counts by action, as the proxies count them. */
function withUsage(record: RunRecord, writes: Record<string, number>): RunRecord {
  return { ...record, usage: { ...emptyUsage(), requests: writes } };
}

function results(runs: RunRecord[], demoSeconds?: number): BenchResults {
  return {
    schemaVersion: 1,
    startedAt: 's',
    finishedAt: 'f',
    command: 'npm run bench',
    options: { keys: [100_000], rows: [100_000], latencyMs: 20, quick: false, only: undefined },
    machine: {
      cpus: 2,
      cpuModel: 'x',
      memoryGb: 24,
      platform: 'linux',
      release: 'r',
      arch: 'x64',
      loadAverage: { start: [1, 1, 1], end: [1, 1, 1] },
    },
    versions: {
      lethe: '0',
      node: '24',
      fauxqs: '2',
      dynamoDbLocal: '11',
      java: '17',
      awsSdkClientS3: '3',
      awsCli: 'aws',
      rclone: 'rclone',
    },
    prices: PRICES,
    runs,
    ...(demoSeconds === undefined
      ? {}
      : {
          endToEnd: [
            {
              scale: 1,
              status: 'ok',
              wallTimeSeconds: demoSeconds,
              failedChecks: [],
              loadAverage: 1,
            },
          ],
        }),
    notes: [],
  };
}

describe('Function: evaluateTargets', () => {
  it('judges each ratio against its baseline at the latency it applies to', () => {
    // Prepare
    const runs = [
      run('objects', 'lethe', 'lethe', 20, 6_000, 2.4),
      run('objects', 'bare-delete-objects', 'limit', 20, 7_000),
      run('objects', 'lethe-without-receipt-leaves', 'limit', 20, 6_200),
      run('objects', 'delete-object-8-workers', 'baseline', 20, 300),
      run('objects', 'aws-s3-rm', 'baseline', 20, 500),
      run('objects', 'lethe', 'lethe', 0, 4_000, 3.4),
      run('objects', 'bare-delete-objects', 'limit', 0, 20_000),
      run('objects', 'lethe-without-receipt-leaves', 'limit', 0, 4_500),
      run('objects', 'rclone-delete', 'baseline', 0, 1_000),
      run('rows', 'lethe', 'lethe', 0, 2_000, 59),
      run('rows', 'delete-item-8-workers', 'baseline', 0, 500),
    ];

    // Act
    const rows = evaluateTargets(results(runs, 95));
    const verdict = (target: string, where: string) =>
      rows.find((r) => r.target.startsWith(target) && r.where === where)?.verdict;

    // Assess
    // Issue 21: ≥ 80% of the bare loop at 100,000 keys (≥ 60% is for smaller runs).
    expect(verdict('objects ≥ 80% of the bare', '100,000 keys, +20 ms')).toBe('met');
    expect(verdict('objects ≥ 80% of the bare', '100,000 keys, +0 ms')).toBe('missed');
    expect(rows.some((r) => r.target.startsWith('objects ≥ 60% of the bare'))).toBe(false);
    // Receipts cost 3% at +20 ms (6,000 vs 6,200/s), 11% on loopback (4,000 vs 4,500/s).
    expect(verdict('objects with receipts ≥ 95%', '100,000 keys, +20 ms')).toBe('met');
    expect(verdict('objects with receipts ≥ 95%', '100,000 keys, +0 ms')).toBe('missed');
    expect(verdict('objects ≥ 15× DeleteObject per key', '100,000 keys, +20 ms')).toBe('met');
    expect(verdict('objects ≥ 15× `aws s3 rm`', '100,000 keys, +20 ms')).toBe('missed');
    expect(verdict('objects ≥ 15× `rclone delete`', '100,000 keys, +20 ms')).toBe('not measured');
    expect(verdict('objects ≥ `rclone delete` on loopback', '100,000 keys, +0 ms')).toBe('met');
    // Issue 21: ≤ 2.5 requests per 1,000 keys at 100,000 (≤ 3 is for 10,000), ≤ 50 per 1,000 rows.
    expect(verdict('objects ≤ 2.5 requests', '100,000 keys, +20 ms')).toBe('met');
    expect(verdict('objects ≤ 2.5 requests', '100,000 keys, +0 ms')).toBe('missed');
    expect(verdict('rows ≤ 50 requests', '100,000 rows, +0 ms')).toBe('missed');
    expect(rows.find((r) => r.target.startsWith('rows ≤ 50'))?.measured).toBe('59.0');
    expect(verdict('rows ≥ 5×', '100,000 rows, +0 ms')).toBe('missed');
    expect(verdict('demo end to end', '1× demo dataset, 2 cores')).toBe('met');
    expect(
      rows.find((r) => r.target.startsWith('objects ≥ 80%') && r.where.endsWith('+20 ms'))
        ?.measured,
    ).toBe('85.7%');
  });

  it('judges objects below 100,000 keys against 60% of the bare loop, and 100,000 against 80%', () => {
    // Prepare: 70% of the bare loop at both sizes.
    const at = (n: number, record: RunRecord): RunRecord => ({ ...record, n });
    const runs = [
      at(10_000, run('objects', 'lethe', 'lethe', 0, 7_000)),
      at(10_000, run('objects', 'bare-delete-objects', 'limit', 0, 10_000)),
      run('objects', 'lethe', 'lethe', 0, 7_000),
      run('objects', 'bare-delete-objects', 'limit', 0, 10_000),
    ];

    // Act
    const rows = evaluateTargets(results(runs)).filter((r) => r.target.includes('bare'));

    // Assess
    expect(rows.map((r) => [r.target.slice(0, 13), r.where, r.verdict])).toEqual([
      ['objects ≥ 60%', '10,000 keys, +0 ms', 'met'],
      ['objects ≥ 80%', '100,000 keys, +0 ms', 'missed'],
    ]);
  });

  it('judges a paired variant from the mean of every pass, in both orders (A-B, B-A, …)', () => {
    // Prepare: lethe ran first at 88% of the variant, then second at 104%, first again at 95%
    // and second at 97%: 96% in all.
    const runs = [
      run('objects', 'lethe', 'lethe', 0, 4_400),
      run('objects', 'lethe-without-receipt-leaves', 'limit', 0, 5_000),
    ];
    const pass = (record: RunRecord, n: number): RunRecord => ({ ...record, pass: n });
    const pairPasses = [
      pass(run('objects', 'lethe-without-receipt-leaves', 'limit', 0, 4_500), 2),
      pass(run('objects', 'lethe', 'lethe', 0, 4_680), 2),
      pass(run('objects', 'lethe', 'lethe', 0, 4_750), 3),
      pass(run('objects', 'lethe-without-receipt-leaves', 'limit', 0, 5_000), 3),
      pass(run('objects', 'lethe-without-receipt-leaves', 'limit', 0, 5_000), 4),
      pass(run('objects', 'lethe', 'lethe', 0, 4_850), 4),
    ];
    const receiptsOf = (input: BenchResults) =>
      evaluateTargets(input).find((r) => r.target.startsWith('objects with receipts ≥ 95%'));

    // Act
    const all = receiptsOf({ ...results(runs), pairPasses });
    const two = receiptsOf({ ...results(runs), pairPasses: pairPasses.slice(0, 2) });
    const single = receiptsOf(results(runs));

    // Assess
    expect(all).toMatchObject({
      measured: '96.0% (mean of 4 passes; lethe first 88%, 95%; second 104%, 97%)',
      verdict: 'met',
    });
    expect(two).toMatchObject({
      measured: '96.0% (mean of 2 passes; lethe first 88%; second 104%)',
      verdict: 'met',
    });
    // Without further passes the first order alone is judged.
    expect(single).toMatchObject({ measured: '88.0%', verdict: 'missed' });
    // A pass whose run failed is left out of the mean.
    const failed = pairPasses.map((record) =>
      record.pass === 3 && record.runner === 'lethe'
        ? { ...record, status: 'failed' as const }
        : record,
    );
    expect(receiptsOf({ ...results(runs), pairPasses: failed })?.measured).toBe(
      '96.3% (mean of 3 passes; lethe first 88%; second 104%, 97%)',
    );
    // A mean just under the target reads under it: 94.75% is 94.7%, not a "95%" that missed.
    const under = pairPasses.map((record) =>
      record.pass === 4 && record.runner === 'lethe'
        ? { ...record, itemsPerSecond: 4_600 }
        : record,
    );
    expect(receiptsOf({ ...results(runs), pairPasses: under })).toMatchObject({
      measured: '94.7% (mean of 4 passes; lethe first 88%, 95%; second 104%, 92%)',
      verdict: 'missed',
    });
    // The issue sets it at 100,000 keys: a 10,000-key pair is reported, not judged.
    const small = runs.map((r) => ({ ...r, n: 10_000 }));
    const judged = evaluateTargets(results(small)).filter((r) =>
      r.target.startsWith('objects with receipts'),
    );
    expect(judged).toEqual([]);
  });

  it('says why a ratio target was not measured: its baseline not selected, or skipped', () => {
    // Prepare: an --only run of lethe alone, then one where rclone was skipped.
    const lethe = run('objects', 'lethe', 'lethe', 20, 9_000);
    const skipped: RunRecord = {
      ...run('objects', 'rclone-delete', 'baseline', 20, 0),
      label: 'rclone delete',
      status: 'skipped',
      reason: 'rclone not installed (apt-get install -y rclone)',
    };
    const reasonOf = (runs: RunRecord[]) =>
      evaluateTargets(results(runs)).find(
        (r) => r.target === 'objects ≥ 15× `rclone delete` at 20 ms',
      )?.reason;

    // Act & Assess
    expect(reasonOf([lethe])).toBe(
      '`rclone-delete` was not run (not among the runners `--only` selected)',
    );
    expect(reasonOf([lethe, skipped])).toBe(
      'rclone delete skipped: rclone not installed (apt-get install -y rclone)',
    );
  });

  it('judges the receipt leaves by the write requests they add per prefix unit', () => {
    // Prepare: 100,000 keys are 10 prefix units of 10,000 keys.
    const runs = [
      withUsage(run('objects', 'lethe', 'lethe', 0, 9_800), {
        'dynamodb:TransactWriteItems': 40,
        's3:PutObject': 10,
        's3:DeleteObjects': 100,
      }),
      withUsage(run('objects', 'lethe-without-receipt-leaves', 'limit', 0, 10_000), {
        'dynamodb:TransactWriteItems': 40,
        's3:DeleteObjects': 100,
      }),
      withUsage(run('objects', 'lethe', 'lethe', 20, 5_000), {
        'dynamodb:TransactWriteItems': 40,
        'dynamodb:PutItem': 25,
      }),
      withUsage(run('objects', 'lethe-without-receipt-leaves', 'limit', 20, 5_000), {
        'dynamodb:TransactWriteItems': 40,
      }),
    ];

    // Act
    const rows = evaluateTargets(results(runs)).filter((r) =>
      r.target.startsWith('objects: receipt leaves add ≤ 1 write request per prefix unit'),
    );

    // Assess: 10 PutObjects / 10 units; 25 PutItems / 10 units. DeleteObjects is not a write
    // that the feature adds (both runs make it), and reads never count.
    expect(rows).toEqual([
      expect.objectContaining({ where: '100,000 keys, +0 ms', measured: '1.00', verdict: 'met' }),
      expect.objectContaining({
        where: '100,000 keys, +20 ms',
        measured: '2.50',
        verdict: 'missed',
      }),
    ]);
  });

  it('says why the added writes were not measured: the variant failed, or counted nothing', () => {
    // Prepare: at +0 ms the variant failed; at +20 ms it ran but its requests were not counted.
    const failed: RunRecord = {
      ...run('objects', 'lethe-without-receipt-leaves', 'limit', 0, 0),
      label: 'lethe without receipt leaves',
      status: 'failed',
      reason: 'worker stalled',
    };
    const runs = [
      withUsage(run('objects', 'lethe', 'lethe', 0, 9_800), { 's3:PutObject': 10 }),
      failed,
      withUsage(run('objects', 'lethe', 'lethe', 20, 5_000), { 's3:PutObject': 10 }),
      {
        ...run('objects', 'lethe-without-receipt-leaves', 'limit', 20, 5_000),
        label: 'lethe without receipt leaves',
      },
    ];

    // Act
    const rows = evaluateTargets(results(runs)).filter((r) =>
      r.target.startsWith('objects: receipt leaves add ≤ 1 write request per prefix unit'),
    );

    // Assess
    expect(rows).toEqual([
      expect.objectContaining({
        where: '100,000 keys, +0 ms',
        verdict: 'not measured',
        reason: 'lethe without receipt leaves failed: worker stalled',
      }),
      expect.objectContaining({
        where: '100,000 keys, +20 ms',
        verdict: 'not measured',
        reason: 'no request counts for lethe without receipt leaves',
      }),
    ]);
  });

  it('judges the restore log by its rows/s and by the write requests it adds per page', () => {
    // Prepare: 100,000 rows are 200 pages of 500.
    const runs = [
      withUsage(run('rows', 'lethe', 'lethe', 0, 1_900), {
        'dynamodb:BatchWriteItem': 4_000,
        'dynamodb:TransactWriteItems': 420,
        's3:PutObject': 10,
        'dynamodb:Query': 999,
      }),
      withUsage(run('rows', 'lethe-without-restore-log', 'limit', 0, 2_000), {
        'dynamodb:BatchWriteItem': 4_000,
        'dynamodb:TransactWriteItems': 400,
      }),
      withUsage(run('rows', 'lethe', 'lethe', 20, 1_000), {
        'dynamodb:TransactWriteItems': 700,
      }),
      withUsage(run('rows', 'lethe-without-restore-log', 'limit', 20, 1_200), {
        'dynamodb:TransactWriteItems': 400,
      }),
    ];

    // Act
    const rows = evaluateTargets(results(runs));
    const row = (target: string, where: string) =>
      rows.find((r) => r.target.startsWith(target) && r.where === where);

    // Assess
    expect(row('rows with the restore log ≥ 90%', '100,000 rows, +0 ms')).toMatchObject({
      measured: '95.0%',
      verdict: 'met',
    });
    expect(row('rows with the restore log ≥ 90%', '100,000 rows, +20 ms')?.verdict).toBe('missed');
    // (420 + 10 − 400) / 200 pages; (700 − 400) / 200 pages. Reads do not count.
    expect(row('rows: the restore log adds ≤ 1 write', '100,000 rows, +0 ms')).toMatchObject({
      measured: '0.15',
      verdict: 'met',
    });
    expect(row('rows: the restore log adds ≤ 1 write', '100,000 rows, +20 ms')).toMatchObject({
      measured: '1.50',
      verdict: 'missed',
    });
  });

  it('says "not measured" for the demo when it did not run, and counts verdicts in the section', () => {
    const rows = evaluateTargets(results([run('objects', 'lethe', 'lethe', 0, 1, 5)]));

    const section = targetsSection(rows).join('\n');

    expect(rows.find((r) => r.target.startsWith('demo'))?.verdict).toBe('not measured');
    expect(section).toContain('## Targets');
    expect(section).toContain('0 met, 1 missed');
    expect(section).toContain(
      '| objects ≤ 2.5 requests per 1,000 keys | 100,000 keys, +0 ms | 5.0 | **missed** |',
    );
  });

  it('judges the small-job targets with the others and explains a missed one', () => {
    // Prepare: lethe at 30% of the inline cascade's jobs/s, 4 hops
    const small = (role: 'lethe' | 'baseline', jobsPerSecond: number): SmallJobsRecord => ({
      runner: role === 'lethe' ? 'lethe' : 'inline-cascade',
      label: role,
      role,
      arrival: 'burst',
      n: 200,
      itemsPerJob: 31,
      latencyMs: 0,
      concurrency: 40,
      status: 'ok',
      jobsPerSecond,
      jobLatencyMs: { p50: 1, p95: 1, p99: 1, max: 1 },
      ...(role === 'lethe' ? { queueHops: { median: 4, max: 4, longest: 4 } } : {}),
      requestsPerJob: 5,
      notes: [],
    });
    const withSmallJobs: BenchResults = {
      ...results([]),
      smallJobs: [small('baseline', 100), small('lethe', 30)],
    };

    // Act
    const rows = evaluateTargets(withSmallJobs);
    const section = targetsSection(rows).join('\n');

    // Assess
    expect(rows.filter((r) => r.target.startsWith('small')).map((r) => r.verdict)).toEqual([
      'missed',
      'met',
      'missed',
      'met',
    ]);
    expect(section).toContain(
      '| small jobs/s ≥ 50% of the inline cascade | 200 jobs, all at once, +0 ms | 30% (30.0 vs 100.0 jobs/s) | **missed** |',
    );
    expect(section).toMatch(
      /- \*\*small job ≤ 3 sequential queue hops…\*\*: A user with child rows/,
    );
  });
});
