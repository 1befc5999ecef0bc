// The independent checker: after a run, it reads the emulators directly — every table of the
// graph scanned, every bucket listed (URL-encoded, so every key comes back exactly) and every
// seeded key looked up with HeadObject, the queues counted — with clients of its own (no fault
// middleware, none of lethe's ports) and compares what it finds with the seeded truth. Only
// the job's own counters are read from lethe's state table, to be compared with reality, and
// the receipt leaves each job stored, to be compared with hashes of what is gone (issue 18).

import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { AwsClients } from '../../../lib/adapters/aws-clients.js';
import type { Graph } from '../../../lib/graph/graph-types.js';
import type { LetheEvent } from '../../../lib/ports/event-bus.js';
import type { Settings } from '../../../lib/settings.js';
import type { SeededDataset } from '../../../local/example-dataset.js';

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** An error a handler saw, and what explains it (an injected fault kind), if anything. */
export interface HandlerFailure {
  readonly where: 'worker' | 'sweeper' | 'ingest' | 'restore';
  readonly process: string;
  readonly body?: string | undefined;
  readonly message: string;
  readonly explained: string | undefined;
}

/** A delivery whose visibility timeout ran out while its batch was handled: a receive without a failure. */
export interface Overrun {
  readonly body: string;
  readonly seconds: number;
}

export interface DeadLetter {
  readonly body: string;
  readonly receiveCount: number;
  /** Why it is there; undefined when nothing explains it. */
  readonly reason: string | undefined;
  /** When nothing explains it: what was missing. */
  readonly unexplainedBecause?: string;
}

export interface CheckInput {
  readonly clients: AwsClients;
  readonly graph: Graph;
  readonly settings: Settings;
  readonly dataset: SeededDataset;
  readonly jobId: string;
  readonly workQueueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly events: readonly LetheEvent[];
  /** Completion writes DynamoDB accepted for the job, seen on the wire. */
  readonly completionWrites: number;
  /**
   * Jobs that ran over the same data beside this one (e.g. a project deleted, then its
   * organization): each must complete exactly once, deleted, with nothing left unsettled, and
   * the counters of all of them together must equal what is gone — every item counted once.
   */
  readonly overlapping?: readonly { jobId: string; completionWrites: number }[];
  readonly failures: readonly HandlerFailure[];
  /** Deliveries that outlasted their visibility timeout (each one is a receive SQS counted). */
  readonly overruns?: readonly Overrun[];
  /** Explains a dead letter that is bad input on purpose; undefined for anything else. */
  readonly badInput?: (body: string) => string | undefined;
}

export interface Reality {
  readonly rowsGone: number;
  readonly rowsNulled: number;
  readonly objectsGone: number;
}

export interface CheckReport {
  readonly ok: boolean;
  readonly checks: readonly Check[];
  readonly reality: Reality;
  readonly counters: Record<string, number>;
  /** Units the job planned (all settled when it completed). */
  readonly units: number;
  readonly deadLetters: readonly DeadLetter[];
  readonly completedEvents: number;
}

type Row = Record<string, unknown>;

const sample = (items: readonly string[]) =>
  items.length === 0 ? '' : `, e.g. ${items.slice(0, 3).join(', ')}`;

function keyOf(row: Row, keys: readonly string[]): string {
  return JSON.stringify(keys.map((k) => row[k]));
}

export async function scanTable(clients: AwsClients, table: string): Promise<Row[]> {
  const rows: Row[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await clients.documents.send(
      new ScanCommand({ TableName: table, ExclusiveStartKey: startKey, ConsistentRead: true }),
    );
    rows.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return rows;
}

export async function listBucket(clients: AwsClients, bucket: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await clients.s3.send(
      new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token, EncodingType: 'url' }),
    );
    // Form-style, as S3 encodes: "+" is a space, "%2B" a "+".
    const decode = (key: string) =>
      page.EncodingType === 'url' ? decodeURIComponent(key.replaceAll('+', ' ')) : key;
    for (const object of page.Contents ?? [])
      if (object.Key !== undefined) keys.push(decode(object.Key));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** The keys HeadObject finds, each asked on its exact key (the key travels in the URL). */
export async function headKeys(
  clients: AwsClients,
  bucket: string,
  keys: Iterable<string>,
): Promise<Set<string>> {
  const pending = [...keys];
  const found = new Set<string>();
  const worker = async () => {
    for (let key = pending.pop(); key !== undefined; key = pending.pop()) {
      try {
        await clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        found.add(key);
      } catch (error) {
        if (!(error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404))
          throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return found;
}

/**
 * The work queue's depth, asked of SQS directly. This repeats `depth` of `createSqsQueueConsumer` on
 * purpose: the checker must not read through lethe's own adapters, or a bug there would hide
 * itself from the check that should catch it.
 */
export async function queueDepth(clients: AwsClients, queueUrl: string) {
  const { Attributes = {} } = await clients.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

/** Every message in the DLQ, read without deleting (they stay invisible for a while). */
export async function readDeadLetters(clients: AwsClients, queueUrl: string) {
  const letters = new Map<string, { body: string; receiveCount: number }>();
  for (let empty = 0; empty < 2; ) {
    const { Messages = [] } = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 300,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    if (Messages.length === 0) empty++;
    for (const m of Messages) {
      if (m.MessageId === undefined) continue;
      letters.set(m.MessageId, {
        body: m.Body ?? '',
        receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 0),
      });
    }
  }
  return [...letters.values()];
}

/** The rows that must remain, by table: the other tenant's as seeded, set-null rows without their pointer. */
function expectedRows(graph: Graph, dataset: SeededDataset): Map<string, Map<string, Row>> {
  const expected = new Map<string, Map<string, Row>>();
  const nulled = new Map<string, string[]>();
  for (const entity of Object.values(graph.entities)) {
    const attributes = entity.parents
      .filter((p) => p.onDelete === 'set-null')
      .map((p) => p.attribute);
    if (attributes.length > 0) nulled.set(entity.tableName, attributes);
  }
  for (const table of Object.values(graph.tables)) {
    const keys = [table.partitionKey, ...(table.sortKey ? [table.sortKey] : [])];
    const rows = new Map<string, Row>();
    for (const row of dataset.decoy.rows[table.name] ?? []) rows.set(keyOf(row, keys), row);
    const pointers = nulled.get(table.name);
    if (pointers) {
      for (const row of dataset.target.rows[table.name] ?? []) {
        const kept = Object.fromEntries(Object.entries(row).filter(([a]) => !pointers.includes(a)));
        rows.set(keyOf(row, keys), kept);
      }
    }
    expected.set(table.name, rows);
  }
  return expected;
}

function seededObjects(graph: Graph, dataset: SeededDataset): Map<string, Set<string>> {
  const all = new Map<string, Set<string>>();
  const add = (bucket: string, keys: readonly string[]) => {
    const set = all.get(bucket) ?? new Set<string>();
    for (const key of keys) set.add(key);
    all.set(bucket, set);
  };
  for (const source of [dataset.target.objects, dataset.decoy.objects, dataset.strayDecoys])
    for (const [bucket, keys] of Object.entries(source)) add(bucket, keys);
  add(graph.buckets.images?.name ?? 'images', [...dataset.imageOwners.keys()]);
  return all;
}

export function expectedObjects(graph: Graph, dataset: SeededDataset): Map<string, Set<string>> {
  const kept = new Map<string, Set<string>>();
  for (const bucket of Object.values(graph.buckets)) kept.set(bucket.name, new Set());
  for (const source of [dataset.decoy.objects, dataset.strayDecoys])
    for (const [bucket, keys] of Object.entries(source))
      for (const key of keys) kept.get(bucket)?.add(key);
  const images = graph.buckets.images?.name ?? 'images';
  for (const key of dataset.expected.imagesKept) kept.get(images)?.add(key);
  return kept;
}

function counterTotals(job: Row | undefined): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const [attribute, value] of Object.entries(job ?? {})) {
    if (!attribute.startsWith('c|') || typeof value !== 'number') continue;
    const kind = attribute.slice(attribute.lastIndexOf('|') + 1);
    totals[kind] = (totals[kind] ?? 0) + value;
  }
  return totals;
}

export async function checkDeletion(input: CheckInput): Promise<CheckReport> {
  const { clients, graph, dataset, settings } = input;
  const checks: Check[] = [];
  const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });

  // Rows: every table of the graph, read whole.
  const wanted = expectedRows(graph, dataset);
  let rowsGone = 0;
  let rowsNulled = 0;
  /** What is gone, as leaf inputs: [kind, table or bucket, key] (issue 18's leaf rule). */
  const erased: ErasedEntry[] = [];
  const owned: string[] = [];
  const missing: string[] = [];
  const changed: string[] = [];
  for (const table of Object.values(graph.tables)) {
    const keys = [table.partitionKey, ...(table.sortKey ? [table.sortKey] : [])];
    const found = new Map((await scanTable(clients, table.name)).map((r) => [keyOf(r, keys), r]));
    const expected = wanted.get(table.name) ?? new Map<string, Row>();
    for (const [key, row] of expected) {
      const actual = found.get(key);
      if (!actual) missing.push(`${table.name} ${key}`);
      else if (!isDeepStrictEqual(actual, row)) changed.push(`${table.name} ${key}`);
    }
    for (const key of found.keys()) if (!expected.has(key)) owned.push(`${table.name} ${key}`);
    for (const tenant of [dataset.target, dataset.decoy]) {
      for (const row of tenant.rows[table.name] ?? []) {
        const actual = found.get(keyOf(row, keys));
        const key = Object.fromEntries(keys.map((k) => [k, row[k]]));
        if (!actual) {
          rowsGone++;
          erased.push(['row', table.name, key]);
        } else if (Object.keys(row).some((a) => !(a in actual))) {
          rowsNulled++;
          erased.push(['nulled', table.name, key]);
        }
      }
    }
  }
  check('every owned row is gone', owned.length === 0, `${owned.length} left${sample(owned)}`);
  check(
    "every other tenant's row and every set-null row remains, as it should be",
    missing.length === 0 && changed.length === 0,
    `${missing.length} missing, ${changed.length} changed${sample([...missing, ...changed])}`,
  );

  // Objects: every bucket of the graph, listed whole.
  const seeded = seededObjects(graph, dataset);
  const keep = expectedObjects(graph, dataset);
  let objectsGone = 0;
  const leftOwned: string[] = [];
  const lost: string[] = [];
  for (const bucket of Object.values(graph.buckets)) {
    // The listing finds what nobody seeded; HeadObject settles each seeded key exactly.
    const listed = new Set(await listBucket(clients, bucket.name));
    const seededKeys = seeded.get(bucket.name) ?? new Set<string>();
    const headed = await headKeys(clients, bucket.name, seededKeys);
    const present = new Set([...listed].filter((key) => !seededKeys.has(key)));
    for (const key of headed) present.add(key);
    const kept = keep.get(bucket.name) ?? new Set<string>();
    for (const key of present) if (!kept.has(key)) leftOwned.push(`${bucket.name}/${key}`);
    for (const key of kept) if (!present.has(key)) lost.push(`${bucket.name}/${key}`);
    for (const key of seededKeys) {
      if (headed.has(key)) continue;
      objectsGone++;
      erased.push(['object', bucket.name, key]);
    }
  }
  check(
    'every owned object is gone',
    leftOwned.length === 0,
    `${leftOwned.length} left${sample(leftOwned)}`,
  );
  check(
    "every shared-referenced image, other tenant's object and decoy remains",
    lost.length === 0,
    `${lost.length} missing${sample(lost)}`,
  );

  // The jobs' counters against what the checker found: with overlapping jobs, all together.
  const runs = [
    { jobId: input.jobId, completionWrites: input.completionWrites },
    ...(input.overlapping ?? []),
  ];
  const jobs = await Promise.all(runs.map((run) => readJob(clients, settings, run.jobId)));
  const counters: Record<string, number> = {};
  for (const each of jobs)
    for (const [kind, n] of Object.entries(counterTotals(each)))
      counters[kind] = (counters[kind] ?? 0) + n;
  const counted = (kind: string) => counters[kind] ?? 0;
  check(
    runs.length > 1
      ? `counters of the ${runs.length} jobs together equal reality (each item counted once)`
      : 'counters equal reality',
    counted('rowsDeleted') === rowsGone &&
      counted('rowsNulled') === rowsNulled &&
      counted('objectsDeleted') === objectsGone &&
      counted('objectsShared') === dataset.expected.objectsShared,
    `rows deleted ${counted('rowsDeleted')}/${rowsGone}, nulled ${counted('rowsNulled')}/${rowsNulled}, objects deleted ${counted('objectsDeleted')}/${objectsGone}, shared kept ${counted('objectsShared')}/${dataset.expected.objectsShared}`,
  );
  check(
    'reality equals the seeded truth',
    rowsGone === dataset.expected.rowsDeleted &&
      rowsNulled === dataset.expected.rowsNulled &&
      objectsGone === dataset.expected.objectsDeleted,
    `rows ${rowsGone}/${dataset.expected.rowsDeleted}, nulled ${rowsNulled}/${dataset.expected.rowsNulled}, objects ${objectsGone}/${dataset.expected.objectsDeleted}`,
  );
  // Receipts: each item gone is the leaf of exactly one job, and no job has a leaf more.
  const leaves = await Promise.all(runs.map((run) => readLeafSet(clients, settings, run.jobId)));
  const unproven: string[] = [];
  const twice: string[] = [];
  for (const entry of erased) {
    const holders = runs.filter((run, i) => leaves[i]?.has(leafOf(run.jobId, entry))).length;
    if (holders === 0) unproven.push(`${entry[0]} ${entry[1]} ${JSON.stringify(entry[2])}`);
    if (holders > 1) twice.push(`${entry[0]} ${entry[1]} ${JSON.stringify(entry[2])}`);
  }
  const stored = leaves.reduce((sum, set) => sum + set.size, 0);
  check(
    "the jobs' receipt leaves are the hashes of exactly what is gone",
    unproven.length === 0 && twice.length === 0 && stored === erased.length,
    `${erased.length} items gone, ${stored} leaves stored, ${unproven.length} without a leaf, ${twice.length} in two jobs${sample([...unproven, ...twice])}`,
  );
  const failedCounts = ['failed', 'objectsFailed', 'manifestsUnreadable', 'blocked'].filter(
    (kind) => counted(kind) > 0,
  );
  for (const [i, each] of jobs.entries()) {
    const own = counterTotals(each);
    const failedOwn = failedCounts.filter((kind) => (own[kind] ?? 0) > 0);
    check(
      i === 0
        ? 'the job completed, deleted, with nothing failed'
        : `overlapping job ${i} completed, deleted, with nothing failed`,
      each?.status === 'completed' &&
        each.outcome === 'deleted' &&
        each.planned === each.settled &&
        Number(each.failed ?? 0) === 0 &&
        failedOwn.length === 0,
      `status ${String(each?.status)}, outcome ${String(each?.outcome)}, planned ${String(each?.planned)}, settled ${String(each?.settled)}, failed ${String(each?.failed)}${failedOwn.map((k) => `, ${k} ${own[k]}`).join('')}`,
    );
  }

  // Exactly once: one accepted completion write, its event published, the outbox empty.
  const partition: Row[] = [];
  let completedEvents = 0;
  for (const [i, run] of runs.entries()) {
    const completed = input.events.filter(
      (e) => e.detailType === 'DeletionCompleted' && e.detail.jobId === run.jobId,
    );
    if (i === 0) completedEvents = completed.length;
    // The completer publishes the detail it built; a re-publish from the outbox sends the item
    // as DynamoDB returns it, same content with its keys in another order.
    const distinct = new Set(completed.map((e) => canonicalJson(e.detail)));
    const own = await queryPartition(clients, settings.stateTableName, `JOB#${run.jobId}`);
    partition.push(...own);
    const outbox = own.filter((item) => String(item.sk).startsWith('EVENT#'));
    check(
      i === 0 ? 'the job completed exactly once' : `overlapping job ${i} completed exactly once`,
      run.completionWrites === 1 &&
        completed.length >= 1 &&
        distinct.size === 1 &&
        outbox.length === 0,
      `${run.completionWrites} completion write(s) accepted, ${completed.length} DeletionCompleted event(s) with ${distinct.size} distinct detail, ${outbox.length} left in the outbox`,
    );
  }
  const intents = partition.filter((item) => String(item.sk).startsWith('INTENT#'));
  const unsettled = partition.filter(
    (item) => String(item.sk).startsWith('UNIT#') && item.status !== 'done',
  );
  check(
    'no unit is left unsettled and no intent pinned',
    intents.length === 0 && unsettled.length === 0,
    `${unsettled.length} unsettled units, ${intents.length} intents${sample(unsettled.map((u) => `${String(u.unitId)} (${String(u.status)})`))}`,
  );

  // Queues.
  const depth = await queueDepth(clients, input.workQueueUrl);
  check(
    'no message is left in flight',
    depth.visible + depth.inFlight + depth.delayed === 0,
    `${depth.visible} visible, ${depth.inFlight} in flight, ${depth.delayed} delayed`,
  );
  // Unit items only: a waiter (a unit deferred to another job) keeps its unit's body too.
  const units = new Map(
    partition
      .filter((item) => String(item.sk).startsWith('UNIT#'))
      .map((item) => [String(item.body ?? ''), item]),
  );
  const deadLetters = (await readDeadLetters(clients, input.deadLetterQueueUrl)).map(
    (letter): DeadLetter => ({ ...letter, ...explainDeadLetter(letter.body, input, units) }),
  );
  const unexplainedLetters = deadLetters.filter((l) => l.reason === undefined);
  check(
    "the DLQ's contents are explained",
    unexplainedLetters.length === 0,
    `${deadLetters.length} dead letters, ${unexplainedLetters.length} unexplained${sample(unexplainedLetters.map((l) => `${l.body.slice(0, 120)} (${l.unexplainedBecause})`))}`,
  );
  const unexplained = input.failures.filter((f) => f.explained === undefined);
  check(
    'every handler error is an injected fault (or retryable contention)',
    unexplained.length === 0,
    `${input.failures.length} handler errors, ${unexplained.length} unexplained${sample(unexplained.map((f) => `${f.where}: ${f.message.slice(0, 160)}${f.body ? ` (${f.body.slice(0, 160)})` : ''}`))}`,
  );

  return {
    ok: checks.every((c) => c.ok),
    checks,
    reality: { rowsGone, rowsNulled, objectsGone },
    counters,
    units: jobs.reduce((sum, each) => sum + Number(each?.planned ?? 0), 0),
    deadLetters,
    completedEvents,
  };
}

async function readJob(clients: AwsClients, settings: Settings, jobId: string) {
  const read = await clients.documents.send(
    new GetCommand({
      TableName: settings.stateTableName,
      Key: { pk: `JOB#${jobId}`, sk: 'JOB' },
      ConsistentRead: true,
    }),
  );
  return read.Item;
}

/** JSON with object keys sorted at every depth: equal text for equal content. */
export function canonicalJson(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(
      Object.entries(v)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, inner]) => [k, sorted(inner)]),
    );
  };
  return JSON.stringify(sorted(value));
}

/**
 * Why a letter is in the DLQ. Each of its receives must be accounted for — a handler failure
 * traced to an injected fault, or a delivery that outlasted its visibility timeout — and its
 * unit must have settled since (the sweeper re-sends what the DLQ took).
 */
function explainDeadLetter(
  body: string,
  input: CheckInput,
  units: Map<string, Row>,
): Pick<DeadLetter, 'reason' | 'unexplainedBecause'> {
  const bad = input.badInput?.(body);
  if (bad) return { reason: `bad input: ${bad}` };
  const failures = input.failures.filter((f) => f.body === body);
  const overran = (input.overruns ?? []).filter((o) => o.body === body);
  const unexplained = (because: string) => ({ reason: undefined, unexplainedBecause: because });
  if (failures.some((f) => f.explained === undefined))
    return unexplained('a handler error no injected fault explains');
  if (failures.length + overran.length === 0)
    return unexplained('no handler error and no overrun recorded for it');
  const unit = units.get(body);
  if (unit?.status !== 'done')
    return unexplained(unit ? `its unit is ${String(unit.status)}` : 'no unit has this body');
  const causes: string[] = [];
  if (failures.length > 0) {
    const kinds = [...new Set(failures.map((f) => f.explained))].join(', ');
    causes.push(`failed ${failures.length} time(s) on injected faults (${kinds})`);
  }
  if (overran.length > 0) {
    const longest = Math.max(...overran.map((o) => o.seconds)).toFixed(0);
    causes.push(
      `outlasted its visibility timeout ${overran.length} time(s) (longest ${longest} s)`,
    );
  }
  return { reason: `${causes.join(' and ')}; unit settled since` };
}

export async function queryPartition(
  clients: AwsClients,
  table: string,
  pk: string,
): Promise<Row[]> {
  const items: Row[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await clients.documents.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ExclusiveStartKey: startKey,
        ConsistentRead: true,
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

type ErasedEntry = [kind: 'row' | 'nulled' | 'object', container: string, key: unknown];

/**
 * A receipt leaf, written from the documented rule (docs/operations.md) rather than imported:
 * SHA-256(0x00 ‖ JSON ["lethe-leaf/1", jobId, kind, container, key]), a row key as
 * [name, "S" | "N", value] sorted by name.
 */
function leafOf(jobId: string, [kind, container, key]: ErasedEntry): string {
  const encoded =
    typeof key === 'string'
      ? key
      : Object.keys(key as Row)
          .sort()
          .map((name) => {
            const value = (key as Row)[name];
            return typeof value === 'number' ? [name, 'N', String(value)] : [name, 'S', value];
          });
  return createHash('sha256')
    .update(Buffer.from([0]))
    .update(JSON.stringify(['lethe-leaf/1', jobId, kind, container, encoded]))
    .digest('hex');
}

/**
 * Every leaf a job's units stored (hex), read straight from the state table, and from the
 * leaves bucket for a part that points at an object there (its bytes must hash to the digest
 * the part records, else the part counts as no leaves: the check then finds items unproven).
 */
async function readLeafSet(clients: AwsClients, settings: Settings, jobId: string) {
  const items = await queryPartition(clients, settings.stateTableName, `RECEIPT#${jobId}`);
  const set = new Set<string>();
  for (const item of items.filter((i) => String(i.sk).startsWith('LEAVES#'))) {
    const bytes = item.object
      ? await readLeavesObject(
          clients,
          item.object as { bucket: string; key: string; sha256: string },
        )
      : Buffer.from(item.hashes as Uint8Array);
    for (let i = 0; i + 32 <= bytes.length; i += 32)
      set.add(bytes.subarray(i, i + 32).toString('hex'));
  }
  return set;
}

async function readLeavesObject(
  clients: AwsClients,
  object: { bucket: string; key: string; sha256: string },
): Promise<Buffer> {
  try {
    const got = await clients.s3.send(
      new GetObjectCommand({ Bucket: object.bucket, Key: object.key }),
    );
    const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
    const digest = createHash('sha256').update(bytes).digest('hex');
    return digest === object.sha256 ? bytes : Buffer.alloc(0);
  } catch (error) {
    if (error instanceof S3ServiceException && error.name === 'NoSuchKey') return Buffer.alloc(0);
    throw error;
  }
}
