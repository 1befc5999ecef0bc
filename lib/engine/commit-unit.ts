// Settles a unit exactly once. One transaction marks the unit done (or failed), adds its
// counts and the units it spawns to the job, writes those units as planned items (the
// outbox), opens the entity's scope if it planned one, and moves the slots of the scope it
// belongs to by compare-and-set — planning the scope owner's finalize when they reach zero
// (a slot that is not the scope's last goes back by a conditional ADD, with no read).
// A unit that was waiting on its guards leaves the job's `waiting` and `held` gauges in the
// same transaction; the settlement is conditional on the unit being as it was read. The
// receipt leaves of what the unit erased are written in it too (one item per 12,000), so a
// redelivered message, which finds the unit settled, never adds a leaf twice.
// In a chain of inline units (chain-ledger.ts) the commit takes the unit's scope from what the
// chain wrote last instead of reading it, and records there what it writes.
import { TransactionCancelledError } from '../errors.js';
import { type Counts, mergeCounts } from '../model/counters.js';
import { clearIntent } from '../model/intents.js';
import { settleOnJob } from '../model/jobs.js';
import { leafHash, sortHashes } from '../model/leaves.js';
import {
  casScope,
  getScope,
  JOB_SCOPE,
  putNewScope,
  releaseScopeSlots,
  type Scope,
} from '../model/scopes.js';
import { stateKeys } from '../model/state-keys.js';
import {
  getUnit,
  leavingWait,
  type PlannedUnit,
  putPlannedUnit,
  settleUnit,
  type Unit,
  unitFromItem,
} from '../model/units.js';
import type { TransactItem } from '../ports/document-store.js';
import { backoffDelay, sleep } from '../retry.js';
import type { ChainLedger } from './chain-ledger.js';
import { type EngineContext, recordsReceiptLeaves } from './engine-context.js';
import { isNoIntentCheck, UnitPinnedMeanwhileError } from './erase-in-settle.js';
import { LeavesRepinnedError, replacePinnedLeaves, stageSortedLeaves } from './leaf-store.js';
import type { SpawnedUnit, UnitWork } from './unit-work.js';
import { encodeWorkMessage, unitIdOf } from './work-message.js';

export interface CommitResult {
  /** False when the unit had already been settled: a redelivered message. */
  readonly committed: boolean;
  readonly spawned: readonly PlannedUnit[];
  /**
   * True when the commit left slots outstanding in the unit's scope: some unit of the job is
   * still unsettled, so the job cannot be complete now, and whoever settles the scope's last
   * slot plans its finalize (which checks). The caller then need not read the job.
   */
  readonly scopeOpen: boolean;
}

const MAX_ATTEMPTS = 100;

export function planned(unit: SpawnedUnit): PlannedUnit {
  return {
    unitId: unitIdOf(unit.message),
    message: unit.message,
    body: encodeWorkMessage(unit.message),
    scope: unit.scope,
    target: unit.target,
  };
}

/** A unit takes a slot in its scope when spawned, except a finalize: it inherits its cascade's. */
function takesSlot(unit: PlannedUnit): boolean {
  return unit.message.type !== 'finalize';
}

export async function commitUnit(
  context: EngineContext,
  unit: Unit,
  work: UnitWork,
  failure?: { error: string },
  options: {
    ranInline?: boolean | undefined;
    /** The chain's ledger: its scope is used instead of a read, and what commits is recorded. */
    ledger?: ChainLedger | undefined;
  } = {},
): Promise<CommitResult> {
  const { ledger } = options;
  const { state } = context;
  // A cascading entity reached twice in one job (two parents) is planned once.
  const candidates = work.spawn.map(planned);
  const spawned: PlannedUnit[] = [];
  for (const candidate of candidates) {
    const exists =
      candidate.message.type === 'cascade' &&
      (await getUnit(state, unit.jobId, candidate.unitId)) !== undefined;
    if (!exists && !spawned.some((s) => s.unitId === candidate.unitId)) spawned.push(candidate);
  }

  // Hashed once, before the retry loop: the leaves do not change with the attempt.
  const leaves = recordsReceiptLeaves(context)
    ? [
        ...(work.erased ?? []).map((item) => leafHash(unit.jobId, item)),
        ...(work.erasedLeaves ?? []),
      ]
    : [];
  // Staged once too (a large unit's go to the leaves bucket before its transaction).
  const leafWrites = work.pinnedLeaves
    ? await replacePinnedLeaves(context, unit.jobId, unit.unitId, work.pinnedLeaves, leaves)
    : await stageSortedLeaves(context, unit.jobId, unit.unitId, sortHashes(leaves));

  let current = unit;
  // Releasing a slot that is not its scope's last needs no read of the scope (see below).
  let blindRelease = true;
  // The scope as this chain last wrote it: compared-and-set without a read, once.
  let known = ledger?.scopes.get(unit.scope);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const items: TransactItem[] = [];
    const all = [...spawned];
    let newScopeOutstanding = 0;
    if (work.newScope) {
      newScopeOutstanding = spawned.filter(
        (s) => s.scope === work.newScope?.scopeId && takesSlot(s),
      ).length;
      items.push(
        putNewScope(state, unit.jobId, {
          ...work.newScope,
          outstanding: newScopeOutstanding,
          // With nothing planned inside it, the entity's finalize is already among `spawned`.
          finalized: newScopeOutstanding === 0,
        }),
      );
    }

    const failed = failure !== undefined;
    // A cascade that opened its entity's scope hands its slot on to that entity's finalize;
    // one that opened none (it deferred to the job owning the entity) gives it back now.
    const handsSlotOn = unit.kind === 'cascade' && !failed && work.newScope !== undefined;
    const slotDelta =
      spawned.filter((s) => s.scope === unit.scope && takesSlot(s)).length - (handsSlotOn ? 0 : 1);
    const block = failed || work.block === true;
    const movesScope = unit.scope !== JOB_SCOPE && (slotDelta !== 0 || block);
    // The common settle gives back a slot that is not the scope's last: a conditional ADD
    // does it without reading the scope. When the condition fails (the last slot, a
    // finalized scope, none at all) the next attempt reads it and compares-and-sets.
    const blind = movesScope && blindRelease && slotDelta < 0 && !block && known === undefined;
    let scopeOpen = blind;
    let scope: Scope | undefined;
    if (movesScope && !blind) {
      scope = known ?? (await getScope(state, unit.jobId, unit.scope));
    }
    let scopeAfter: Scope | undefined;
    if (blind) {
      items.push(releaseScopeSlots(state, unit.jobId, unit.scope, -slotDelta));
    } else if (scope && !scope.finalized) {
      const next = scope.outstanding + slotDelta;
      scopeOpen = next > 0;
      items.push(
        casScope(state, unit.jobId, scope, { outstanding: next, block, finalized: next === 0 }),
      );
      scopeAfter = {
        ...scope,
        outstanding: next,
        blocked: scope.blocked || block,
        finalized: next === 0,
      };
      if (next === 0) {
        const finalize = planned({
          message: {
            v: 1,
            jobId: unit.jobId,
            type: 'finalize',
            entity: scope.entity,
            id: scope.id,
            ...(scope.via ? { via: scope.via } : {}),
          },
          scope: scope.parent,
        });
        // Already among the spawned units: one item, planned and counted once.
        if (!all.some((s) => s.unitId === finalize.unitId)) all.push(finalize);
      }
    }

    const leaving = leavingWait(current);
    const counts: Counts = mergeCounts(mergeCounts({}, work.counts), leaving.counts);
    items.push(
      settleUnit(state, current, {
        status: failed ? 'failed' : 'done',
        error: failure?.error,
        spawned: [...(work.plannedEarly ?? []), ...all.map((s) => s.unitId)],
        failures: work.failures,
        manifests: work.unknownManifests,
        unlocated: work.unlocated,
        ranInline: options.ranInline,
      }),
      settleOnJob(state, unit.jobId, {
        planned: all.length,
        settled: 1,
        failed: failed ? 1 : 0,
        waiting: leaving.waiting,
        counts,
      }),
      ...all.map((s) => putPlannedUnit(state, unit.jobId, s)),
    );
    if (work.clearIntent) items.push(clearIntent(state, unit.jobId, unit.unitId));
    items.push(...leafWrites, ...(work.settleWrites ?? []));

    try {
      await state.docs.transact(items);
      if (ledger) {
        record(ledger, items);
        if (work.newScope) {
          ledger.scopes.set(work.newScope.scopeId, {
            ...work.newScope,
            outstanding: newScopeOutstanding,
            finalized: newScopeOutstanding === 0,
          });
        }
        if (scopeAfter) ledger.scopes.set(unit.scope, scopeAfter);
      }
      return { committed: true, spawned: all, scopeOpen };
    } catch (error) {
      if (!(error instanceof TransactionCancelledError)) throw error;
      const settleIndex = items.findIndex(
        (i) => i.kind === 'update' && i.key.sk === `UNIT#${unit.unitId}`,
      );
      const scopeIndex = movesScope
        ? items.findIndex(
            (i) => i.kind === 'update' && i.key.sk === stateKeys.scope(unit.jobId, unit.scope).sk,
          )
        : -1;
      const scopeMoved = scopeIndex >= 0 && error.reasons[scopeIndex] === 'ConditionalCheckFailed';
      if (error.reasons[settleIndex] === 'ConditionalCheckFailed') {
        // Settled by a twin, or it started waiting since it was read: read it again.
        const fresh = await getUnit(state, unit.jobId, unit.unitId);
        if (fresh?.status !== 'planned' && fresh?.status !== 'waiting')
          return { committed: false, spawned: [], scopeOpen: false };
        current = fresh;
        continue;
      }
      const pinIndex = items.findIndex((i) => isNoIntentCheck(i, unit));
      if (pinIndex >= 0 && error.reasons[pinIndex] === 'ConditionalCheckFailed') {
        // A twin pinned the page this run meant to erase in its settle: settled by that twin
        // meanwhile, or the message runs again and follows the pin.
        const fresh = await getUnit(state, unit.jobId, unit.unitId);
        if (fresh?.status !== 'planned' && fresh?.status !== 'waiting')
          return { committed: false, spawned: [], scopeOpen: false };
        throw new UnitPinnedMeanwhileError(unit.unitId);
      }
      const leavesIndex = items.findIndex((i) => i.kind === 'check' && leafWrites.includes(i));
      if (leavesIndex >= 0 && error.reasons[leavesIndex] === 'ConditionalCheckFailed') {
        // A twin pinned this unit's leaves anew (pinnedLeavesOfRerun): this run's counts are
        // not those leaves'. Settled by that twin meanwhile, or the message runs again.
        const fresh = await getUnit(state, unit.jobId, unit.unitId);
        if (fresh?.status !== 'planned' && fresh?.status !== 'waiting')
          return { committed: false, spawned: [], scopeOpen: false };
        throw new LeavesRepinnedError(unit.unitId);
      }
      if (scopeMoved && blind) {
        blindRelease = false;
        continue;
      }
      // Someone else moved the scope since this chain wrote it: read it from now on.
      if (scopeMoved && known !== undefined) {
        known = undefined;
        ledger?.scopes.delete(unit.scope);
        continue;
      }
      // A concurrent settlement moved the scope, or a conflict: read again and retry.
      await sleep(backoffDelay(Math.min(attempt, 6), { baseMs: 10, maxMs: 500 }));
    }
  }
  throw new TransactionCancelledError(['TooManyConflicts']);
}

/** Records in the chain's ledger the units a committed transaction planned, as written. */
function record(ledger: ChainLedger, items: readonly TransactItem[]): void {
  for (const item of items) {
    if (item.kind === 'put' && item.item.type === 'unit') {
      const planned = unitFromItem(item.item);
      ledger.units.set(planned.unitId, planned);
    }
  }
}
