// Guards: the preconditions a unit checks right before its first destructive step — legal
// holds (kept in the state table), the entity's minimum retention, its custom predicate, and
// an archived copy of every object about to leave a hot bucket. A guard that says "not yet"
// throws UnitWaitError: the unit waits and is checked again later; it is never failed for it.
import { LetheError } from '../errors.js';
import type { Entity } from '../graph/graph-types.js';
import type { Hold } from '../model/holds.js';
import type { IntentObject, IntentPrefix } from '../model/intents.js';
import { getJob } from '../model/jobs.js';
import { getScope, JOB_SCOPE } from '../model/scopes.js';
import type { Unit } from '../model/units.js';
import type { Item } from '../ports/document-store.js';
import { mapConcurrent } from '../retry.js';
import { type EngineContext, readHolds } from './engine-context.js';
import { compareKeys } from './list-key-range.js';

/** The unit must wait: a guard said "not yet". Not a failure; the unit is checked again. */
export class UnitWaitError extends LetheError {
  readonly reason: string;
  /** True when a legal hold (rather than another guard) is the reason. */
  readonly held: boolean;

  constructor(reason: string, held: boolean) {
    super('UNIT_WAITING', reason, { retryable: true });
    this.name = 'UnitWaitError';
    this.reason = reason;
    this.held = held;
  }
}

/** An entity instance a hold can name: by entity and id, or by its tenant. */
export interface HoldSubject {
  readonly entity: string;
  readonly id: string;
  readonly tenantId?: string | undefined;
}

/** One entity instance a unit is about to delete or change, with its row if there is one. */
export interface GuardInstance {
  readonly id: string;
  readonly row: Item | undefined;
}

export interface GuardTarget {
  readonly entity: Entity;
  readonly instances: readonly GuardInstance[];
  /** The scope of the nearest cascaded ancestor (or the instance's own): holds reach down. */
  readonly scope: string;
  /** Where ancestors start when `scope` does not exist (an owner that did not cascade). */
  readonly fallbackScope?: string | undefined;
  /** `all` for deleting rows; `holds` for changes that delete nothing of the entity's own. */
  readonly checks: 'all' | 'holds';
}

const MAX_SCOPE_DEPTH = 64;

export function tenantOf(entity: Entity, row: Item | undefined): string | undefined {
  if (entity.tenantAttribute === undefined || row === undefined) return undefined;
  const value = row[entity.tenantAttribute];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The first hold that names one of the subjects. */
export function matchingHold(
  holds: readonly Hold[],
  subjects: readonly HoldSubject[],
): Hold | undefined {
  return holds.find((hold) =>
    subjects.some((subject) =>
      hold.tenantId !== undefined
        ? subject.tenantId === hold.tenantId
        : subject.entity === hold.entity && subject.id === hold.id,
    ),
  );
}

/**
 * Why a row is still inside its entity's minimum retention, or undefined when it is not.
 * A row without a creation time (or no row at all: deleted upstream) is not held back; a
 * creation time that is not a date is, until someone looks at it.
 */
export function retentionReason(
  entity: Entity,
  instance: GuardInstance,
  now: Date,
): string | undefined {
  const days = entity.guards.minRetentionDays;
  if (days === undefined || entity.createdAtAttribute === undefined) return undefined;
  const createdAt = instance.row?.[entity.createdAtAttribute];
  if (createdAt === undefined || createdAt === null) return undefined;
  const created = typeof createdAt === 'string' ? Date.parse(createdAt) : Number.NaN;
  if (Number.isNaN(created)) {
    return `retention: ${entity.name} "${instance.id}" has an unreadable ${entity.createdAtAttribute} ${JSON.stringify(createdAt)}`;
  }
  const until = created + days * 86_400_000;
  if (now.getTime() >= until) return undefined;
  return `retention: ${entity.name} "${instance.id}" was created ${new Date(created).toISOString()}; kept ${days} days, until ${new Date(until).toISOString()}`;
}

async function predicateReason(
  entity: Entity,
  instance: GuardInstance,
  now: Date,
): Promise<string | undefined> {
  const predicate = entity.guards.predicate;
  if (predicate === undefined) return undefined;
  let verdict: boolean | string;
  try {
    verdict = await predicate({ entity: entity.name, id: instance.id, row: instance.row, now });
  } catch (error) {
    // A guard that cannot answer does not say yes: wait, and show why.
    const why = error instanceof Error ? error.message : String(error);
    return `predicate: ${entity.name} "${instance.id}": threw ${why}`;
  }
  if (verdict === true) return undefined;
  const why = typeof verdict === 'string' && verdict !== '' ? verdict : 'returned false';
  return `predicate: ${entity.name} "${instance.id}": ${why}`;
}

/** The cascaded ancestors of a unit, nearest first, from the scopes the job opened. */
async function ancestors(context: EngineContext, jobId: string, scopeId: string) {
  const found: HoldSubject[] = [];
  let current = scopeId;
  for (let depth = 0; current !== JOB_SCOPE && depth < MAX_SCOPE_DEPTH; depth++) {
    const scope = await getScope(context.state, jobId, current);
    if (!scope) break;
    found.push({ entity: scope.entity, id: scope.id, tenantId: scope.tenantId });
    current = scope.parent;
  }
  return found;
}

async function checkHolds(context: EngineContext, unit: Unit, target: GuardTarget) {
  const holds = await readHolds(context);
  if (holds.length === 0) return;
  const subjects: HoldSubject[] = target.instances.map((instance) => ({
    entity: target.entity.name,
    id: instance.id,
    tenantId: tenantOf(target.entity, instance.row),
  }));
  let chain = await ancestors(context, unit.jobId, target.scope);
  if (chain.length === 0 && target.fallbackScope !== undefined)
    chain = await ancestors(context, unit.jobId, target.fallbackScope);
  subjects.push(...chain);
  if (holds.some((hold) => hold.tenantId !== undefined)) {
    // A root deleted upstream has no row to read its tenant from; the request may name it.
    const tenantId = (await getJob(context.state, unit.jobId))?.tenantId;
    if (tenantId !== undefined) subjects.push({ entity: '', id: '', tenantId });
  }
  const hold = matchingHold(holds, subjects);
  if (hold) throw new UnitWaitError(`held by ${hold.holdId}: ${hold.reason}`, true);
}

/**
 * Checks holds, then (for `all`) the entity's retention and predicate on every instance.
 * Throws UnitWaitError with the first reason found; one instance held makes the unit wait.
 */
export async function checkGuards(
  context: EngineContext,
  unit: Unit,
  target: GuardTarget,
): Promise<void> {
  await checkHolds(context, unit, target);
  if (target.checks === 'holds') return;
  const now = context.state.now();
  for (const instance of target.instances) {
    const reason = retentionReason(target.entity, instance, now);
    if (reason) throw new UnitWaitError(reason, false);
  }
  for (const instance of target.instances) {
    const reason = await predicateReason(target.entity, instance, now);
    if (reason) throw new UnitWaitError(reason, false);
  }
}

/**
 * With `requireArchiveCopy`, every object that may be deleted (all but `ttl` ones, which lethe
 * never deletes) must already exist under the same key in the archive bucket; otherwise the
 * unit waits — its rows too, so rows never go while their objects must stay. That covers
 * every kind of object: keys and manifests (and what manifests list) one by one, and every
 * key under each prefix, listed beside the archive's keys under the same prefix.
 */
export async function checkArchiveCopies(
  context: EngineContext,
  entity: Entity,
  objects: readonly IntentObject[],
  prefixes: readonly IntentPrefix[] = [],
): Promise<void> {
  const archive = entity.guards.requireArchiveCopy;
  if (archive === undefined) return;
  const archiveBucket = context.graph.buckets[archive.bucket]?.name ?? archive.bucket;
  const candidates = objects.filter((o) => o.shared !== 'ttl');
  const found = await mapConcurrent(candidates, 16, (o) =>
    context.objects.exists(archiveBucket, o.key),
  );
  let total = candidates.length;
  let missing = candidates.filter((_, i) => !found[i]).length;
  let first = candidates.find((_, i) => !found[i]);
  for (const prefix of prefixes) {
    if (entity.objects[prefix.group]?.shared === 'ttl') continue;
    const compared = await compareWithArchive(context, prefix, archiveBucket);
    total += compared.total;
    missing += compared.missing;
    if (first === undefined && compared.first !== undefined)
      first = { bucket: prefix.bucket, key: compared.first, owner: prefix.owner };
  }
  if (first === undefined) return;
  throw new UnitWaitError(
    `archive: ${missing} of ${total} objects have no copy in "${archiveBucket}" yet (first: s3://${first.bucket}/${first.key})`,
    false,
  );
}

/**
 * Walks the keys under a prefix and the archive's keys under the same prefix side by side,
 * both in S3's order: a page of each at a time, never one request per key.
 */
async function compareWithArchive(
  context: EngineContext,
  prefix: IntentPrefix,
  archiveBucket: string,
): Promise<{ total: number; missing: number; first?: string | undefined }> {
  const pageSize = context.settings.objectPageSize;
  let total = 0;
  let missing = 0;
  let first: string | undefined;
  let archived: string[] = [];
  let index = 0;
  let archiveAfter: string | undefined;
  let archiveMore = true;
  let after: string | undefined;
  for (;;) {
    const page = await context.objects.listAfter(prefix.bucket, prefix.prefix, after, pageSize);
    for (const key of page.keys) {
      total++;
      for (;;) {
        while (index < archived.length && compareKeys(archived[index] ?? '', key) < 0) index++;
        if (index < archived.length || !archiveMore) break;
        const next = await context.objects.listAfter(
          archiveBucket,
          prefix.prefix,
          archiveAfter,
          pageSize,
        );
        archived = next.keys;
        index = 0;
        archiveMore = next.truncated && next.keys.length > 0;
        archiveAfter = next.keys.at(-1) ?? archiveAfter;
      }
      if (archived[index] !== key) {
        missing++;
        first ??= key;
      }
    }
    const last = page.keys.at(-1);
    if (!page.truncated || last === undefined) return { total, missing, first };
    after = last;
  }
}
