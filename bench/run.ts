// `npm run bench`: flags in, benchmark run, results and report out. Wiring only; the harness
// is run-bench.ts and the report is report.ts.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseBenchArgs, USAGE } from './bench-options.js';
import type { BenchResults } from './bench-results.js';
import { writeReport } from './report.js';
import { runBench, SCRATCH_DIR } from './run-bench.js';
import { installSignalHandlers } from './shutdown.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const LATEST = join(root, 'bench', 'results', 'latest.json');
const log = (line: string) => process.stderr.write(`${line}\n`);

// Enough of the shape to refuse a file that is not bench results; the rest is ours.
const resultsShape = z.looseObject({
  schemaVersion: z.literal(1),
  runs: z.array(z.looseObject({ suite: z.string(), runner: z.string(), n: z.number() })),
});

/** Full results go to the published places; partial ones (quick, --only) to the scratch dir. */
function outputPaths(published: boolean) {
  const markdownFile = published
    ? join(root, 'docs', 'benchmarks.md')
    : join(SCRATCH_DIR, 'benchmarks.md');
  return { markdownFile, imageDir: join(dirname(markdownFile), 'img') };
}

function render(resultsFile: string): number {
  const path = resolve(resultsFile);
  const parsed = resultsShape.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${resultsFile} is not a bench results file (schema 1)`);
  const results = parsed.data as unknown as BenchResults;
  const paths = outputPaths(path === LATEST);
  writeReport(results, { ...paths, resultsFile: path });
  log(`report: ${relative(process.cwd(), paths.markdownFile)}`);
  return 0;
}

async function run(options: BenchResults['options']): Promise<number> {
  installSignalHandlers(log);
  const published = !options.quick && options.only === undefined;
  const args = process.argv.slice(2);
  const command = ['npm run bench', ...(args.length > 0 ? ['--', ...args] : [])].join(' ');
  const results: BenchResults = { ...(await runBench(options, log)), command };

  mkdirSync(SCRATCH_DIR, { recursive: true });
  const stamp = results.startedAt.replaceAll(':', '-').replace(/\.\d+Z$/, 'Z');
  const json = `${JSON.stringify(results, null, 2)}\n`;
  writeFileSync(join(SCRATCH_DIR, `results-${stamp}.json`), json);
  const resultsFile = published ? LATEST : join(SCRATCH_DIR, 'partial.json');
  writeFileSync(resultsFile, json);
  const paths = outputPaths(published);
  writeReport(results, { ...paths, resultsFile });
  log(`results: ${relative(process.cwd(), resultsFile)}`);
  log(`report:  ${relative(process.cwd(), paths.markdownFile)}`);
  const broken = results.runs.filter((r) => r.status === 'failed' || r.status === 'incomplete');
  for (const r of broken) log(`${r.status}: ${r.label} (${r.suite}, n=${r.n}): ${r.reason}`);
  const brokenDemos = (results.endToEnd ?? []).filter((r) => r.status === 'failed');
  for (const r of brokenDemos) log(`failed: lethe demo (e2e, scale ${r.scale}): ${r.reason}`);
  const brokenSmall = (results.smallJobs ?? []).filter((r) => r.status !== 'ok');
  for (const r of brokenSmall) {
    log(
      `${r.status}: ${r.label} (small jobs, n=${r.n}, ${r.arrival}, +${r.latencyMs} ms): ${r.reason}`,
    );
  }
  return broken.length + brokenDemos.length + brokenSmall.length > 0 ? 1 : 0;
}

async function main(): Promise<number> {
  const args = parseBenchArgs(process.argv.slice(2));
  switch (args.kind) {
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    case 'render':
      return render(args.resultsFile);
    case 'run':
      return run(args.options);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`bench: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
