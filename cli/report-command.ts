// `lethe report`: the compliance report — every deletion requested in a period, totals first,
// as text, Markdown or versioned JSON. Streamed: the totals pass and the rows pass each read
// the jobs' time index a page at a time, and each row is written as it is read.
import type { Command } from 'commander';
import {
  type ReportDeletion,
  type ReportTotals,
  reportDeletions,
  reportTotals,
} from '../lib/engine/compliance-report.js';
import { CliUsageError } from './cli-error.js';
import { parseTime } from './parse-time.js';
import type { Target } from './target.js';

/** The `version` of `lethe report --json`; see docs/cli.md. */
export const REPORT_JSON_VERSION = 1;

interface ReportOptions {
  readonly since: string;
  readonly until?: string;
  readonly json?: boolean;
  readonly markdown?: boolean;
  readonly hideIds?: boolean;
}

type Write = (text: string) => Promise<void>;

/** Writes to stdout, waiting when the pipe is full, so a long report holds little in memory. */
function stdoutWriter(): Write {
  return (text) =>
    new Promise((done, fail) => {
      process.stdout.write(text, (error) => (error ? fail(error) : done()));
    });
}

const deadlineText = (row: ReportDeletion) =>
  row.deadline === undefined
    ? 'no deadline'
    : `${row.deadline.status}${row.deadline.reason ? ` (${row.deadline.reason})` : ''}`;

const totalsLines = (t: ReportTotals) => [
  `requests ${t.requests}`,
  `completed ${t.completed}`,
  `completed within deadline ${t.completedWithinDeadline}`,
  `held (legal hold) ${t.held}`,
  `missed ${t.missed}`,
  `open ${t.open}`,
  `verified ${t.verified}`,
  ...(t.withoutDeadline > 0 ? [`without deadline ${t.withoutDeadline}`] : []),
];

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

function markdownRow(row: ReportDeletion): string {
  return `| ${[
    row.entity,
    row.id ?? row.idSha256 ?? '',
    row.requester ?? '',
    row.requestedAt,
    `${row.completedAt ?? row.status}${row.restoredAt ? `, restored ${row.restoredAt}` : ''}`,
    deadlineText(row),
    `${row.counts.rowsDeleted} / ${row.counts.rowsNulled} / ${row.counts.objectsDeleted}`,
    row.receiptRoot ?? '',
    row.verification
      ? `${row.verification.findings} findings (${row.verification.verifiedAt})`
      : '',
    row.jobId,
  ]
    .map(cell)
    .join(' | ')} |\n`;
}

function textRow(row: ReportDeletion): string {
  return `${row.requestedAt}  ${row.entity} ${row.id ?? row.idSha256 ?? ''}  by ${row.requester ?? '?'}  ${row.completedAt ? `completed ${row.completedAt}` : row.status}${row.restoredAt ? `, restored ${row.restoredAt}` : ''}  deadline ${deadlineText(row)}  rows ${row.counts.rowsDeleted}, nulled ${row.counts.rowsNulled}, objects ${row.counts.objectsDeleted}${row.receiptRoot ? `  receipt ${row.receiptRoot}` : ''}${row.verification ? `  verified: ${row.verification.findings} findings` : ''}  job ${row.jobId}\n`;
}

/** Registers `report` on the program; `target` resolves the pipeline the way other commands do. */
export function registerReportCommand(program: Command, target: () => Promise<Target>): void {
  program
    .command('report')
    .description(
      'compliance report: every deletion requested in a period, with its deadline, counts, receipt and verification',
    )
    .requiredOption('--since <date>', 'first day (or time) of the period, ISO-8601')
    .option('--until <date>', 'end of the period, exclusive (default: now)')
    .option('--json', 'print versioned JSON (docs/cli.md)')
    .option('--markdown', 'print a Markdown document')
    .option('--hide-ids', 'print the SHA-256 of each id instead of the id')
    .action(async (options: ReportOptions) => {
      if (options.json && options.markdown)
        throw new CliUsageError('give --json or --markdown, not both');
      const since = parseTime('--since', options.since);
      const t = await target();
      const state = t.engine.context.state;
      const until = options.until ? parseTime('--until', options.until) : state.now();
      if (until <= since) throw new CliUsageError('--until must be later than --since');
      // One clock for both passes: a job's verdict cannot change between the totals and its row.
      const now = state.now();
      const period = { since, until, hideIds: options.hideIds === true };
      const totals = await reportTotals(state, period, now);
      const write = stdoutWriter();
      if (options.json) {
        const head = {
          version: REPORT_JSON_VERSION,
          since: since.toISOString(),
          until: until.toISOString(),
          generatedAt: now.toISOString(),
          totals,
        };
        await write(`${JSON.stringify(head).slice(0, -1)},"deletions":[`);
        let first = true;
        for await (const row of reportDeletions(state, period, now)) {
          await write(`${first ? '\n' : ',\n'}${JSON.stringify(row)}`);
          first = false;
        }
        await write('\n]}\n');
        return;
      }
      if (options.markdown) {
        await write(
          `# Deletion report ${since.toISOString()} – ${until.toISOString()}\n\n` +
            `| total | n |\n| --- | --- |\n${totalsLines(totals)
              .map((line) => {
                const at = line.lastIndexOf(' ');
                return `| ${line.slice(0, at)} | ${line.slice(at + 1)} |`;
              })
              .join('\n')}\n\n` +
            '| entity | id | requester | requested | completed | deadline | rows / nulled / objects | receipt root | verification | job |\n' +
            '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n',
        );
        for await (const row of reportDeletions(state, period, now)) await write(markdownRow(row));
        return;
      }
      await write(
        `deletions requested ${since.toISOString()} – ${until.toISOString()}\n${totalsLines(totals).join(', ')}\n\n`,
      );
      for await (const row of reportDeletions(state, period, now)) await write(textRow(row));
    });
}
