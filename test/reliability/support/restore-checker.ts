// The independent check of a restore (issue 17 §3): after `lethe restore` ran — under faults,
// crashing and run again — it reads the emulators directly with clients of its own, as the
// deletion's checker does, and compares with the seeded truth. Every row the job deleted or
// nulled is back, equal to the seeded item (set-null rows point at their parent again);
// nothing the job did not delete was touched; objects of unversioned buckets stay gone; the
// restore is counted once and finished once; and a second restore changes nothing.
import { isDeepStrictEqual } from 'node:util';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { AwsClients } from '../../../lib/adapters/aws-clients.js';
import type { RestoreReport } from '../../../lib/engine/restore-deletion.js';
import type { Graph } from '../../../lib/graph/graph-types.js';
import type { LetheEvent } from '../../../lib/ports/event-bus.js';
import type { Settings } from '../../../lib/settings.js';
import type { SeededDataset } from '../../../local/example-dataset.js';
import {
  type Check,
  canonicalJson,
  expectedObjects,
  type HandlerFailure,
  headKeys,
  listBucket,
  queryPartition,
  type Reality,
  scanTable,
} from './independent-checker.js';

type Row = Record<string, unknown>;

/** Everything a restore could change, read from outside: tables, buckets, the job's state. */
export interface DataSnapshot {
  readonly tables: Readonly<Record<string, readonly Row[]>>;
  readonly buckets: Readonly<Record<string, readonly string[]>>;
  /** The job's partition (job, restore record, outbox) and its restore log, in key order. */
  readonly state: readonly Row[];
}

export interface RestoreCheckInput {
  readonly clients: AwsClients;
  readonly graph: Graph;
  readonly settings: Settings;
  readonly dataset: SeededDataset;
  readonly jobId: string;
  /** What the deletion's checker found gone and nulled: what must come back. */
  readonly deleted: Reality;
  readonly events: readonly LetheEvent[];
  /** The errors the restore's runs saw (each run that crashed or failed, then ran again). */
  readonly failures: readonly HandlerFailure[];
  /** The restore's report once it finished, and the report of running it once more. */
  readonly first: RestoreReport | undefined;
  readonly second: RestoreReport | undefined;
  /** The data before and after that second run. */
  readonly before: DataSnapshot;
  readonly after: DataSnapshot;
}

export interface RestoreCheckReport {
  readonly ok: boolean;
  readonly checks: readonly Check[];
}

const sample = (items: readonly string[]) =>
  items.length === 0 ? '' : `, e.g. ${items.slice(0, 3).join(', ')}`;

const keyOf = (row: Row, keys: readonly string[]) => JSON.stringify(keys.map((k) => row[k]));

/** Reads every table and bucket of the graph, and the job's state, in a stable order. */
export async function snapshotData(
  clients: AwsClients,
  graph: Graph,
  settings: Settings,
  jobId: string,
): Promise<DataSnapshot> {
  const tables: Record<string, Row[]> = {};
  for (const table of Object.values(graph.tables)) {
    const keys = [table.partitionKey, ...(table.sortKey ? [table.sortKey] : [])];
    tables[table.name] = (await scanTable(clients, table.name)).sort((a, b) =>
      keyOf(a, keys) < keyOf(b, keys) ? -1 : 1,
    );
  }
  const buckets: Record<string, string[]> = {};
  for (const bucket of Object.values(graph.buckets))
    buckets[bucket.name] = (await listBucket(clients, bucket.name)).sort();
  const state = [
    ...(await queryPartition(clients, settings.stateTableName, `JOB#${jobId}`)),
    ...(await queryPartition(clients, settings.stateTableName, `RESTORE#${jobId}`)),
  ].sort((a, b) => (`${a.pk}|${a.sk}` < `${b.pk}|${b.sk}` ? -1 : 1));
  return { tables, buckets, state };
}

/** Whether rows of this table are logged, so that a restore brings them back. */
function restorable(graph: Graph, settings: Settings, tableName: string): boolean {
  const entity = Object.values(graph.entities).find((e) => e.tableName === tableName);
  return (entity?.restoreWindowDays ?? settings.restoreWindowDays) > 0;
}

export async function checkRestore(input: RestoreCheckInput): Promise<RestoreCheckReport> {
  const { clients, graph, settings, dataset, jobId } = input;
  const checks: Check[] = [];
  const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });

  // Rows: the target's as seeded (where logged), the other tenant's as seeded, nothing else.
  const notBack: string[] = [];
  const touched: string[] = [];
  const extra: string[] = [];
  let rowsBack = 0;
  for (const table of Object.values(graph.tables)) {
    const keys = [table.partitionKey, ...(table.sortKey ? [table.sortKey] : [])];
    const found = new Map((await scanTable(clients, table.name)).map((r) => [keyOf(r, keys), r]));
    const logged = restorable(graph, settings, table.name);
    const compare = (rows: readonly Row[], wrong: string[]) => {
      for (const row of rows) {
        const key = keyOf(row, keys);
        const actual = found.get(key);
        found.delete(key);
        if (!actual) wrong.push(`${table.name} ${key} missing`);
        else if (!isDeepStrictEqual(actual, row)) wrong.push(`${table.name} ${key} differs`);
        else if (wrong === notBack) rowsBack++;
      }
    };
    if (logged) compare(dataset.target.rows[table.name] ?? [], notBack);
    compare(dataset.decoy.rows[table.name] ?? [], touched);
    for (const key of found.keys()) {
      const target = (dataset.target.rows[table.name] ?? []).some((r) => keyOf(r, keys) === key);
      if (!target) extra.push(`${table.name} ${key}`);
    }
  }
  check(
    'every restorable row is back, equal to the seeded item (set-null rows point at their parent again)',
    notBack.length === 0,
    `${rowsBack} back and equal, ${notBack.length} not${sample(notBack)}`,
  );

  // Objects: unversioned buckets cannot bring theirs back; what the deletion kept stays.
  const kept = expectedObjects(graph, dataset);
  const lost: string[] = [];
  const reappeared: string[] = [];
  for (const bucket of Object.values(graph.buckets)) {
    const expected = new Set(kept.get(bucket.name) ?? []);
    if (bucket.versioned)
      for (const key of dataset.target.objects[bucket.name] ?? []) expected.add(key);
    const listed = await listBucket(clients, bucket.name);
    const headed = await headKeys(clients, bucket.name, expected);
    for (const key of expected) if (!headed.has(key)) lost.push(`${bucket.name}/${key}`);
    for (const key of listed) if (!expected.has(key)) reappeared.push(`${bucket.name}/${key}`);
  }
  check(
    'nothing the job did not delete was touched (other rows, objects, decoys), nothing appeared',
    touched.length === 0 && extra.length === 0 && lost.length === 0 && reappeared.length === 0,
    `${touched.length} other rows changed, ${extra.length} rows nobody seeded, ${lost.length} kept objects missing, ${reappeared.length} objects that should be gone${sample([...touched, ...extra, ...lost, ...reappeared])}`,
  );

  // Counted once: the restore record against what the deletion's checker found gone.
  const state = await queryPartition(clients, settings.stateTableName, `JOB#${jobId}`);
  const record = state.find((item) => item.sk === 'RESTORE');
  const expectedBack = input.deleted.rowsGone + input.deleted.rowsNulled;
  const totals = input.first?.totals;
  check(
    "the restore's counts equal reality (each row counted once)",
    Number(record?.restored ?? -1) === expectedBack &&
      Number(record?.conflicts ?? 0) === 0 &&
      Number(record?.skipped ?? 0) === 0 &&
      totals !== undefined &&
      totals.rowsRestored + totals.pointersRestored === expectedBack,
    `record: ${String(record?.restored)} restored, ${String(record?.conflicts)} conflicts, ${String(record?.skipped)} skipped; report: ${totals ? `${totals.rowsRestored} rows + ${totals.pointersRestored} pointers` : 'none'}; deleted ${input.deleted.rowsGone} + nulled ${input.deleted.rowsNulled}`,
  );

  // Finished once: the record restored, its event out, the outbox empty.
  const restored = input.events.filter(
    (e) => e.detailType === 'DeletionRestored' && e.detail.jobId === jobId,
  );
  const distinct = new Set(restored.map((e) => canonicalJson(e.detail)));
  const outbox = state.filter((item) => item.sk === 'EVENT#DeletionRestored');
  const job = state.find((item) => item.sk === 'JOB');
  check(
    'the restore finished exactly once',
    record?.status === 'restored' &&
      job?.restoredAt === record.restoredAt &&
      restored.length >= 1 &&
      distinct.size === 1 &&
      outbox.length === 0,
    `record ${String(record?.status)}, job restoredAt ${String(job?.restoredAt)}, ${restored.length} DeletionRestored event(s) with ${distinct.size} distinct detail, ${outbox.length} left in the outbox`,
  );

  // The job's tombstones are lifted: writers' checks accept its ids again.
  const standing = await scanTombstones(clients, settings, jobId);
  check(
    "the job's tombstones are lifted",
    standing.length === 0,
    `${standing.length} standing${sample(standing)}`,
  );

  // Twice: the second run writes nothing and reports what the first did.
  const changed = [
    ...Object.keys(input.before.tables).filter(
      (t) => !isDeepStrictEqual(input.before.tables[t], input.after.tables[t]),
    ),
    ...Object.keys(input.before.buckets).filter(
      (b) => !isDeepStrictEqual(input.before.buckets[b], input.after.buckets[b]),
    ),
    ...(isDeepStrictEqual(input.before.state, input.after.state) ? [] : ['the job state']),
  ];
  check(
    'a second restore of the same job changes nothing',
    changed.length === 0 &&
      input.second !== undefined &&
      isDeepStrictEqual(input.second.totals, input.first?.totals),
    `${changed.length} tables, buckets or state changed${sample(changed)}; second report ${input.second ? JSON.stringify(input.second.totals) : 'none'}`,
  );

  const unexplained = input.failures.filter((f) => f.explained === undefined);
  check(
    "every error the restore's runs saw is an injected fault",
    unexplained.length === 0,
    `${input.failures.length} errors, ${unexplained.length} unexplained${sample(unexplained.map((f) => f.message.slice(0, 160)))}`,
  );
  return { ok: checks.every((c) => c.ok), checks };
}

/** Tombstone lookups still naming the job, read straight from the state table. */
async function scanTombstones(
  clients: AwsClients,
  settings: Settings,
  jobId: string,
): Promise<string[]> {
  const standing: string[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await clients.documents.send(
      new ScanCommand({
        TableName: settings.stateTableName,
        FilterExpression: 'sk = :sk AND jobId = :job',
        ExpressionAttributeValues: { ':sk': 'TOMBSTONE', ':job': jobId },
        ExclusiveStartKey: startKey,
        ConsistentRead: true,
      }),
    );
    for (const item of page.Items ?? []) standing.push(String(item.pk));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return standing;
}
