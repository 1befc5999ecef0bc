// `npm run bench` flags, validated at the boundary. `--quick` is a smoke run with small sizes
// that leaves the published results alone.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { BenchOptionsRecord } from './bench-results.js';
import { OBJECT_RUNNERS, ROW_RUNNERS } from './registry.js';

export const USAGE = `usage: npm run bench -- [options]

  --keys <n,n,…>     object counts to delete (default 10000,100000)
  --rows <n,n,…>     row counts to delete (default 10000,100000)
  --latency-ms <ms>  added latency per request for the second object run and the second
                     small-jobs round; 0 skips them (default 20)
  --e2e <s,s,…>      demo scales to run end to end after the suites, each a number in
                     (0, 100], or none (default 1,10; with --quick 0.1)
  --small-jobs <n>   users in the small-jobs suite, each one job of 21 rows and 10 objects,
                     deleted by lethe and by the inline cascade, all at once and at a steady
                     rate, at +0 ms and the added latency; none skips it (default 1000; with
                     --quick 50)
  --pair-passes <n>  how often each object pair of lethe and a lethe variant runs (receipts:
                     lethe without receipt leaves), alternating which runs first; the row
                     pair (without the restore log) runs at most twice (default 4; with
                     --quick 2)
  --only <id,id,…>   run only these runners (ids in bench/registry.ts; e2e is the end-to-end
                     demo and small-jobs the small-jobs suite, which a list without them skips)
  --quick            small sizes (500,5000 keys and rows, e2e 0.1, 50 small jobs); results go
                     to bench/results/tmp/
  --render <file>    only re-render the report from a results file (runs nothing)
  --help             this text

Full runs write bench/results/latest.json, docs/benchmarks.md and docs/img/bench-*.svg;
--quick and --only runs write to bench/results/tmp/ instead.`;

const counts = z
  .string()
  .transform((text) => text.split(',').map((part) => Number(part.trim().replaceAll('_', ''))))
  .pipe(z.array(z.number().int().positive().max(10_000_000)).min(1))
  .transform((values) => [...new Set(values)].sort((a, b) => a - b));

const E2E_NONE = 'none';

// Demo scales: `lethe demo --scale` takes (0, 100]; `none` is the empty list.
const scales = z
  .string()
  .transform((text) =>
    text.trim() === E2E_NONE ? [] : text.split(',').map((part) => Number(part.trim())),
  )
  .pipe(z.array(z.number().positive().max(100)))
  .transform((values) => [...new Set(values)].sort((a, b) => a - b));

/** The runner id `--only` selects the end-to-end demo by. */
export const E2E_ID = 'e2e';

/** The id `--only` selects the small-jobs suite by (lethe and the inline cascade together). */
export const SMALL_JOBS_ID = 'small-jobs';

/** Every id `--only` accepts: the runners of both suites, the demo and the small-jobs suite. */
export const RUNNER_IDS: readonly string[] = [
  ...new Set([...OBJECT_RUNNERS, ...ROW_RUNNERS].map((runner) => runner.id)),
  E2E_ID,
  SMALL_JOBS_ID,
];

// A user count for the small-jobs suite, or none (skipped, read as 0). "0" and "" are refused:
// only none skips, so a typo cannot silently drop the suite.
const smallJobs = z
  .string()
  .transform((text) => {
    const trimmed = text.trim();
    if (trimmed === E2E_NONE) return 0;
    const users = Number(trimmed.replaceAll('_', ''));
    return trimmed === '' || users === 0 ? Number.NaN : users;
  })
  .pipe(z.number().int().min(0).max(1_000_000));

const schema = z.object({
  keys: counts.optional(),
  rows: counts.optional(),
  e2e: scales.optional(),
  'small-jobs': smallJobs.optional(),
  'latency-ms': z.coerce.number().int().min(0).max(10_000).optional(),
  'pair-passes': z.coerce.number().int().min(1).max(10).optional(),
  only: z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    )
    .optional(),
  quick: z.boolean().optional(),
  render: z.string().min(1).optional(),
  help: z.boolean().optional(),
});

export type ParsedArgs =
  | { readonly kind: 'help' }
  | { readonly kind: 'render'; readonly resultsFile: string }
  | { readonly kind: 'run'; readonly options: BenchOptionsRecord };

export function parseBenchArgs(argv: readonly string[]): ParsedArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      keys: { type: 'string' },
      rows: { type: 'string' },
      e2e: { type: 'string' },
      'small-jobs': { type: 'string' },
      'latency-ms': { type: 'string' },
      'pair-passes': { type: 'string' },
      only: { type: 'string' },
      quick: { type: 'boolean' },
      render: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const flag = String(issue.path[0]);
      if (flag === 'keys' || flag === 'rows')
        return `--${flag}: expected positive integers separated by commas`;
      if (flag === 'small-jobs')
        return `--small-jobs: expected a whole number of users up to 1,000,000, or ${E2E_NONE}; got "${values['small-jobs']}"`;
      if (flag === 'pair-passes')
        return `--pair-passes: expected a whole number from 1 to 10; got "${values['pair-passes']}"`;
      if (flag === 'e2e')
        return `--e2e: expected scales in (0, 100] separated by commas, or ${E2E_NONE}; got "${values.e2e}"`;
      return `--${flag}: ${issue.message}`;
    });
    // One flag with several bad values is reported once.
    throw new Error(`bad arguments: ${[...new Set(problems)].join('; ')}`);
  }
  const flags = parsed.data;
  if (flags.help) return { kind: 'help' };
  if (flags.render) return { kind: 'render', resultsFile: flags.render };
  const quick = flags.quick ?? false;
  const defaults = quick ? [500, 5_000] : [10_000, 100_000];
  const e2e = flags.e2e ?? (quick ? [0.1] : [1, 10]);
  const unknown = (flags.only ?? []).filter((id) => !RUNNER_IDS.includes(id));
  if (unknown.length > 0) {
    throw new Error(
      `bad arguments: --only: unknown runner ${unknown.map((id) => `"${id}"`).join(', ')}; known: ${RUNNER_IDS.join(', ')}`,
    );
  }
  if (flags.only?.length === 0) throw new Error('bad arguments: --only: expected runner ids');
  if (flags.only?.length === 1 && flags.only[0] === E2E_ID && e2e.length === 0) {
    throw new Error(`bad arguments: --only ${E2E_ID} with --e2e ${E2E_NONE} runs nothing`);
  }
  const smallJobsN = flags['small-jobs'] ?? (quick ? 50 : 1_000);
  if (flags.only?.length === 1 && flags.only[0] === SMALL_JOBS_ID && smallJobsN === 0) {
    throw new Error(
      `bad arguments: --only ${SMALL_JOBS_ID} with --small-jobs ${E2E_NONE} runs nothing`,
    );
  }
  const runsSmallJobs = smallJobsN > 0 && (!flags.only || flags.only.includes(SMALL_JOBS_ID));
  return {
    kind: 'run',
    options: {
      keys: flags.keys ?? defaults,
      rows: flags.rows ?? defaults,
      latencyMs: flags['latency-ms'] ?? 20,
      pairPasses: flags['pair-passes'] ?? (quick ? 2 : 4),
      quick,
      only: flags.only,
      e2e: flags.only && !flags.only.includes(E2E_ID) ? [] : e2e,
      ...(runsSmallJobs ? { smallJobs: smallJobsN } : {}),
    },
  };
}
