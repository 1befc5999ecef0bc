// The independent check of a restore of the example data set: every row the seed wrote for
// the target tenant is read back by its key, straight from its table, and must equal the
// seeded item attribute for attribute (set-null rows point at their project again). Objects
// of unversioned buckets cannot come back; the check says how many, it does not fail on them.
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

/** Checks that every seeded row of the target tenant is back, equal to what was seeded. */
export async function verifyExampleRestore(
  graph: Graph,
  ports: VerifyPorts,
  dataset: SeededDataset,
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
  const unversioned = Object.entries(dataset.target.objects)
    .filter(
      ([bucket]) => !Object.values(graph.buckets).some((b) => b.name === bucket && b.versioned),
    )
    .reduce((n, [, keys]) => n + keys.length, 0);
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
      name: 'objects of unversioned buckets are reported as not restorable',
      ok: true,
      detail: `${unversioned} seeded objects live in unversioned buckets: gone for good`,
    },
  ];
  return { ok: checks.every((c) => c.ok), checks };
}
