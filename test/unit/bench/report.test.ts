import { describe, expect, it } from 'vitest';
import type { BenchResults, EndToEndRecord, RunRecord } from '../../../bench/bench-results.js';
import { END_TO_END_CHART, renderReport } from '../../../bench/report.js';
import { PRICES } from '../../../lib/cost/prices.js';

function demo(
  scale: number,
  numbers: { items: number; seconds: number; requests: number; rss: number },
): EndToEndRecord {
  const rows = Math.round(numbers.items * 0.7);
  return {
    scale,
    status: 'ok',
    loadAverage: 1.2,
    processSeconds: 60 + numbers.seconds * 3,
    seeded: { rows: rows + 4_000, objects: numbers.items - rows + 1_000, seconds: 59 * scale },
    deleted: { rows, rowsNulled: 1_000 * scale, objects: numbers.items - rows, sharedKept: 2_730 },
    itemsDeleted: numbers.items,
    wallTimeSeconds: numbers.seconds,
    units: 218 * scale,
    requests: { 'dynamodb:BatchWriteItem': numbers.requests - 100, 's3:DeleteObjects': 100 },
    requestsTotal: numbers.requests,
    requestsPer1000Items: (numbers.requests / numbers.items) * 1000,
    peakRssMbDuringDeletion: numbers.rss,
    maxRssMb: numbers.rss + 60,
    estimatedAwsCostUsd: 0.0371 * scale,
    failedChecks: [],
  };
}

const ONE = demo(1, { items: 70_000, seconds: 35.5, requests: 2_000, rss: 250 });
const TEN = demo(10, { items: 693_000, seconds: 308.85, requests: 19_800, rss: 320 });

function results(endToEnd: readonly EndToEndRecord[] | undefined): BenchResults {
  return {
    schemaVersion: 1,
    startedAt: '2026-11-22T03:59:22.327Z',
    finishedAt: '2026-11-22T04:40:04.765Z',
    command: 'npm run bench -- --only e2e',
    options: { keys: [10_000], rows: [10_000], latencyMs: 20, quick: false, only: ['e2e'] },
    machine: {
      cpus: 2,
      cpuModel: 'AMD EPYC',
      memoryGb: 23.5,
      platform: 'linux',
      release: '6.18',
      arch: 'x64',
      loadAverage: { start: [1, 1, 1], end: [1, 1, 1] },
    },
    versions: {
      lethe: '0.1.0',
      node: 'v24.21.0',
      fauxqs: '2.4.1',
      dynamoDbLocal: '11.1.0',
      java: 'openjdk 17',
      awsSdkClientS3: '3.1169.0',
      awsCli: 'not installed',
      rclone: 'not installed',
    },
    prices: PRICES,
    runs: [],
    ...(endToEnd ? { endToEnd } : {}),
    notes: [],
  };
}

function render(endToEnd: readonly EndToEndRecord[] | undefined) {
  return renderReport(results(endToEnd), { resultsLink: '../bench/results/latest.json' });
}

describe('Function: renderReport', () => {
  describe('Section: End to end', () => {
    it('has a row per scale: items, time, rate, requests, per 1,000 items, peak RSS, cost', () => {
      // Act
      const { markdown } = render([ONE, TEN]);

      // Assess
      expect(markdown).toContain('## End to end: the demo dataset');
      expect(markdown).toContain(
        '| 1× | 53,000 + 22,000 | 49,000 + 21,000 | 59.0 s | 35.5 s | 1,972 | 218 | 2,000 | 28.6 | 250 | $0.0371 | 1.2 | ok |',
      );
      expect(markdown).toContain(
        '| 10× | 489,100 + 208,900 | 485,100 + 207,900 | 9 m 50 s | 5 m 9 s | 2,244 | 2,180 | 19,800 | 28.6 | 320 | $0.371 | 1.2 | ok |',
      );
      expect(markdown).toContain(
        '- 10×: 10,000 rows nulled (set-null), 2,730 shared references kept; dynamodb:BatchWriteItem 19,700, s3:DeleteObjects 100',
      );
    });

    it('says the target is met at 1× with the measured time and the whole process time', () => {
      // Act
      const { markdown } = render([ONE, TEN]);

      // Assess
      expect(markdown).toContain(
        'Target: the demo end to end within 3 minutes at 1× on 2 cores — **met**: 35.5 s from `EntityDeleted` to `DeletionCompleted` on this 2-core machine; the whole demo process (stack start, seeding, plan, deletion, verification) took 2 m 47 s, also within 3 minutes.',
      );
    });

    it('says the target is missed when 1× took longer than 3 minutes', () => {
      // Prepare
      const slow = demo(1, { items: 70_000, seconds: 200, requests: 2_000, rss: 250 });

      // Act
      const { markdown } = render([slow]);

      // Assess
      expect(markdown).toContain('— **missed**: 3 m 20 s from `EntityDeleted`');
      expect(markdown).toContain('took 11 m 0 s, over 3 minutes.');
    });

    it('says the target is missed when the 1× demo failed, and shows why in its row', () => {
      // Prepare
      const failed: EndToEndRecord = {
        scale: 1,
        status: 'failed',
        reason: 'no report (exit code 1): lethe: the deletion did not complete within 720 s',
        loadAverage: 3.5,
        failedChecks: [],
      };

      // Act
      const { markdown, images } = render([failed, TEN]);

      // Assess
      expect(markdown).toContain(
        '| 1× | — | — | — | — | — | — | — | — | — | — | 3.5 | **failed**: no report (exit code 1): lethe: the deletion did not complete within 720 s |',
      );
      expect(markdown).toContain('— **missed**: the 1× demo failed (no report (exit code 1)');
      expect(images.has(END_TO_END_CHART)).toBe(false);
    });

    it('says the target was not measured when 1× was not run', () => {
      // Act
      const { markdown } = render([
        demo(0.1, { items: 7_000, seconds: 5, requests: 210, rss: 200 }),
      ]);

      // Assess
      expect(markdown).toContain('— not measured: 1× was not run.');
    });

    it('says "not run" for results from before end-to-end runs, and draws no chart', () => {
      // Act
      const { markdown, images } = render(undefined);

      // Assess
      expect(markdown).toContain('## End to end: the demo dataset\n\nNot run:');
      expect(markdown).toContain('End to end: the chart needs the demo verified at two scales');
      expect(images.has(END_TO_END_CHART)).toBe(false);
    });
  });

  describe('Section: Cost on AWS', () => {
    it("prices the largest verified demo per million items, from the demo's estimate", () => {
      // Act
      const { markdown } = render([ONE, TEN]);

      // Assess: $0.371 for 693,000 items
      expect(markdown).toContain(
        'End to end, the demo at 10× (every service, Lambda and EventBridge included, as the demo estimates it): $0.54 per million items deleted.',
      );
      expect(markdown).toContain('No measured object or row runs.');
    });
  });

  describe('Section: Scaling', () => {
    it('charts growth relative to 1× for time, requests and items against ideal linear', () => {
      // Act
      const { markdown, images } = render([TEN, ONE]);

      // Assess
      const svg = images.get(END_TO_END_CHART);
      expect(svg).toBeDefined();
      for (const series of ['wall time', 'API requests', 'items deleted', 'ideal linear']) {
        expect(svg).toContain(`>${series}</text>`);
      }
      expect(svg).toContain('End to end: growth from 1× to 10× the demo dataset');
      // The ideal line ends at 10×; wall time at 308.85 / 35.5 = 8.7×.
      expect(svg).toContain('ideal linear: 10× → 10×');
      expect(svg).toContain('wall time: 10× → 8.7×');
      // Only the reference line is dashed.
      expect(svg?.match(/stroke-dasharray/g)).toHaveLength(1);
      expect(markdown).toContain(
        `![End to end: growth with the demo dataset](img/${END_TO_END_CHART})`,
      );
    });

    it('says in words how time, requests and memory grew', () => {
      // Act
      const { markdown } = render([ONE, TEN]);

      // Assess
      expect(markdown).toContain(
        'End to end, from 1× to 10×: 10× the data (9.9× the items deleted) took 8.7× the time and 9.9× the requests; peak RSS went from 250 to 320 MiB (1.3×).',
      );
    });

    it('leaves failed scales out of the chart', () => {
      // Prepare
      const failedFive: EndToEndRecord = {
        ...demo(5, { items: 350_000, seconds: 1, requests: 1, rss: 1 }),
        status: 'failed',
        reason: 'not verified: x',
      };

      // Act
      const svg = render([ONE, failedFive, TEN]).images.get(END_TO_END_CHART) ?? '';

      // Assess
      expect(svg).not.toMatch(/: 5× →/);
      expect(svg).toContain('wall time: 10× → 8.7×');
    });
  });

  describe('Section: Restore', () => {
    const usage = (requests: Record<string, number>) => ({
      requests,
      dynamodbWriteUnits: 0,
      dynamodbReadUnits: 0,
      sqsBilledRequests: 0,
      lambdaInvocations: 0,
      lambdaGbSeconds: 0,
      eventBridgeEvents: 0,
    });
    const letheRows: RunRecord = {
      suite: 'rows',
      runner: 'lethe',
      label: 'lethe',
      role: 'lethe',
      n: 10_000,
      latencyMs: 0,
      status: 'ok',
      elapsedMs: 20_000,
      deletedReported: 10_000,
      deletedVerified: 10_000,
      itemsPerSecond: 500,
      requestsTotal: 900,
      requestsPer1000Items: 90,
      usage: usage({ 'dynamodb:BatchWriteItem': 400 }),
      notes: [],
      restore: {
        status: 'ok',
        elapsedMs: 25_000,
        restoredReported: 10_000,
        restoredVerified: 10_000,
        itemsPerSecond: 400,
        requestsTotal: 450,
        requestsPer1000Items: 45,
        usage: usage({ 'dynamodb:TransactWriteItems': 400, 'dynamodb:Query': 50 }),
        verification: {
          checked: 10_000,
          equal: 10_000,
          missing: 0,
          differ: 0,
          extra: 0,
          neighboursIntact: true,
        },
      },
    };
    const withRuns = (runs: readonly RunRecord[]) =>
      renderReport({ ...results(undefined), runs }, { resultsLink: '../bench/results/latest.json' })
        .markdown;

    it("reports the restore's rows/s and requests per 1,000 rows beside the deletion's rate", () => {
      // Act
      const markdown = withRuns([letheRows]);

      // Assess
      expect(markdown).toContain('## Restore: bring the deleted items back');
      expect(markdown).toContain(
        '| lethe | 10,000 | 25.0 s | 400 | 45 | 500 | 10,000 of 10,000 | ok |',
      );
      expect(markdown).toContain(
        '- Requests of the restore, 10,000 rows: dynamodb:TransactWriteItems 400, dynamodb:Query 50',
      );
    });

    it('prints no rate for a restore that left rows missing, and says what was wrong', () => {
      // Prepare
      const incomplete: RunRecord = {
        ...letheRows,
        restore: {
          ...letheRows.restore,
          status: 'incomplete',
          reason: '3 missing, 1 not equal to the seeded item, 0 extra',
          restoredVerified: 9_996,
          verification: {
            checked: 10_000,
            equal: 9_996,
            missing: 3,
            differ: 1,
            extra: 0,
            neighboursIntact: true,
          },
        },
      };

      // Act
      const markdown = withRuns([incomplete]);

      // Assess
      expect(markdown).toContain(
        '| lethe | 10,000 | 25.0 s | — | 45 | 500 | 9,996 of 10,000 | **incomplete**: 3 missing, 1 not equal to the seeded item, 0 extra |',
      );
    });

    it('says object restore is not measured on the emulator instead of printing a number', () => {
      // Act
      const markdown = withRuns([letheRows]);

      // Assess
      expect(markdown).toContain('Objects: not measured: the emulator has no bucket versioning');
    });

    it('says the row restore was not run when no run restored', () => {
      // Act
      const markdown = withRuns([]);

      // Assess
      expect(markdown).toContain('Rows: not run');
      expect(markdown).toContain('Objects: not measured: the emulator has no bucket versioning');
    });
  });

  describe('Section: Paired runs, every pass', () => {
    const objectRun = (runner: string, itemsPerSecond: number, pass?: number): RunRecord => ({
      suite: 'objects',
      runner,
      label: runner,
      role: runner === 'lethe' ? 'lethe' : 'limit',
      n: 100_000,
      latencyMs: 0,
      status: 'ok',
      elapsedMs: 1_000,
      itemsPerSecond,
      requestsTotal: 300,
      requestsPer1000Items: 3,
      notes: [],
      ...(pass === undefined ? {} : { pass }),
    });
    const variant = 'lethe-without-receipt-leaves';
    const runs = [objectRun('lethe', 9_000), objectRun(variant, 10_000)];

    it('lists every pass of a pair, which ran first and its ratio', () => {
      // Prepare
      const pairPasses = [
        objectRun(variant, 10_000, 2),
        objectRun('lethe', 9_900, 2),
        objectRun('lethe', 9_600, 3),
        objectRun(variant, 10_000, 3),
      ];

      // Act
      const { markdown } = renderReport(
        { ...results(undefined), runs, pairPasses },
        { resultsLink: '../bench/results/latest.json' },
      );

      // Assess
      expect(markdown).toContain('## Paired runs, every pass');
      expect(markdown).toContain(
        '| objects | 100,000 | +0 ms | 1 | lethe | 9,000 | 10,000 | 90% |',
      );
      expect(markdown).toContain(
        '| objects | 100,000 | +0 ms | 2 | variant | 9,900 | 10,000 | 99% |',
      );
      expect(markdown).toContain(
        '| objects | 100,000 | +0 ms | 3 | lethe | 9,600 | 10,000 | 96% |',
      );
    });

    it('has no such section when the pairs ran once', () => {
      // Act
      const { markdown } = renderReport(
        { ...results(undefined), runs },
        { resultsLink: '../bench/results/latest.json' },
      );

      // Assess
      expect(markdown).not.toContain('Paired runs');
    });
  });
});
