// The construct must know, while it is being built, that its graph module is usable: a bad
// module otherwise surfaces as an esbuild stack trace during bundling, or as functions that
// refuse to start after a deploy. CDK construction is synchronous, so the module is bundled
// with esbuild's buildSync — every import resolved from its importer, as the functions'
// bundling resolves it, TypeScript included — and the bundle is evaluated with Node's
// synchronous require() of an ES module (Node ≥ 22.12).
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildSync, type Message } from 'esbuild';
import { defineGraph } from '../lib/graph/define-graph.js';
import { GraphModuleError, graphFromExports } from '../lib/graph/graph-module.js';
import type { Graph } from '../lib/graph/graph-types.js';

const requireHere = createRequire(import.meta.url);

// The bundle may inline CommonJS packages that require() Node's built-ins.
const REQUIRE_BANNER =
  "import { createRequire as __letheCreateRequire } from 'node:module'; const require = __letheCreateRequire(import.meta.url);";

interface Checked {
  /** Every file the bundle was made from, with its modification time then. */
  readonly inputs: readonly (readonly [string, number])[];
  readonly graph?: Graph;
  readonly error?: GraphModuleError;
}

// One check per module and export in a process (an app may build several stacks from one
// graph), redone when any file the bundle was made from has changed.
const checked = new Map<string, Checked>();

function modifiedAt(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

function describeBuildMessage(message: Message): string {
  const where = message.location
    ? `${message.location.file}:${message.location.line}:${message.location.column + 1}: `
    : '';
  return `cannot be bundled: ${where}${message.text}`;
}

function isValidationError(error: unknown): error is Error & { problems: readonly string[] } {
  // The bundle carries its own copy of lethe's errors: recognise the class by name and shape.
  return (
    error instanceof Error &&
    error.name === 'GraphValidationError' &&
    Array.isArray((error as { problems?: unknown }).problems)
  );
}

function evaluate(source: string): Record<string, unknown> {
  const digest = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const directory = path.join(tmpdir(), 'lethe-graph-check');
  const file = path.join(directory, `${digest}.mjs`);
  // Named by content: a module Node has evaluated under this name has this very source.
  mkdirSync(directory, { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, source);
  renameSync(temporary, file);
  return requireHere(file) as Record<string, unknown>;
}

function check(modulePath: string, exportName: string): Checked {
  const base = process.cwd();
  let bundle: ReturnType<typeof buildSync>;
  try {
    bundle = buildSync({
      entryPoints: [modulePath],
      absWorkingDir: base,
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      mainFields: ['module', 'main'],
      banner: { js: REQUIRE_BANNER },
      logLevel: 'silent',
    });
  } catch (error) {
    const errors = (error as { errors?: Message[] }).errors;
    const problems = Array.isArray(errors)
      ? errors.map(describeBuildMessage)
      : [`cannot be bundled: ${error instanceof Error ? error.message : String(error)}`];
    return {
      inputs: [[modulePath, modifiedAt(modulePath)]],
      error: new GraphModuleError(modulePath, problems, { cause: error }),
    };
  }
  const inputs = Object.keys(bundle.metafile?.inputs ?? {}).map((input) => {
    const file = path.resolve(base, input);
    return [file, modifiedAt(file)] as const;
  });
  const output = bundle.outputFiles?.[0]?.text ?? '';

  let exports: Record<string, unknown>;
  try {
    exports = evaluate(output);
  } catch (error) {
    const problems = isValidationError(error)
      ? error.problems.map((problem) => `invalid graph: ${problem}`)
      : (error as { code?: unknown }).code === 'ERR_REQUIRE_ASYNC_MODULE'
        ? [
            'cannot be loaded at synth: it (or a module it imports) uses top-level await; lethe evaluates the graph module synchronously while the construct is built',
          ]
        : [
            `cannot be loaded: ${error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)}`,
          ];
    return { inputs, error: new GraphModuleError(modulePath, problems, { cause: error }) };
  }

  let graph: Graph;
  try {
    graph = graphFromExports(modulePath, exports, exportName);
    // A graph-shaped object not made by this lethe's defineGraph is validated here.
    defineGraph(graph.definition);
  } catch (error) {
    if (error instanceof GraphModuleError) return { inputs, error };
    if (isValidationError(error)) {
      const problems = error.problems.map((problem) => `invalid graph: ${problem}`);
      return { inputs, error: new GraphModuleError(modulePath, problems, { cause: error }) };
    }
    throw error;
  }
  return { inputs, graph };
}

/**
 * The graph `modulePath` (absolute) exports as `exportName` (default `graph`), loaded
 * synchronously: the module is bundled with esbuild as the functions' bundling would bundle
 * it and evaluated in this process. Checked once per module and export per process, again
 * when a file it is made of changes. Needs Node ≥ 22.12 (synchronous `require` of ESM).
 *
 * @throws GraphModuleError listing every problem: the module cannot be bundled (each esbuild
 *   error with its file and line), fails while it loads (a graph failing validation lists
 *   every validation problem), does not export `exportName`, or exports something that is
 *   not a valid graph.
 */
export function loadGraphModuleSync(modulePath: string, exportName = 'graph'): Graph {
  const key = `${modulePath}\0${exportName}`;
  let result = checked.get(key);
  if (result === undefined || result.inputs.some(([file, at]) => modifiedAt(file) !== at)) {
    result = check(modulePath, exportName);
    checked.set(key, result);
  }
  if (result.error) throw result.error;
  if (result.graph === undefined) throw new GraphModuleError(modulePath, ['exports no graph']);
  return result.graph;
}
