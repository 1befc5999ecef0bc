// The independent check of a restore of the example data set: every row the seed wrote for
// the target tenant is read back by its key, straight from its table, and must equal the
// seeded item attribute for attribute (set-null rows point at their project again). Objects
// the restore cannot bring back (unversioned buckets; on fauxqs, which keeps no versions, every
// bucket) must be exactly those its report calls not restorable: the tenant's seeded objects
// still missing afterwards, looked up from outside.
import type { RestoreReport } from '../lib/engine/restore-deletion.js';
import type { Graph } from '../lib/graph/graph-types.js';
import { encodeValue } from '../lib/model/restore-log.js';
import type { Item, Key } from '../lib/ports/document-store.js';
import { mapConcurrent } from '../lib/retry.js';
import type { SeededDataset } from './example-dataset.js';
import type { Verification, VerifyPorts } from './verify-example.js';

function keyOf(graph: Graph, tableName: string, item: Item): Key {
  const table = Object.values(graph.tables).find((t) => t.name === tableName);
  if (!table) throw new Error(`the graph declares no table named ${tableName}`);
  const key: Key = {};
  for (const name of [table.partitionKey, table.sortKey]) {
    if (name === undefined) continue;
    const value = item[name];
    if (typeof value === 'string' || typeof value === 'number') key[name] = value;
  }
  return key;
}

/**
 * Checks that every seeded row of the target tenant is back, equal to what was seeded, and
 * that `report` calls exactly as many objects not restorable as are still missing.
 */
export async function verifyExampleRestore(
  graph: Graph,
  ports: VerifyPorts,
  dataset: SeededDataset,
  report: Pick<RestoreReport, 'notRestorable'>,
): Promise<Verification> {
  const wrong: string[] = [];
  let rows = 0;
  for (const [table, items] of Object.entries(dataset.target.rows)) {
    rows += items.length;
    const found = await mapConcurrent(items, 16, (item) =>
      ports.docs.get(table, keyOf(graph, table, item), true),
    );
    items.forEach((item, i) => {
      const now = found[i];
      if (!now) wrong.push(`${table}: missing ${encodeValue(keyOf(graph, table, item))}`);
      else if (encodeValue(now) !== encodeValue(item))
        wrong.push(`${table}: differs ${encodeValue(keyOf(graph, table, item))}`);
    });
  }
  // What did not come back, seen from outside: every seeded object of the tenant, looked up.
  // The tenant's own objects, and the shared images its deletion released for good.
  const byBucket = new Map<string, Set<string>>();
  const add = (bucket: string, keys: readonly string[]) =>
    byBucket.set(bucket, new Set([...(byBucket.get(bucket) ?? []), ...keys]));
  for (const [bucket, keys] of Object.entries(dataset.target.objects)) add(bucket, keys);
  const images = graph.buckets.images?.name;
  if (images !== undefined) add(images, dataset.expected.imagesDeleted);
  const seeded = [...byBucket].map(([bucket, keys]): [string, string[]] => [bucket, [...keys]]);
  const present = await Promise.all(
    seeded.map(([bucket, keys]) => ports.objects.existing(bucket, keys)),
  );
  const missing = seeded.reduce((n, [, keys], i) => n + keys.length - (present[i]?.size ?? 0), 0);
  const notRestorable = report.notRestorable.reduce((n, r) => n + r.objects, 0);
  const checks = [
    {
      name: 'every deleted row is back, equal to the seeded item',
      ok: wrong.length === 0,
      detail:
        wrong.length === 0
          ? `${rows} rows read back by key, all equal (set-null rows point at their project again)`
          : `${wrong.length} of ${rows} rows wrong, e.g. ${wrong.slice(0, 3).join('; ')}`,
    },
    {
      name: 'objects that did not come back are the ones reported as not restorable',
      ok: notRestorable === missing,
      detail: `${notRestorable} reported not restorable; ${missing} of the tenant's seeded objects are still gone (fauxqs keeps no versions, so a versioned bucket's objects are gone too)`,
    },
  ];
  return { ok: checks.every((c) => c.ok), checks };
}
