// A graph arrives as a module the user wrote (`--graph ./graph.ts`, `graphModule` of the
// construct). Whatever is wrong with it — missing, not exporting the graph, exporting
// something else, failing validation — is reported once, naming the module and every problem.
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GraphValidationError, LetheError } from '../errors.js';
import type { Graph } from './graph-types.js';

/**
 * A graph module lethe cannot use. `module` is the path as given, `problems` every problem
 * found (with a graph that fails validation, each validation problem). Code `GRAPH_MODULE`.
 */
export class GraphModuleError extends LetheError {
  readonly module: string;
  readonly problems: readonly string[];

  constructor(module: string, problems: readonly string[], options: { cause?: unknown } = {}) {
    super(
      'GRAPH_MODULE',
      `graph module ${module}: ${problems.length === 1 ? problems[0] : problems.map((p) => `\n  - ${p}`).join('')}`,
      options,
    );
    this.name = 'GraphModuleError';
    this.module = module;
    this.problems = problems;
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'function') return 'a function';
  return typeof value === 'object' ? 'an object that is not a graph' : `a ${typeof value}`;
}

/** Whether `value` has the shape `defineGraph` returns. */
export function isGraph(value: unknown): value is Graph {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Record<keyof Graph, unknown>>;
  const isRecord = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  return (
    isRecord(candidate.definition) &&
    isRecord(candidate.tables) &&
    isRecord(candidate.buckets) &&
    isRecord(candidate.entities) &&
    Array.isArray(candidate.relations)
  );
}

/**
 * The graph a loaded module exports as `exportName`.
 *
 * @throws GraphModuleError when the export is missing (naming the exports there are) or is
 *   not a graph made by `defineGraph`.
 */
export function graphFromExports(
  module: string,
  exports: Readonly<Record<string, unknown>>,
  exportName = 'graph',
): Graph {
  if (!Object.hasOwn(exports, exportName)) {
    const names = Object.keys(exports).filter((name) => name !== '__esModule');
    throw new GraphModuleError(module, [
      `does not export \`${exportName}\` (it exports ${names.length === 0 ? 'nothing' : names.map((n) => `\`${n}\``).join(', ')})`,
    ]);
  }
  const value = exports[exportName];
  if (!isGraph(value)) {
    throw new GraphModuleError(module, [
      `exports \`${exportName}\` as ${describeValue(value)}; export the result of defineGraph(...)`,
    ]);
  }
  return value;
}

/**
 * Imports the module at `modulePath` (relative to `cwd`, default the working directory) and
 * returns its graph. TypeScript modules load as the running Node loads them (type stripping
 * on Node ≥ 22.18, or a loader such as tsx).
 *
 * @throws GraphModuleError when the file is missing, its import fails (a graph failing
 *   validation lists every problem), or it does not export a graph as `exportName`.
 */
export async function loadGraphModule(
  modulePath: string,
  options: { readonly exportName?: string; readonly cwd?: string } = {},
): Promise<Graph> {
  const absolute = isAbsolute(modulePath)
    ? modulePath
    : resolve(options.cwd ?? process.cwd(), modulePath);
  if (!existsSync(absolute)) throw new GraphModuleError(modulePath, ['not found']);
  let exports: Record<string, unknown>;
  try {
    exports = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof GraphValidationError) {
      throw new GraphModuleError(
        modulePath,
        error.problems.map((problem) => `invalid graph: ${problem}`),
        { cause: error },
      );
    }
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new GraphModuleError(modulePath, [`cannot be loaded: ${message}`], { cause: error });
  }
  return graphFromExports(modulePath, exports, options.exportName);
}
