// The "Small jobs" section of docs/benchmarks.md, from the small-jobs records of one run:
// method and baseline, a table per added latency, requests per job by action, and the cost
// per million jobs. Pure: records in, markdown lines out.
import type { CostBreakdown } from '../../lib/cost/cost-model.js';
import type { SmallJobsRecord } from '../bench-results.js';
import { SMALL_JOBS_CONCURRENCY, STEADY_SHARE_OF_INLINE } from './run-small-jobs.js';
import { CHILD_TABLES, OBJECTS_PER_USER, ROWS_PER_CHILD_TABLE } from './seed-small-jobs.js';

const int = (value: number) => Math.round(value).toLocaleString('en-US');
const one = (value: number) => (value >= 100 ? int(value) : value.toFixed(1));

function ms(value: number): string {
  return value < 10_000 ? `${int(value)} ms` : `${(value / 1000).toFixed(1)} s`;
}

function usd(value: number): string {
  if (value === 0) return '$0';
  if (value < 0.01) return `$${Number(value.toPrecision(2))}`;
  return `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function arrivalCell(run: SmallJobsRecord): string {
  return run.arrival === 'burst' ? 'all at once' : `${run.arrivalPerSecond}/s steady`;
}

function statusCell(run: SmallJobsRecord): string {
  return run.status === 'ok' ? 'ok' : `**${run.status}**: ${run.reason ?? ''}`;
}

const measured = (run: SmallJobsRecord) => run.status === 'ok';

function resultsTable(runs: readonly SmallJobsRecord[]): string[] {
  const lines = [
    '| runner | arrival | jobs | time | jobs/s | p50 | p95 | p99 | max | queue hops (median / max) | requests / job | in flight (peak) | status |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const run of runs) {
    const ok = measured(run);
    const latency = run.jobLatencyMs;
    const dash = '—';
    lines.push(
      `| ${cell(run.label)} | ${arrivalCell(run)} | ${int(run.n)} | ${ok && run.elapsedMs !== undefined ? ms(run.elapsedMs) : dash} | ${
        ok && run.jobsPerSecond !== undefined ? one(run.jobsPerSecond) : dash
      } | ${ok && latency ? ms(latency.p50) : dash} | ${ok && latency ? ms(latency.p95) : dash} | ${
        ok && latency ? ms(latency.p99) : dash
      } | ${ok && latency ? ms(latency.max) : dash} | ${
        run.queueHops
          ? `${run.queueHops.median} / ${run.queueHops.max}`
          : run.role === 'baseline'
            ? '0 (no queue)'
            : dash
      } | ${ok && run.requestsPerJob !== undefined ? one(run.requestsPerJob) : dash} | ${run.peakInFlight ?? dash} | ${cell(statusCell(run))} |`,
    );
  }
  return lines;
}

function perJobByAction(run: SmallJobsRecord): string {
  return Object.entries(run.usage?.requests ?? {})
    .sort((a, b) => b[1] - a[1])
    .map(([action, count]) => `${action} ${one(count / run.n)}`)
    .join(', ');
}

function costRow(run: SmallJobsRecord, cost: CostBreakdown): string {
  return `| ${cell(run.label)} | ${arrivalCell(run)} | ${usd(cost.s3)} | ${usd(cost.sqs)} | ${usd(cost.dynamodb)} | ${usd(cost.lambda)} | ${usd(cost.eventbridge)} | **${usd(cost.total)}** |`;
}

/** Markdown lines of the section; says "not run" when there are no records. */
export function smallJobsSection(records: readonly SmallJobsRecord[]): string[] {
  const md = ['## Small jobs: many small deletions', ''];
  const n = records[0]?.n;
  const items = 1 + ROWS_PER_CHILD_TABLE * CHILD_TABLES.length + OBJECTS_PER_USER;
  md.push(
    `N users, each one small job: its own row, ${ROWS_PER_CHILD_TABLE} rows in each of ${CHILD_TABLES.length} child`,
    `tables (found by a GSI on the user id) and ${OBJECTS_PER_USER} objects under \`users/{userId}/\`: ${items} items.`,
    'Every user has a neighbour `{userId}x` (a row, a child in each table, an object under',
    '`users/{userId}x/`) that must survive; after each run the harness checks, on the',
    'emulators, that the users are gone and every neighbour is there.',
    '',
    '- **lethe**: one `EntityDeleted` event per user into the real ingest handler; the local',
    '  runtime drives the real worker handler from the real work queue (fauxqs). Latency runs',
    "  from the event's arrival to the job's `DeletionCompleted`. The sweeper is off, as in the",
    '  object and row runs. A failed or timed-out ingest invocation is retried twice (as Lambda',
    '  retries an asynchronous invocation), at once and with the same event id.',
    '- **inline cascade** (the floor): what a team would write in the handler of its',
    '  `EntityDeleted` rule, per user: Query each child index, one BatchWriteItem for the',
    '  children and the row, ListObjectsV2 on the prefix, DeleteObjects. No state, no queue.',
    '  Latency runs from the arrival to the end of its cascade.',
    `- **Same concurrency**: ${SMALL_JOBS_CONCURRENCY} at once for both — lethe's worker takes 4 batches of`,
    `  10 records (${SMALL_JOBS_CONCURRENCY} units) and ingest up to ${SMALL_JOBS_CONCURRENCY} events; the inline cascade runs ${SMALL_JOBS_CONCURRENCY} users.`,
    '- **Arrivals**: all at once (every event there at the start), and steady: event i arrives',
    `  i / rate seconds after the start, the rate being ${STEADY_SHARE_OF_INLINE * 100}% of the inline cascade's all-at-once`,
    '  jobs/s at the same added latency — a load the floor handles with room to spare, and one',
    '  lethe keeps up with exactly when it meets its jobs/s target. A job waiting for a free',
    '  slot keeps its arrival time.',
    "- **Queue hops**: read back from each job's unit items after the run: the chain of units",
    '  (each one queue message, sent after the commit of the unit that spawned it) from the',
    '  root to the unit that settled last, whose settle completed the job.',
    "- **Requests** are counted at the proxies while measuring, every service; lethe's include",
    "  the worker's queue polling. **Cost** prices them at the list prices below, plus Lambda",
    '  (lethe: worker batches and ingest invocations, their busy time at 1 GB; inline: one',
    '  invocation per event, priced the same way) and EventBridge (lethe: `EntityDeleted` in,',
    '  `DeletionCompleted` out; inline: `EntityDeleted`).',
    '',
  );
  if (records.length === 0 || n === undefined) {
    md.push('Not run (`--small-jobs none`, or an `--only` list without `small-jobs`).', '');
    return md;
  }
  const latencies = [...new Set(records.map((run) => run.latencyMs))].sort((a, b) => a - b);
  for (const latencyMs of latencies) {
    md.push(
      `### +${latencyMs} ms per request`,
      '',
      ...resultsTable(records.filter((run) => run.latencyMs === latencyMs)),
      '',
    );
  }
  md.push(
    '### Requests per job by action',
    '',
    '| runner | arrival | added latency | requests per job by action |',
    '|---|---|---:|---|',
    ...records
      .filter(measured)
      .map(
        (run) =>
          `| ${cell(run.label)} | ${arrivalCell(run)} | ${run.latencyMs} ms | ${cell(perJobByAction(run))} |`,
      ),
    '',
    '### Cost per million small jobs',
    '',
    'USD per million jobs, from the +0 ms runs.',
    '',
    '| runner | arrival | S3 | SQS | DynamoDB | Lambda | EventBridge | total |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
    ...records
      .filter((run) => run.latencyMs === 0 && measured(run) && run.costPerMillionJobs)
      .map((run) => costRow(run, run.costPerMillionJobs as CostBreakdown)),
    '',
  );
  const notes = records.flatMap((run) =>
    run.notes.map(
      (note) => `- ${cell(`${run.label}, ${arrivalCell(run)}, +${run.latencyMs} ms: ${note}`)}`,
    ),
  );
  if (notes.length > 0) md.push('Notes:', '', ...notes, '');
  return md;
}
