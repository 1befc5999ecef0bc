// Scopes enforce "children before parents". Each cascaded entity instance owns a scope that
// counts the outstanding slots of the work under it. A cascade unit takes a slot in its
// parent's scope and hands it to the entity's finalize unit, which releases it; every other
// unit takes a slot when spawned and releases it when settled. The transaction that brings a
// scope to zero also plans the owner's finalize, by compare-and-set, so it happens once.
// The root's work lives in the job scope, which has no item: the job's own counters close it.
//
// Item  JOB#<jobId> / SCOPE#<entity>#<id>
//   { type: 'scope', entity, id, via?, tenantId?, locator?, parent (scope id), outstanding,
//     blocked, finalized }   tenantId: read from the entity's row when it was cascaded, for
//     holds; locator: the row's values its key templates name, read then too, so a finalize
//     whose row has vanished since still locates its objects
import type { Item, TransactItem } from '../ports/document-store.js';
import type { StateContext } from './state-context.js';
import { stateKeys } from './state-keys.js';

export const JOB_SCOPE = 'JOB';

export interface Scope {
  readonly scopeId: string;
  readonly entity: string;
  readonly id: string;
  readonly via?: string | undefined;
  /** The entity's tenant, when its row named one: tenant holds reach everything under it. */
  readonly tenantId?: string | undefined;
  /** The values the entity's key templates name, from its row when it was cascaded. */
  readonly locator?: Readonly<Record<string, unknown>> | undefined;
  readonly parent: string;
  readonly outstanding: number;
  readonly blocked: boolean;
  readonly finalized: boolean;
}

export function scopeIdOf(entity: string, id: string): string {
  return `${entity}#${id}`;
}

export async function getScope(
  state: StateContext,
  jobId: string,
  scopeId: string,
): Promise<Scope | undefined> {
  if (scopeId === JOB_SCOPE) return undefined;
  const item = await state.docs.get(state.table, stateKeys.scope(jobId, scopeId));
  if (!item) return undefined;
  return {
    scopeId,
    entity: String(item.entity),
    id: String(item.id),
    via: item.via as string | undefined,
    tenantId: item.tenantId as string | undefined,
    locator: item.locator as Record<string, unknown> | undefined,
    parent: String(item.parent),
    outstanding: Number(item.outstanding ?? 0),
    blocked: item.blocked === true,
    finalized: item.finalized === true,
  };
}

export function newScopeItem(
  jobId: string,
  scope: Omit<Scope, 'finalized'> & { finalized: boolean },
): Item {
  return {
    ...stateKeys.scope(jobId, scope.scopeId),
    type: 'scope',
    jobId,
    scopeId: scope.scopeId,
    entity: scope.entity,
    id: scope.id,
    via: scope.via,
    tenantId: scope.tenantId,
    locator: scope.locator,
    parent: scope.parent,
    outstanding: scope.outstanding,
    blocked: scope.blocked,
    finalized: scope.finalized,
  };
}

export function putNewScope(state: StateContext, jobId: string, scope: Scope): TransactItem {
  return {
    kind: 'put',
    table: state.table,
    item: newScopeItem(jobId, scope),
    condition: { expression: 'attribute_not_exists(sk)' },
  };
}

/**
 * One more slot in a scope that is still open, for a unit planned by a unit that holds a slot
 * there itself (so the scope cannot reach zero meanwhile). Concurrent compare-and-sets of the
 * same scope fail and read again.
 */
export function takeScopeSlot(state: StateContext, jobId: string, scopeId: string): TransactItem {
  return {
    kind: 'update',
    table: state.table,
    key: stateKeys.scope(jobId, scopeId),
    update: { expression: 'ADD outstanding :one', values: { ':one': 1 } },
    condition: { expression: 'finalized = :false', values: { ':false': false } },
  };
}

/**
 * Gives back `count` slots of a scope without reading it, on condition that they are not its
 * last: the scope stays open, so no finalize is due. A failed condition (the last slots, a
 * finalized scope, or none) means the caller must read the scope and compare-and-set.
 */
export function releaseScopeSlots(
  state: StateContext,
  jobId: string,
  scopeId: string,
  count: number,
): TransactItem {
  return {
    kind: 'update',
    table: state.table,
    key: stateKeys.scope(jobId, scopeId),
    update: { expression: 'ADD outstanding :release', values: { ':release': -count } },
    condition: {
      expression: 'finalized = :false AND outstanding > :count',
      values: { ':false': false, ':count': count },
    },
  };
}

/** Compare-and-set of a scope's outstanding slots (and its blocked flag), against `scope` as read. */
export function casScope(
  state: StateContext,
  jobId: string,
  scope: Scope,
  change: { outstanding: number; block: boolean; finalized: boolean },
): TransactItem {
  return {
    kind: 'update',
    table: state.table,
    key: stateKeys.scope(jobId, scope.scopeId),
    update: {
      expression: 'SET outstanding = :next, blocked = :blocked, finalized = :finalized',
      values: {
        ':next': change.outstanding,
        ':blocked': scope.blocked || change.block,
        ':finalized': change.finalized,
      },
    },
    // The blocked flag too: a scope taken from a chain's ledger (chain-ledger.ts) may be
    // stale, and a block written since must never be undone.
    condition: {
      expression: `outstanding = :current AND finalized = :false AND ${
        scope.blocked ? 'blocked = :true' : '(attribute_not_exists(blocked) OR blocked = :false)'
      }`,
      values: {
        ':current': scope.outstanding,
        ':false': false,
        ...(scope.blocked ? { ':true': true } : {}),
      },
    },
  };
}
