// The engine's side of the restore log: what a unit logs before it erases. A unit's build
// step (the `pinIntent` callback) captures its page — full rows, or the old values of the
// pointers it nulls — and the log item is written in the very transaction that pins the
// intent: a row is never erased unless its page is logged, a re-run finds the pin (and the
// log) and logs nothing twice, and a crash before the pin leaves neither. Delete markers are
// logged after the DeleteObjects that created them (markers are known only then).
import { randomUUID } from 'node:crypto';
import type { Entity } from '../graph/graph-types.js';
import {
  type NulledEntry,
  type RestoreLogStorage,
  restoreLogItems,
  restoreLogKeys,
} from '../model/restore-log.js';
import type { Item, TransactItem } from '../ports/document-store.js';
import type { ObjectVersion } from '../ports/object-store.js';
import type { EngineContext } from './engine-context.js';

/** Days `entity`'s erased data stays restorable: its own window, else the pipeline's. */
export function restoreWindowOf(context: EngineContext, entity: Entity): number {
  return entity.restoreWindowDays ?? context.settings.restoreWindowDays;
}

function storageOf(context: EngineContext): RestoreLogStorage {
  return {
    state: context.state,
    objects: context.objects,
    bucket: context.settings.restoreBucketName,
    inlineBytes: context.settings.restoreLogInlineBytes,
  };
}

/**
 * Collects one unit's log page in its build step and hands the write to the pinning
 * transaction. A fresh logger per run: only the run whose pin wins writes its page.
 */
export interface PageLogger {
  /**
   * True when `entity`'s rows are logged (its window is over 0 days): the unit then reads
   * the rows it pins whole, and hands them to `rows`, so one read serves count and log.
   */
  logs(entity: Entity): boolean;
  /**
   * Logs `rows`, the full items about to be erased, exactly as the unit's strongly
   * consistent read found them (a row no longer there is not among them). Nothing for a
   * window of 0 days or no rows.
   */
  rows(
    entity: Entity,
    relation: string,
    rows: readonly Item[],
    options?: { readonly id?: string },
  ): Promise<void>;
  /** Logs pointers about to be nulled: each row's key and the value `attribute` holds. */
  nulled(
    entity: Entity,
    relation: string,
    attribute: string,
    entries: readonly NulledEntry[],
  ): Promise<void>;
  /** The writes to add to the pinning transaction (none when nothing was logged). */
  writes(): TransactItem[];
}

export function pageLogger(context: EngineContext, jobId: string, unitId: string): PageLogger {
  let items: Item[] = [];
  const key = restoreLogKeys.page(jobId, unitId);
  return {
    logs(entity) {
      return restoreWindowOf(context, entity) > 0;
    },
    async rows(entity, relation, rows, options = {}) {
      const windowDays = restoreWindowOf(context, entity);
      if (windowDays === 0 || rows.length === 0) return;
      items = await restoreLogItems(storageOf(context), {
        jobId,
        unitId,
        key,
        entity: entity.name,
        relation,
        id: options.id,
        body: { kind: 'rows', rows },
        count: rows.length,
        windowDays,
      });
    },
    async nulled(entity, relation, attribute, entries) {
      const windowDays = restoreWindowOf(context, entity);
      if (windowDays === 0 || entries.length === 0) return;
      items = await restoreLogItems(storageOf(context), {
        jobId,
        unitId,
        key,
        entity: entity.name,
        relation,
        attribute,
        body: { kind: 'nulled', entries },
        count: entries.length,
        windowDays,
      });
    },
    writes() {
      return items.map((item) => ({ kind: 'put', table: context.state.table, item }));
    },
  };
}

/**
 * Logs the delete markers one DeleteObjects round created in a versioned bucket. Each run of
 * a unit adds its own item: a re-run writes new markers over the old, and a restore must
 * remove every one of them to make the old version current again.
 */
export async function logMarkers(
  context: EngineContext,
  unit: { readonly jobId: string; readonly unitId: string },
  entity: Entity,
  relation: string,
  bucket: string,
  markers: readonly ObjectVersion[],
): Promise<void> {
  if (markers.length === 0) return;
  const items = await restoreLogItems(storageOf(context), {
    jobId: unit.jobId,
    unitId: unit.unitId,
    key: restoreLogKeys.markers(unit.jobId, unit.unitId, randomUUID()),
    entity: entity.name,
    relation,
    body: { kind: 'markers', bucket, markers },
    count: markers.length,
    // The markers are the way back to bytes the lifecycle rule keeps at least this long.
    windowDays: Math.max(1, restoreWindowOf(context, entity)),
  });
  for (const item of items) await context.docs.put(context.state.table, item);
}
