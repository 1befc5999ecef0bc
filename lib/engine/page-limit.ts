// How many rows one `rows` unit takes. A page of leaf rows is deleted in place, so it can
// be large (default 500); a page of children that cascade, or that own prefixes, spawns a
// unit per row, and all of them must fit in the one transaction that settles the page.
import type { Entity } from '../graph/graph-types.js';

export const MAX_SPAWNS_PER_UNIT = 80;

export function pageLimit(child: Entity, pageSize: number): number {
  if (child.cascades) return Math.min(pageSize, MAX_SPAWNS_PER_UNIT - 1);
  const prefixGroups = child.objects.filter((group) => group.kind === 'prefix').length;
  if (prefixGroups === 0) return pageSize;
  return Math.max(1, Math.min(pageSize, Math.floor((MAX_SPAWNS_PER_UNIT - 1) / prefixGroups)));
}
