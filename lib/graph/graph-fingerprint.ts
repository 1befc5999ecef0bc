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
