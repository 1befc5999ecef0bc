// How many rows one `rows` unit takes. A page of leaf rows is deleted in place, so it can
// be large (default 500); a page of children that cascade, or that own prefixes, spawns a
// unit per row, and all of them must fit in the one transaction that settles the page.
// Rows that locate no objects (no object groups) take `rowPagesPerUnit` pages in one unit,
// read with one Query: their intent holds only row keys, so a unit's bookkeeping (the unit
// and hold reads, the pin and the settle, the queue round trip) is paid once per that many
// pages. Rows that locate objects keep one page: their intent holds every object key too.
import type { Entity } from '../graph/graph-types.js';

/**
 * Actions a unit's settle may carry beside its bookkeeping: the units it spawns and, for a
 * page erased in its settle, its row Deletes, restore log and intent check. TransactWriteItems
 * takes 100 actions; the bookkeeping (the unit, the job, its scopes, a finalize planned, the
 * intent cleared, the receipt leaves) takes the other 20 at most.
 */
export const MAX_SPAWNS_PER_UNIT = 80;

export function pageLimit(child: Entity, pageSize: number, rowPagesPerUnit = 1): number {
  if (child.cascades) return Math.min(pageSize, MAX_SPAWNS_PER_UNIT - 1);
  if (child.objects.length === 0) return pageSize * rowPagesPerUnit;
  const prefixGroups = child.objects.filter((group) => group.kind === 'prefix').length;
  if (prefixGroups === 0) return pageSize;
  return Math.max(1, Math.min(pageSize, Math.floor((MAX_SPAWNS_PER_UNIT - 1) / prefixGroups)));
}
