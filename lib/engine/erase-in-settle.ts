// A page of rows that locates no objects and ends its relation needs no intent: DESIGN §3
// rule 2 pins object keys before the rows that locate them are deleted, and these rows locate
// none but prefixes, whose units are planned in the same transaction that deletes the rows.
// The rows are deleted in the transaction that settles their unit, beside its restore log,
// its receipt leaves and its spawned units, so the page is erased, logged, counted and settled
// at once or not at all. Used by a leaf relation's rows unit and by a finalize (the entity's
// own row): each skips its pin transaction and its BatchWriteItem (issue 21).
//
// Exactly once, without an intent:
// - two runs of the unit (a twin, a redelivery) both build; the settle is conditional on the
//   unit being unsettled, so one commits and the other deleted nothing;
// - a twin whose build found a different page (rows written or removed meanwhile) may pin an
//   intent and erase it instead; the settle checks that no intent exists, and a run that
//   finds one stops with the retryable `UNIT_PINNED_MEANWHILE`: its message comes back and
//   follows the pin.
// Counts are the rows the unit's strongly consistent read found (rows-still-there.ts), as on
// the pinned path; a row removed upstream between that read and the settle is counted on both.

import { LetheError } from '../errors.js';
import type { Entity } from '../graph/graph-types.js';
import type { IntentContent } from '../model/intents.js';
import { stateKeys } from '../model/state-keys.js';
import type { Unit } from '../model/units.js';
import type { TransactItem } from '../ports/document-store.js';
import type { EngineContext } from './engine-context.js';
import { erasedRows } from './erase-rows.js';
import { MAX_SPAWNS_PER_UNIT } from './page-limit.js';
import { prefixUnits } from './prefix-units.js';
import type { PageLogger } from './restore-log.js';
import type { UnitWork } from './unit-work.js';

/** A twin pinned an intent for the unit while this run meant to erase in its settle. */
export class UnitPinnedMeanwhileError extends LetheError {
  constructor(unitId: string) {
    super(
      'UNIT_PINNED_MEANWHILE',
      `unit ${unitId}: a twin run pinned its page meanwhile; it runs again on that pin`,
      { retryable: true },
    );
    this.name = 'UnitPinnedMeanwhileError';
  }
}

/**
 * True when a page built as `content` may be erased in its settle: no objects, unreadable
 * manifests or unlocated object groups (prefixes are allowed: the caller plans their units in
 * the settle), no page after it, at most `max` rows (`rowsInSettleMax`; 0: never), a restore
 * log (`logWrites`) of one item at most, and a settle that fits one transaction: its row
 * Deletes, prefix units, log and intent check at most `MAX_SPAWNS_PER_UNIT` (80) actions.
 */
export function erasableInSettle(
  content: IntentContent,
  logWrites: readonly TransactItem[],
  max: number,
): boolean {
  return (
    max > 0 &&
    content.rowKeys.length <= max &&
    // One log item at most (under 400 KB): a page logged in parts could pass the 4 MB a
    // transaction may carry.
    logWrites.length <= 1 &&
    content.objects.length === 0 &&
    content.unknownManifests.length === 0 &&
    (content.unlocated?.length ?? 0) === 0 &&
    content.lastKey === undefined &&
    // Each prefix becomes a unit planned in the settle, beside the rows' Deletes.
    content.rowKeys.length + content.prefixes.length + logWrites.length + 1 <= MAX_SPAWNS_PER_UNIT
  );
}

/**
 * The work of a page erased in its settle: its counts and leaves, and the settle's extra
 * writes — the check that no intent was pinned, `logWrites` (its restore log), and one Delete
 * per row.
 */
export function eraseInSettle(
  context: EngineContext,
  unit: Unit,
  entity: Entity,
  content: IntentContent,
  logWrites: readonly TransactItem[],
): Pick<UnitWork, 'counts' | 'erased' | 'settleWrites'> {
  return {
    ...erasedRows(entity, content.relation, content.rowKeys),
    settleWrites: [
      noIntentPinned(context, unit),
      ...logWrites,
      ...content.rowKeys.map(
        (key): TransactItem => ({ kind: 'delete', table: entity.tableName, key }),
      ),
    ],
  };
}

/**
 * Builds the page of a unit no run has pinned yet and, when `erasableInSettle` takes it,
 * returns the unit's work: the page erased in its settle, its prefix units (labelled `via`)
 * planned beside. Otherwise returns what the caller pins: the page already built (built
 * once), or `build` itself when the unit was pinned before (its intent decides) or
 * `rowsInSettleMax` is 0.
 */
export async function eraseInSettleOrPin(
  context: EngineContext,
  unit: Unit,
  entity: Entity,
  build: () => Promise<IntentContent>,
  log: Pick<PageLogger, 'writes'>,
  via: string | undefined,
): Promise<{ readonly work: UnitWork } | { readonly pin: () => Promise<IntentContent> }> {
  const max = context.settings.rowsInSettleMax;
  if (unit.pinnedAt !== undefined || max === 0) return { pin: build };
  const built = await build();
  const logWrites = log.writes();
  if (!erasableInSettle(built, logWrites, max)) return { pin: async () => built };
  return {
    work: {
      ...eraseInSettle(context, unit, entity, built, logWrites),
      spawn: prefixUnits(unit.jobId, entity.name, built.prefixes, unit.scope, via),
      clearIntent: false,
    },
  };
}

function noIntentPinned(context: EngineContext, unit: Unit): TransactItem {
  return {
    kind: 'check',
    table: context.state.table,
    key: stateKeys.intent(unit.jobId, unit.unitId),
    condition: { expression: 'attribute_not_exists(sk)' },
  };
}

/** True when `item` is the settle's check that no intent was pinned (see `eraseInSettle`). */
export function isNoIntentCheck(item: TransactItem, unit: Unit): boolean {
  return item.kind === 'check' && item.key.sk === stateKeys.intent(unit.jobId, unit.unitId).sk;
}
