// Putting one restore log entry back, and settling it: rows (25 a transaction, with the
// tombstone checks guardedPut makes), set-null pointers, or the delete markers a deletion
// created. The outcome of an entry is counted on the restore record in the transaction that
// marks the entry restored — which also takes the entry's unit off the step's `outstanding`
// — conditioned on the entry not being restored yet, so a twin or a redelivery counts nothing.
import { LetheError, TransactionCancelledError } from '../errors.js';
import { getEntity, getRelation } from '../graph/graph-queries.js';
import type { Entity } from '../graph/graph-types.js';
import { canonicalIdOrUndefined, entityKeyType } from '../graph/key-types.js';
import {
  encodeValue,
  type NulledEntry,
  type RestoreLogEntry,
  type RestoreOutcome,
  readRestoreLogBody,
  restoreLogKeys,
} from '../model/restore-log.js';
import { countRestoreOutcome } from '../model/restores.js';
import { stateKeys } from '../model/state-keys.js';
import type { Item, TransactItem } from '../ports/document-store.js';
import type { ObjectVersion } from '../ports/object-store.js';
import { backoffDelay, mapConcurrent, sleep } from '../retry.js';
import type { EngineContext } from './engine-context.js';
import { entityRows } from './entity-rows.js';
import { rowKeyOf } from './query-children.js';
import type { RestoreSkip } from './restore-report.js';

/** The outcome of an entry that brought nothing back (a group's other members). */
export const NOTHING: RestoreOutcome = { restored: 0, conflicts: 0, skipped: 0 };

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
export async function persist<T>(operation: () => Promise<T>): Promise<T> {
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
export async function applyMarkers(
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

/** What putting an entry back did: its outcome, and the items that did not come back. */
export interface AppliedEntry {
  readonly outcome: RestoreOutcome;
  readonly skips: readonly RestoreSkip[];
}

/** Items of one entry that did not come back, kept on the entry (this many at most). */
const SKIPS_PER_ENTRY = 20;

/** Puts one log entry back (or, with `dryRun`, says what would happen) and writes nothing else. */
export async function applyEntry(
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
 * The restore's step moved on while one of its units still ran: a unit must never settle in
 * a later step than its own (rank order). Retryable: the message comes back and finds out.
 */
export class RestoreStepMovedError extends LetheError {
  constructor(jobId: string, step: number) {
    super(
      'RESTORE_STEP_MOVED',
      `restore of job ${jobId}: step ${step} is no longer the current step`,
      { retryable: true },
    );
    this.name = 'RestoreStepMovedError';
  }
}

/**
 * Marks entries restored, counts their outcome (on the first) and takes their unit off the
 * outstanding units of `step`, in one transaction, once: a twin or a re-run finds them
 * marked. Returns false then (nothing written).
 *
 * @throws RestoreStepMovedError when the record is no longer at `step`
 */
export async function settleEntries(
  context: EngineContext,
  jobId: string,
  entries: readonly RestoreLogEntry[],
  applied: AppliedEntry,
  step: number,
): Promise<boolean> {
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
        countRestoreOutcome(context.state, jobId, applied.outcome, step),
      ]),
    );
    return true;
  } catch (error) {
    if (!(error instanceof TransactionCancelledError)) throw error;
    const reasons = error.reasons;
    if (reasons.slice(0, entries.length).some((r) => r === 'ConditionalCheckFailed')) return false;
    if (reasons[entries.length] === 'ConditionalCheckFailed')
      throw new RestoreStepMovedError(jobId, step);
    throw error;
  }
}
