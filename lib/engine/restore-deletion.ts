// `lethe restore <jobId>`: undo a completed deletion inside its restore window, driven by the
// job's restore log. The job's tombstones are lifted first (guardedPut accepts writes again,
// and the row-after-tombstone consumer leaves restored rows alone); then objects come back
// (delete markers removed, so the old version is current again), then rows, parents before
// children, then the pointers set-null removed. Each row goes back with guardedPut's checks:
// a key that exists again is newer data and wins (a conflict, reported), an id tombstoned
// again by a later deletion is skipped, and so is a child whose parent is neither present
// nor restored. Each log entry is marked restored in the transaction that counts its
// outcome, so a restore that crashed resumes where it stopped and counts everything once;
// running it again after it finished changes nothing and reports the same.
//
// It is not (yet) run as units through the work queue: one process walks the log. That is
// resumable and idempotent, but a very large job restores at one process's pace.
import { LetheError, TransactionCancelledError } from '../errors.js';
import { getEntity, getRelation } from '../graph/graph-queries.js';
import type { Entity, Graph } from '../graph/graph-types.js';
import { canonicalIdOrUndefined, entityKeyType } from '../graph/key-types.js';
import { getJob, type Job } from '../model/jobs.js';
import {
  encodeValue,
  listRestoreLog,
  type NulledEntry,
  type RestoreLogEntry,
  type RestoreLogSkip,
  type RestoreOutcome,
  readRestoreLogBody,
  restoreLogKeys,
} from '../model/restore-log.js';
import {
  countLiftedTombstones,
  countRestoreOutcome,
  finishRestoreRecord,
  getRestoreRecord,
  startRestoreRecord,
} from '../model/restores.js';
import { stateKeys } from '../model/state-keys.js';
import type { Item, Key, TransactItem } from '../ports/document-store.js';
import type { ObjectVersion } from '../ports/object-store.js';
import { backoffDelay, mapConcurrent, sleep } from '../retry.js';
import { type EngineContext, reachCrashPoint } from './engine-context.js';
import { entityRows } from './entity-rows.js';
import { publishOutboxEvent } from './publish-completion.js';
import { rowKeyOf } from './query-children.js';

/** Why a restore is refused as a whole. */
export type RestoreRefusal = 'job-not-found' | 'job-running' | 'window-passed';

/** A restore that must not run: the job is unknown, still running, or its window passed. */
export class RestoreRefusedError extends LetheError {
  readonly reason: RestoreRefusal;

  constructor(reason: RestoreRefusal, message: string) {
    super(`RESTORE_${reason.toUpperCase().replaceAll('-', '_')}`, message);
    this.name = 'RestoreRefusedError';
    this.reason = reason;
  }
}

/**
 * One item that did not come back, and why: `conflict` (newer data has the key),
 * `deleted-again` (tombstoned by a later deletion), `orphan` (its parent is neither present
 * nor restored), `gone` (a nulled row no longer exists), `failed` (S3 refused a version).
 */
export type RestoreSkip = RestoreLogSkip;

/** What `restoreDeletion` did (or, for a dry run, would do). */
export interface RestoreReport {
  readonly jobId: string;
  readonly entity: string;
  readonly id: string;
  readonly dryRun: boolean;
  /** `restored` when the restore finished (now or before), `dry-run` for a dry run. */
  readonly status: 'restored' | 'dry-run';
  /** ISO time after which this job can no longer be restored. */
  readonly windowEndsAt: string;
  readonly tombstonesLifted: number;
  readonly totals: {
    readonly rowsRestored: number;
    readonly pointersRestored: number;
    readonly objectsRestored: number;
    readonly conflicts: number;
    readonly skipped: number;
    /** Logged items whose window (per entity) had passed: not restored. */
    readonly expired: number;
  };
  /** Per relation: what was logged and what came back. */
  readonly relations: readonly {
    readonly relation: string;
    readonly kind: 'rows' | 'nulled' | 'markers';
    readonly logged: number;
    readonly restored: number;
    readonly conflicts: number;
    readonly skipped: number;
  }[];
  /** Items that did not come back (the first 100). */
  readonly skips: readonly RestoreSkip[];
  /** Objects deleted from unversioned buckets, per relation: they cannot come back. */
  readonly notRestorable: readonly { readonly relation: string; readonly objects: number }[];
}

const MAX_SKIPS = 100;

/**
 * Restores the job `jobId` deleted, or with `dryRun` reports what would come back and writes
 * nothing. Resumable and idempotent: run it again after a crash, or after it finished.
 *
 * @throws RestoreRefusedError when the job is unknown, still running, or past its window.
 */
export async function restoreDeletion(
  context: EngineContext,
  jobId: string,
  options: { readonly dryRun?: boolean } = {},
): Promise<RestoreReport> {
  const job = await getJob(context.state, jobId);
  if (!job) throw new RestoreRefusedError('job-not-found', `no job ${jobId}`);
  if (job.status !== 'completed') {
    throw new RestoreRefusedError(
      'job-running',
      `job ${jobId} is still running: restore it once it completed`,
    );
  }
  const log = await listRestoreLog(context.state, jobId);
  const windowEndsAt = windowEnd(
    context,
    job,
    log.map((l) => l.entry),
  );
  const now = context.state.now();
  if (now.getTime() > windowEndsAt.getTime()) {
    throw new RestoreRefusedError(
      'window-passed',
      `the restore window of job ${jobId} ended at ${windowEndsAt.toISOString()}`,
    );
  }
  const dryRun = options.dryRun === true;
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const order = entityDepths(context.graph);
  const ordered = [...log].sort((a, b) => rank(a.entry, order) - rank(b.entry, order));
  const skips = new Map<string, readonly RestoreSkip[]>();
  const outcomes = new Map<string, RestoreOutcome>();

  const record = dryRun ? undefined : await getRestoreRecord(context.state, jobId);
  let lifted = record?.tombstonesLifted ?? 0;
  if (!dryRun && record?.status !== 'restored') {
    await startRestoreRecord(context.state, jobId);
    const now = await liftTombstones(context, jobId);
    await countLiftedTombstones(context.state, jobId, now);
    lifted += now;
    reachCrashPoint(context, 'restore-after-lift', jobId);
  }

  // A unit that ran more than once left one markers entry per run, maybe over the same keys:
  // they come back together (every marker removed, each key counted once), settled as one.
  const markerGroups = new Map<string, { entry: RestoreLogEntry; item: Item }[]>();
  for (const logged of ordered) {
    const { entry } = logged;
    if (entry.kind !== 'markers' || entry.outcome || entry.expiresAt < nowSeconds) continue;
    markerGroups.set(entry.unitId, [...(markerGroups.get(entry.unitId) ?? []), logged]);
  }
  for (const { entry, item } of ordered) {
    if (entry.outcome) {
      outcomes.set(entry.sk, entry.outcome);
      skips.set(entry.sk, entry.skips ?? []);
      continue;
    }
    if (entry.expiresAt < nowSeconds) continue;
    if (record?.status === 'restored') continue;
    const group = entry.kind === 'markers' ? (markerGroups.get(entry.unitId) ?? []) : [];
    if (group.length > 0 && group[0]?.entry.sk !== entry.sk) continue;
    const applied =
      group.length > 0
        ? await applyMarkers(context, group, dryRun)
        : await applyEntry(context, entry, item, dryRun);
    const settled = group.length > 0 ? group.map((g) => g.entry) : [entry];
    settled.forEach((e, i) => {
      outcomes.set(e.sk, i === 0 ? applied.outcome : NOTHING);
      skips.set(e.sk, i === 0 ? applied.skips : []);
    });
    if (dryRun) continue;
    reachCrashPoint(context, 'restore-mid-entry', entry.sk);
    await settleEntries(context, jobId, settled, applied);
  }

  const report = buildReport(
    job,
    log.map((l) => l.entry),
    outcomes,
    {
      dryRun,
      windowEndsAt,
      lifted,
      skips: [...skips.values()].flat().slice(0, MAX_SKIPS),
      nowSeconds,
    },
  );
  if (!dryRun) {
    const detail = {
      jobId,
      entity: job.entity,
      id: job.id,
      totals: report.totals,
      notRestorable: report.notRestorable,
    };
    const event = await persist(() => finishRestoreRecord(context.state, jobId, detail));
    if (event) {
      reachCrashPoint(context, 'restore-after-finish', jobId);
      await publishOutboxEvent(context, jobId, 'DeletionRestored', event);
    }
  }
  return report;
}

/** The latest expiry of the job's log, or the pipeline's window after the job when none. */
function windowEnd(context: EngineContext, job: Job, entries: readonly RestoreLogEntry[]): Date {
  const since = Date.parse(job.completedAt ?? job.updatedAt);
  const pipeline = since + context.settings.restoreWindowDays * 86_400_000;
  const logged = Math.max(0, ...entries.map((e) => e.expiresAt * 1000));
  return new Date(entries.length > 0 ? logged : pipeline);
}

/** Depth of each entity below the roots: parents restore before children. */
function entityDepths(graph: Graph): Map<string, number> {
  const depths = new Map<string, number>();
  const depthOf = (name: string, seen: Set<string>): number => {
    const known = depths.get(name);
    if (known !== undefined) return known;
    if (seen.has(name)) return 0;
    seen.add(name);
    const entity = getEntity(graph, name);
    const depth = Math.max(0, ...entity.parents.map((r) => depthOf(r.parent, seen) + 1));
    depths.set(name, depth);
    return depth;
  };
  for (const name of Object.keys(graph.entities)) depthOf(name, new Set());
  return depths;
}

/** Objects first (rows that locate them must not point at nothing), then rows by depth. */
function rank(entry: RestoreLogEntry, depths: ReadonlyMap<string, number>): number {
  if (entry.kind === 'markers') return -1;
  // A pointer comes back after the row it points at (a shallower entity).
  return (depths.get(entry.entity) ?? 0) * 2 + (entry.kind === 'nulled' ? 1 : 0);
}

/**
 * Deletes the job's tombstone lookups (the items writers' checks read), each only while it
 * is still this job's: an id deleted again by a later job keeps that job's tombstone.
 */
async function liftTombstones(context: EngineContext, jobId: string): Promise<number> {
  const { state } = context;
  const ids: { entity: string; id: string }[] = [];
  let startKey: Key | undefined;
  do {
    const page = await state.docs.query({
      table: state.table,
      keyCondition: {
        expression: 'pk = :pk AND begins_with(sk, :unit)',
        values: { ':pk': stateKeys.jobPartition(jobId), ':unit': 'UNIT#' },
      },
      startKey,
      consistent: true,
    });
    for (const unit of page.items) {
      if (unit.kind !== 'cascade' || typeof unit.body !== 'string') continue;
      const message = JSON.parse(unit.body) as { entity?: unknown; id?: unknown };
      if (typeof message.entity === 'string' && typeof message.id === 'string')
        ids.push({ entity: message.entity, id: message.id });
    }
    startKey = page.lastKey;
  } while (startKey);
  const lifted = await mapConcurrent(ids, 8, async ({ entity, id }) => {
    try {
      await state.docs.delete(state.table, stateKeys.tombstoneLookup(entity, id), {
        expression: 'jobId = :job',
        values: { ':job': jobId },
      });
      return true;
    } catch (error) {
      if (error instanceof LetheError && error.code === 'CONDITION_FAILED') return false;
      throw error;
    }
  });
  return lifted.filter(Boolean).length;
}

const NOTHING: RestoreOutcome = { restored: 0, conflicts: 0, skipped: 0 };

/** Tries of one read or write before a transient error ends the run (run it again to resume). */
const TRANSIENT_TRIES = 8;

/** Error names the services answer for a passing condition (throttling, a 5xx). */
const TRANSIENT_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'SlowDown',
]);

function isTransient(error: unknown): boolean {
  if (error instanceof LetheError) return error.retryable;
  const e = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } } | undefined;
  const status = Number(e?.$metadata?.httpStatusCode ?? 0);
  return TRANSIENT_NAMES.has(String(e?.name)) || status >= 500;
}

/**
 * Runs one read or write of the restore, again after a transient error, with back-off. A
 * restore is not a unit whose message comes back: without this, one throttled call ended the
 * whole run, and a page half put back (a run that died mid-page) is redone row by row on the
 * next run — 500 rows, two calls each — where, under steady faults, some call always failed:
 * the soak found a restore that never finished.
 */
async function persist<T>(operation: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= TRANSIENT_TRIES || !isTransient(error)) throw error;
      await sleep(backoffDelay(attempt, { baseMs: 50, maxMs: 2000 }));
    }
  }
}

/** All markers one unit's runs created, removed together; each key counts once. */
async function applyMarkers(
  context: EngineContext,
  group: readonly { entry: RestoreLogEntry; item: Item }[],
  dryRun: boolean,
): Promise<AppliedEntry> {
  const byBucket = new Map<string, ObjectVersion[]>();
  for (const { item } of group) {
    const body = await persist(() => readRestoreLogBody(context.objects, item));
    if (body.kind !== 'markers') continue;
    byBucket.set(body.bucket, [...(byBucket.get(body.bucket) ?? []), ...body.markers]);
  }
  let outcome = NOTHING;
  for (const [bucket, markers] of byBucket) {
    const one = await restoreMarkers(context, bucket, markers, dryRun);
    outcome = {
      restored: outcome.restored + one.restored,
      conflicts: outcome.conflicts + one.conflicts,
      skipped: outcome.skipped + one.skipped,
    };
  }
  return { outcome, skips: [] };
}

interface AppliedEntry {
  readonly outcome: RestoreOutcome;
  readonly skips: readonly RestoreSkip[];
}

/** Items of one entry that did not come back, kept on the entry (this many at most). */
const SKIPS_PER_ENTRY = 20;

async function applyEntry(
  context: EngineContext,
  entry: RestoreLogEntry,
  item: Item,
  dryRun: boolean,
): Promise<AppliedEntry> {
  const body = await persist(() => readRestoreLogBody(context.objects, item));
  const skips: RestoreSkip[] = [];
  const skip = (entity: string, key: unknown, reason: RestoreSkip['reason']) => {
    if (skips.length < SKIPS_PER_ENTRY)
      skips.push({ relation: entry.relation, entity, key: encodeValue(key), reason });
  };
  if (body.kind === 'markers') {
    return { outcome: await restoreMarkers(context, body.bucket, body.markers, dryRun), skips };
  }
  const entity = getEntity(context.graph, entry.entity);
  if (body.kind === 'rows') {
    const results = await restoreRows(context, entity, body.rows, dryRun);
    body.rows.forEach((row, i) => {
      const result = results[i];
      if (result !== undefined && result !== 'restored')
        skip(entity.name, rowKeyOf(entity, row), result);
    });
    return { outcome: outcomeOf(results), skips };
  }
  const relation = getRelation(context.graph, entry.relation);
  const results = await mapConcurrent(body.entries, context.settings.batchWriteConcurrency, (e) =>
    restorePointer(context, entity, relation.parent, relation.attribute, e, dryRun),
  );
  body.entries.forEach((e, i) => {
    const result = results[i];
    if (result !== undefined && result !== 'restored') skip(entity.name, e.key, result);
  });
  return { outcome: outcomeOf(results), skips };
}

type ItemResult = 'restored' | RestoreSkip['reason'];

function outcomeOf(results: readonly ItemResult[]): RestoreOutcome {
  return {
    restored: results.filter((r) => r === 'restored').length,
    conflicts: results.filter((r) => r === 'conflict').length,
    skipped: results.filter((r) => r !== 'restored' && r !== 'conflict').length,
  };
}

/** Condition checks that no tombstone stands for these ids (guardedPut's checks). */
function noTombstones(context: EngineContext, ids: readonly { entity: string; id: string }[]) {
  return ids.map(
    (g): TransactItem => ({
      kind: 'check',
      table: context.state.table,
      key: stateKeys.tombstoneLookup(g.entity, g.id),
      condition: { expression: 'attribute_not_exists(pk)' },
    }),
  );
}

/** Rows put back in one transaction: 25 puts and their tombstone checks stay under 100 items. */
const ROWS_PER_TRANSACTION = 25;

/**
 * Puts a page of rows back, 25 a transaction; a transaction refused as a whole (a conflict,
 * a tombstone, a row this restore already put back) is retried row by row to say which.
 */
async function restoreRows(
  context: EngineContext,
  entity: Entity,
  rows: readonly Item[],
  dryRun: boolean,
): Promise<ItemResult[]> {
  const parents = new Map<string, Promise<boolean>>();
  const prepared = await mapConcurrent(rows, context.settings.batchWriteConcurrency, (row) =>
    prepareRow(context, entity, row, parents, dryRun),
  );
  const results: ItemResult[] = prepared.map((p) => (p === 'orphan' ? 'orphan' : 'restored'));
  const ready = prepared.flatMap((p, i) => (p === 'orphan' ? [] : [{ i, guarded: p }]));
  if (dryRun) {
    await mapConcurrent(ready, context.settings.batchWriteConcurrency, async ({ i }) => {
      const row = rows[i] ?? {};
      const existing = await persist(() =>
        context.docs.get(entity.tableName, rowKeyOf(entity, row), true),
      );
      if (existing && encodeValue(existing) !== encodeValue(row)) results[i] = 'conflict';
    });
    return results;
  }
  const chunks: (typeof ready)[] = [];
  for (let at = 0; at < ready.length; at += ROWS_PER_TRANSACTION)
    chunks.push(ready.slice(at, at + ROWS_PER_TRANSACTION));
  await mapConcurrent(chunks, context.settings.batchWriteConcurrency, async (chunk) => {
    const checks = new Map<string, { entity: string; id: string }>();
    for (const { guarded } of chunk) for (const g of guarded) checks.set(`${g.entity}#${g.id}`, g);
    try {
      await persist(() =>
        context.docs.transact([
          ...chunk.map(({ i }) => putIfAbsent(entity, rows[i] ?? {})),
          ...noTombstones(context, [...checks.values()]),
        ]),
      );
    } catch (error) {
      if (!(error instanceof TransactionCancelledError) || error.retryable) throw error;
      for (const { i, guarded } of chunk) {
        results[i] = await putRow(context, entity, rows[i] ?? {}, guarded);
      }
    }
  });
  return results;
}

function putIfAbsent(entity: Entity, row: Item): TransactItem {
  return {
    kind: 'put',
    table: entity.tableName,
    item: row,
    condition: { expression: 'attribute_not_exists(#pk)', names: { '#pk': entity.partitionKey } },
  };
}

/**
 * The ids whose tombstones must not stand for `row` to come back (its own and its parents',
 * as guardedPut checks), or `orphan` when a cascade parent is neither present nor restored.
 */
async function prepareRow(
  context: EngineContext,
  entity: Entity,
  row: Item,
  parents: Map<string, Promise<boolean>>,
  dryRun: boolean,
): Promise<{ entity: string; id: string }[] | 'orphan'> {
  const guarded: { entity: string; id: string }[] = [];
  const own = canonicalIdOrUndefined(entity.idType, row[entity.partitionKey]);
  if (own !== undefined) guarded.push({ entity: entity.name, id: own });
  for (const relation of entity.parents) {
    const parentId = canonicalIdOrUndefined(
      entityKeyType(entity, relation.attribute),
      row[relation.attribute],
    );
    if (parentId === undefined) continue;
    guarded.push({ entity: relation.parent, id: parentId });
    // In a dry run the parent is not back yet; it will be if the log holds it. So it is not
    // looked up (a lookup nobody awaits would be an unhandled rejection if it failed).
    if (relation.onDelete !== 'cascade' || dryRun) continue;
    const cacheKey = `${relation.parent}#${parentId}`;
    let present = parents.get(cacheKey);
    if (!present) {
      const parent = getEntity(context.graph, relation.parent);
      present = persist(() => entityRows(context, parent, parentId, 1)).then(
        (found) => found.length > 0,
      );
      parents.set(cacheKey, present);
    }
    if (!(await present)) return 'orphan';
  }
  return guarded;
}

/** One row, on its own: restored, a conflict (newer data), or deleted again. */
async function putRow(
  context: EngineContext,
  entity: Entity,
  row: Item,
  guarded: readonly { entity: string; id: string }[],
): Promise<ItemResult> {
  const key = rowKeyOf(entity, row);
  try {
    await persist(() =>
      context.docs.transact([putIfAbsent(entity, row), ...noTombstones(context, guarded)]),
    );
    return 'restored';
  } catch (error) {
    if (!(error instanceof TransactionCancelledError) || error.retryable) throw error;
    if (error.reasons[0] === 'ConditionalCheckFailed') {
      const now = await persist(() => context.docs.get(entity.tableName, key, true));
      return now && encodeValue(now) === encodeValue(row) ? 'restored' : 'conflict';
    }
    if (error.reasons.some((r) => r === 'ConditionalCheckFailed')) return 'deleted-again';
    throw error;
  }
}

async function restorePointer(
  context: EngineContext,
  entity: Entity,
  parentEntity: string,
  attribute: string,
  entry: NulledEntry,
  dryRun: boolean,
): Promise<ItemResult> {
  const current = await persist(() => context.docs.get(entity.tableName, entry.key, true));
  if (!current) return 'gone';
  if (current[attribute] !== undefined)
    return current[attribute] === entry.value ? 'restored' : 'conflict';
  if (dryRun) return 'restored';
  try {
    await persist(() =>
      context.docs.transact([
        {
          kind: 'update',
          table: entity.tableName,
          key: entry.key,
          update: {
            expression: 'SET #attr = :value',
            names: { '#attr': attribute },
            values: { ':value': entry.value },
          },
          condition: {
            expression: 'attribute_exists(#pk) AND attribute_not_exists(#attr)',
            names: { '#pk': entity.partitionKey, '#attr': attribute },
          },
        },
        ...noTombstones(context, [{ entity: parentEntity, id: String(entry.value) }]),
      ]),
    );
    return 'restored';
  } catch (error) {
    if (!(error instanceof TransactionCancelledError) || error.retryable) throw error;
    if (error.reasons[0] === 'ConditionalCheckFailed') {
      const now = await persist(() => context.docs.get(entity.tableName, entry.key, true));
      if (!now) return 'gone';
      return now[attribute] === entry.value ? 'restored' : 'conflict';
    }
    if (error.reasons.some((r) => r === 'ConditionalCheckFailed')) return 'deleted-again';
    throw error;
  }
}

/**
 * Removes the delete markers a deletion created. Several markers of one key (a unit re-run)
 * go in successive calls: S3 takes one version per key a request.
 */
async function restoreMarkers(
  context: EngineContext,
  bucket: string,
  markers: readonly ObjectVersion[],
  dryRun: boolean,
): Promise<RestoreOutcome> {
  if (dryRun)
    return { restored: new Set(markers.map((m) => m.key)).size, conflicts: 0, skipped: 0 };
  const rounds: ObjectVersion[][] = [];
  const seen = new Map<string, number>();
  for (const marker of markers) {
    const round = seen.get(marker.key) ?? 0;
    seen.set(marker.key, round + 1);
    const batch = rounds[round] ?? [];
    batch.push(marker);
    rounds[round] = batch;
  }
  const failed = new Set<string>();
  for (const round of rounds) {
    const result = await context.objects.deleteVersions(bucket, round);
    for (const f of result.failed) failed.add(f.key);
  }
  return { restored: seen.size - failed.size, conflicts: 0, skipped: failed.size };
}

/**
 * Marks entries restored and counts their outcome (on the first), in one transaction, once:
 * a twin or a re-run finds them marked.
 */
async function settleEntries(
  context: EngineContext,
  jobId: string,
  entries: readonly RestoreLogEntry[],
  applied: AppliedEntry,
): Promise<void> {
  const now = context.state.now().toISOString();
  try {
    await persist(() =>
      context.docs.transact([
        ...entries.map(
          (entry, i): TransactItem => ({
            kind: 'update',
            table: context.state.table,
            key: { pk: restoreLogKeys.partition(jobId), sk: entry.sk },
            update: {
              expression: 'SET restoredAt = :now, outcome = :outcome, skips = :skips',
              values: {
                ':now': now,
                ':outcome': i === 0 ? applied.outcome : NOTHING,
                ':skips': i === 0 ? applied.skips : [],
              },
            },
            condition: { expression: 'attribute_exists(pk) AND attribute_not_exists(restoredAt)' },
          }),
        ),
        countRestoreOutcome(context.state, jobId, applied.outcome),
      ]),
    );
  } catch (error) {
    if (
      error instanceof TransactionCancelledError &&
      error.reasons.some((r) => r === 'ConditionalCheckFailed')
    )
      return;
    throw error;
  }
}

function buildReport(
  job: Job,
  entries: readonly RestoreLogEntry[],
  outcomes: ReadonlyMap<string, RestoreOutcome>,
  run: {
    dryRun: boolean;
    windowEndsAt: Date;
    lifted: number;
    skips: readonly RestoreSkip[];
    nowSeconds: number;
  },
): RestoreReport {
  const relations = new Map<
    string,
    {
      kind: RestoreLogEntry['kind'];
      logged: number;
      restored: number;
      conflicts: number;
      skipped: number;
    }
  >();
  const totals = {
    rowsRestored: 0,
    pointersRestored: 0,
    objectsRestored: 0,
    conflicts: 0,
    skipped: 0,
    expired: 0,
  };
  for (const entry of entries) {
    const name = `${entry.relation}|${entry.kind}`;
    const sum = relations.get(name) ?? {
      kind: entry.kind,
      logged: 0,
      restored: 0,
      conflicts: 0,
      skipped: 0,
    };
    sum.logged += entry.count;
    const outcome = outcomes.get(entry.sk);
    if (!outcome) {
      if (entry.expiresAt < run.nowSeconds) totals.expired += entry.count;
      relations.set(name, sum);
      continue;
    }
    sum.restored += outcome.restored;
    sum.conflicts += outcome.conflicts;
    sum.skipped += outcome.skipped;
    relations.set(name, sum);
    if (entry.kind === 'rows') totals.rowsRestored += outcome.restored;
    if (entry.kind === 'nulled') totals.pointersRestored += outcome.restored;
    if (entry.kind === 'markers') totals.objectsRestored += outcome.restored;
    totals.conflicts += outcome.conflicts;
    totals.skipped += outcome.skipped;
  }
  return {
    jobId: job.jobId,
    entity: job.entity,
    id: job.id,
    dryRun: run.dryRun,
    status: run.dryRun ? 'dry-run' : 'restored',
    windowEndsAt: run.windowEndsAt.toISOString(),
    tombstonesLifted: run.lifted,
    totals,
    relations: [...relations].map(([name, sum]) => ({
      relation: name.slice(0, name.lastIndexOf('|')),
      ...sum,
    })),
    skips: run.skips,
    notRestorable: Object.entries(job.counts)
      .map(([relation, byKind]) => ({ relation, objects: byKind.objectsDeleted ?? 0 }))
      .filter((r) => r.objects > 0),
  };
}
