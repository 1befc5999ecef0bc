// The end-to-end benchmark: `lethe demo --scale S --json` in a process of its own for each scale
// (its own local stack, the example graph seeded at S×, deleted through the real handlers and
// verified), its JSON report checked and turned into an EndToEndRecord. A demo that fails,
// times out or prints no report becomes a failed record with the reason, never a crash.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { EndToEndRecord } from './bench-results.js';
import { loadAverages } from './machine-info.js';
import { onShutdown } from './shutdown.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const KILL_GRACE_MS = 15_000;

const count = z.number().int().nonnegative();
const nonNegative = z.number().nonnegative();

/** The parts of the demo's `--json` report (cli/demo.ts `DemoReport`, version 1) the bench reads. */
export const demoReportShape = z.looseObject({
  version: z.literal(1),
  ok: z.boolean(),
  seeded: z.object({ rows: count, objects: count, seconds: nonNegative }),
  deleted: z.object({ rows: count, rowsNulled: count, objects: count, sharedKept: count }),
  wallTimeSeconds: nonNegative,
  memory: z.object({ peakRssMbDuringDeletion: nonNegative, maxRssMb: nonNegative }),
  units: count,
  apiCalls: z.record(z.string(), count),
  estimatedAwsCostUsd: nonNegative,
  checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string() })),
});

export type DemoReportShape = z.infer<typeof demoReportShape>;

/** How one demo process ended, as the parent saw it. */
export interface DemoProcessOutcome {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly elapsedSeconds: number;
  /** Set when the parent killed the process for running longer than this. */
  readonly timedOutAfterSeconds?: number;
}

/**
 * Seconds the demo may spend deleting (its `--timeout`), and the process in all (seeding too).
 * Generous: on the 2-core machine 1× seeds in about a minute and deletes in under one.
 */
export function demoTimeouts(scale: number): { deletion: number; process: number } {
  const deletion = Math.ceil(600 + 120 * scale);
  return { deletion, process: deletion + Math.ceil(300 + 240 * scale) };
}

/**
 * The report is the JSON document on stdout. Anything a library printed before it would make
 * the whole of stdout unparseable, so fall back to the last document starting on a line `{`.
 */
function reportJson(stdout: string): unknown {
  const text = stdout.trim();
  try {
    return JSON.parse(text);
  } catch (error) {
    const start = text.lastIndexOf('\n{\n');
    if (start < 0) throw error;
    return JSON.parse(text.slice(start + 1));
  }
}

function lastErrorLine(stderr: string): string | undefined {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return lines.findLast((line) => line.startsWith('lethe:')) ?? lines.at(-1);
}

function howItEnded(outcome: DemoProcessOutcome): string {
  if (outcome.timedOutAfterSeconds !== undefined)
    return `timed out after ${outcome.timedOutAfterSeconds} s (killed)`;
  if (outcome.signal) return `killed by ${outcome.signal}`;
  return `exit code ${outcome.code}`;
}

/** Turns what one demo process printed into a record: ok only when it verified and exited 0. */
export function endToEndRecord(
  scale: number,
  outcome: DemoProcessOutcome,
  loadAverage: number,
): EndToEndRecord {
  const base = { scale, loadAverage, processSeconds: outcome.elapsedSeconds };
  let json: unknown;
  try {
    json = reportJson(outcome.stdout);
  } catch {
    const said = lastErrorLine(outcome.stderr);
    return {
      ...base,
      status: 'failed',
      reason: `no report (${howItEnded(outcome)})${said ? `: ${said}` : ''}`,
      failedChecks: [],
    };
  }
  const parsed = demoReportShape.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join('.') || 'report'}: ${issue.message}`);
    return {
      ...base,
      status: 'failed',
      reason: `the report is not a demo report (version 1): ${problems.join('; ')}`,
      failedChecks: [],
    };
  }

  const report = parsed.data;
  const failedChecks = report.checks.filter((check) => !check.ok).map((check) => check.name);
  const itemsDeleted = report.deleted.rows + report.deleted.objects;
  const requestsTotal = Object.values(report.apiCalls).reduce((sum, n) => sum + n, 0);
  const exitedCleanly = outcome.code === 0 && outcome.timedOutAfterSeconds === undefined;
  const ok = report.ok && failedChecks.length === 0 && exitedCleanly;
  const reason = ok
    ? undefined
    : failedChecks.length > 0 || !report.ok
      ? `not verified: ${failedChecks.join('; ') || 'the report says not ok'}`
      : `reported, then ended with ${howItEnded(outcome)}`;
  return {
    ...base,
    status: ok ? 'ok' : 'failed',
    ...(reason ? { reason } : {}),
    seeded: report.seeded,
    deleted: report.deleted,
    itemsDeleted,
    wallTimeSeconds: report.wallTimeSeconds,
    units: report.units,
    requests: report.apiCalls,
    requestsTotal,
    ...(itemsDeleted > 0 ? { requestsPer1000Items: (requestsTotal / itemsDeleted) * 1000 } : {}),
    peakRssMbDuringDeletion: report.memory.peakRssMbDuringDeletion,
    maxRssMb: report.memory.maxRssMb,
    estimatedAwsCostUsd: report.estimatedAwsCostUsd,
    failedChecks,
  };
}

/** Runs `lethe demo` the way an operator does; resolves however it ends. */
function runDemoProcess(scale: number, log: (line: string) => void): Promise<DemoProcessOutcome> {
  const timeouts = demoTimeouts(scale);
  const args = [
    join(root, 'bin', 'lethe.js'),
    'demo',
    '--scale',
    String(scale),
    '--json',
    '--timeout',
    String(timeouts.deletion),
  ];
  return new Promise((resolve) => {
    const started = performance.now();
    // process.execPath: the Node the bench runs on (npm scripts use the project's Node 24).
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let pending = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      stderr += text;
      const lines = (pending + text).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) log(line);
    });
    const kill = () => {
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS).unref();
    };
    const stopOnSignal = onShutdown(kill);
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeouts.process * 1000);
    const finish = (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      stopOnSignal();
      if (pending.trim()) log(pending);
      resolve({
        code,
        signal,
        stdout,
        stderr,
        elapsedSeconds: (performance.now() - started) / 1000,
        ...(timedOut ? { timedOutAfterSeconds: timeouts.process } : {}),
      });
    };
    child.on('error', (error) => {
      stderr += `\nlethe: could not start the demo: ${error.message}\n`;
      finish(null, null);
    });
    child.on('close', finish);
  });
}

function summary(record: EndToEndRecord): string {
  if (record.status === 'failed') return `failed: ${record.reason ?? ''}`;
  const int = (n: number) => Math.round(n).toLocaleString('en-US');
  return (
    `ok, ${record.wallTimeSeconds?.toFixed(1)} s EntityDeleted → DeletionCompleted, ` +
    `${int(record.itemsDeleted ?? 0)} items, ${int(record.requestsTotal ?? 0)} requests ` +
    `(${(record.requestsPer1000Items ?? 0).toFixed(1)} / 1,000 items), ` +
    `peak RSS ${int(record.peakRssMbDuringDeletion ?? 0)} MiB; ${record.processSeconds?.toFixed(0)} s in all`
  );
}

/**
 * One demo per scale, smallest first, one at a time. Call it only when nothing else of the
 * bench runs: the demo starts its own emulators and would share the two cores with them.
 */
export async function runEndToEnd(
  scales: readonly number[],
  log: (line: string) => void,
): Promise<EndToEndRecord[]> {
  const records: EndToEndRecord[] = [];
  for (const scale of scales) {
    const tag = `[e2e ${scale}×] lethe demo`;
    const loadAverage = loadAverages()[0] ?? 0;
    log(
      `${tag}: running --scale ${scale} (load average ${loadAverage}, gives up after ${demoTimeouts(scale).process} s)…`,
    );
    const outcome = await runDemoProcess(scale, (line) => log(`${tag}: ${line}`));
    const record = endToEndRecord(scale, outcome, loadAverage);
    log(`${tag}: ${summary(record)}`);
    records.push(record);
  }
  return records;
}
