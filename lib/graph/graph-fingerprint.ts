// A short digest of everything a graph declares, so a deployment can prove that the graph
// bundled into its functions is the graph its permissions were computed from. Guard
// predicates are code: they count as present or absent, not by their source.
import { createHash } from 'node:crypto';
import type { Graph } from './graph-types.js';

function canonical(value: unknown): unknown {
  if (typeof value === 'function') return '[predicate]';
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** 16 hex characters of SHA-256 over the graph's declaration, independent of key order. */
export function graphFingerprint(graph: Graph): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(graph.definition)))
    .digest('hex')
    .slice(0, 16);
}

/**
 * Where two graphs' declarations differ, as `tables.<key>`, `buckets.<key>` and
 * `entities.<key>` paths (sorted); empty when their fingerprints agree.
 */
export function graphDifferences(a: Graph, b: Graph): string[] {
  const sections = ['tables', 'buckets', 'entities'] as const;
  const differences: string[] = [];
  for (const section of sections) {
    const left: Record<string, unknown> = a.definition[section] ?? {};
    const right: Record<string, unknown> = b.definition[section] ?? {};
    for (const key of [...new Set([...Object.keys(left), ...Object.keys(right)])].sort()) {
      const same = JSON.stringify(canonical(left[key])) === JSON.stringify(canonical(right[key]));
      if (!same) differences.push(`${section}.${key}`);
    }
  }
  return differences;
}
