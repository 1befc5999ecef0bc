// Issue 21: a chain of inline units takes its units and scopes from what its own commits
// wrote (lib/engine/chain-ledger.ts) instead of reading them back. What the chain knows may be
// stale — a unit outside the chain moved the scope — and then the commit must notice, read,
// and settle exactly as it would have with a read.
import { describe, expect, it } from 'vitest';
import { newChainLedger } from '../../../lib/engine/chain-ledger.js';
import { commitUnit } from '../../../lib/engine/commit-unit.js';
import { unitIdOf } from '../../../lib/engine/work-message.js';
import { settleOnJob } from '../../../lib/model/jobs.js';
import {
  getScope,
  JOB_SCOPE,
  putNewScope,
  type Scope,
  scopeIdOf,
} from '../../../lib/model/scopes.js';
import { stateKeys } from '../../../lib/model/state-keys.js';
import { getUnit, putPlannedUnit } from '../../../lib/model/units.js';
import { createPipelineHarness } from '../support/pipeline-harness.js';
import { alertRowsUnit } from './engine-test-support.js';

/** A project job with its scope open and one planned rows unit in it (`stored`: the scope). */
async function openScope(label: string, stored: { outstanding: number; blocked?: boolean }) {
  const pipeline = await createPipelineHarness(label);
  const { context } = pipeline.engine;
  const { state } = context;
  const { jobId } = await pipeline.engine.requestDeletion({ entity: 'project', id: 'p-1' });
  const scopeId = scopeIdOf('project', 'p-1');
  const rows = alertRowsUnit(jobId, 'p-1');
  const scope: Scope = {
    scopeId,
    entity: 'project',
    id: 'p-1',
    parent: JOB_SCOPE,
    outstanding: stored.outstanding,
    blocked: stored.blocked ?? false,
    finalized: false,
  };
  await state.docs.transact([
    putNewScope(state, jobId, scope),
    putPlannedUnit(state, jobId, rows),
    settleOnJob(state, jobId, { planned: 1, settled: 0, failed: 0, counts: {} }),
  ]);
  const unit = await getUnit(state, jobId, rows.unitId);
  if (!unit) throw new Error('the rows unit was not planned');
  return { pipeline, context, state, jobId, scope, unit };
}

const finalizeOf = (jobId: string) =>
  unitIdOf({ v: 1, jobId, type: 'finalize', entity: 'project', id: 'p-1' });

describe('Function: commitUnit with a chain ledger', () => {
  it('gives back the last slot of a scope it knows without reading it, and plans the finalize once', async () => {
    // Prepare: the ledger knows the scope exactly as stored (one slot: this unit's).
    const { context, state, jobId, scope, unit } = await openScope('ledger-exact', {
      outstanding: 1,
    });
    const ledger = newChainLedger();
    ledger.scopes.set(scope.scopeId, scope);

    // Act
    const result = await commitUnit(context, unit, { counts: {}, spawn: [] }, undefined, {
      ledger,
    });

    // Assess: the scope closed, its finalize planned, and the ledger holds both as written.
    expect(result).toMatchObject({ committed: true, scopeOpen: false });
    expect(result.spawned.map((s) => s.unitId)).toEqual([finalizeOf(jobId)]);
    const stored = await getScope(state, jobId, scope.scopeId);
    expect(stored).toMatchObject({ outstanding: 0, finalized: true });
    expect(ledger.scopes.get(scope.scopeId)).toEqual(stored);
    expect(ledger.units.get(finalizeOf(jobId))).toEqual(
      await getUnit(state, jobId, finalizeOf(jobId)),
    );
  });

  it('reads the scope when a unit outside the chain moved it since, and leaves it open', async () => {
    // Prepare: the ledger says one slot is left; a sibling the queue delivered took another.
    const { context, state, jobId, scope, unit } = await openScope('ledger-stale', {
      outstanding: 2,
    });
    const ledger = newChainLedger();
    ledger.scopes.set(scope.scopeId, { ...scope, outstanding: 1 });

    // Act
    const result = await commitUnit(context, unit, { counts: {}, spawn: [] }, undefined, {
      ledger,
    });

    // Assess: no finalize while the sibling's slot is out; the stale entry is gone.
    expect(result).toMatchObject({ committed: true, spawned: [] });
    expect(await getScope(state, jobId, scope.scopeId)).toMatchObject({
      outstanding: 1,
      finalized: false,
    });
    expect(await getUnit(state, jobId, finalizeOf(jobId))).toBeUndefined();
    expect(ledger.scopes.has(scope.scopeId)).toBe(false);
  });

  it('never undoes a block written since the chain last wrote the scope', async () => {
    // Prepare: stored blocked, with the slot count the ledger expects.
    const { context, state, jobId, scope, unit } = await openScope('ledger-blocked', {
      outstanding: 1,
      blocked: true,
    });
    const ledger = newChainLedger();
    ledger.scopes.set(scope.scopeId, { ...scope, blocked: false });

    // Act
    await commitUnit(context, unit, { counts: {}, spawn: [] }, undefined, { ledger });

    // Assess: the scope closed still blocked, so its finalize keeps the project's row.
    expect(await getScope(state, jobId, scope.scopeId)).toMatchObject({
      outstanding: 0,
      blocked: true,
      finalized: true,
    });
    expect(
      await state.docs.get(state.table, stateKeys.unit(jobId, finalizeOf(jobId))),
    ).toBeDefined();
  });
});
