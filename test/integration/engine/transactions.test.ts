// DynamoDB Local enforces "one operation per item in a transaction" as DynamoDB does: every
// transaction lethe builds is given repeated targets here and must still commit.
import { describe, expect, it } from 'vitest';
import { exampleGraphDefinition } from '../../../infra/example-graph.js';
import { commitUnit } from '../../../lib/engine/commit-unit.js';
import { TombstonedError } from '../../../lib/engine/guarded-put.js';
import { unitIdOf } from '../../../lib/engine/work-message.js';
import { defineGraph } from '../../../lib/graph/define-graph.js';
import { pinIntent } from '../../../lib/model/intents.js';
import { settleOnJob } from '../../../lib/model/jobs.js';
import { JOB_SCOPE, putNewScope, scopeIdOf } from '../../../lib/model/scopes.js';
import { stateKeys } from '../../../lib/model/state-keys.js';
import { writeTombstone } from '../../../lib/model/tombstones.js';
import { getUnit, putPlannedUnit } from '../../../lib/model/units.js';
import { createPipelineHarness } from '../support/pipeline-harness.js';
import { alertRowsUnit } from './engine-test-support.js';

/** Alerts point at their project twice (cascade and set-null) and at a parent alert. */
function twoParentsGraph(prefix: string) {
  const definition = exampleGraphDefinition({ prefix });
  return defineGraph({
    ...definition,
    tables: {
      ...definition.tables,
      alerts: {
        name: `${prefix}-alerts`,
        partitionKey: 'alertId',
        indexes: {
          byProject: { partitionKey: 'projectId' },
          bySourceProject: { partitionKey: 'sourceProjectId' },
          byParentAlert: { partitionKey: 'parentAlertId' },
        },
      },
    },
    entities: {
      ...definition.entities,
      alert: {
        table: 'alerts',
        parents: [
          { entity: 'project', attribute: 'projectId', index: 'byProject', onDelete: 'cascade' },
          {
            entity: 'project',
            attribute: 'sourceProjectId',
            index: 'bySourceProject',
            onDelete: 'set-null',
          },
          {
            entity: 'alert',
            attribute: 'parentAlertId',
            index: 'byParentAlert',
            onDelete: 'set-null',
          },
        ],
      },
    },
  });
}

describe('Transactions with repeated targets', () => {
  describe('Method: guardedPut', () => {
    it('writes a row whose two relations name the same parent, and refuses it once that parent is deleted', async () => {
      // Prepare
      const pipeline = await createPipelineHarness('txn-two', { graph: twoParentsGraph });
      const alerts = pipeline.graph.tables.alerts?.name ?? '';

      // Act
      await pipeline.engine.guardedPut('alert', {
        alertId: 'a1',
        projectId: 'p1',
        sourceProjectId: 'p1',
      });
      await pipeline.engine.requestDeletion({ entity: 'project', id: 'p1' });
      const refused = await pipeline.engine
        .guardedPut('alert', { alertId: 'a2', projectId: 'p1', sourceProjectId: 'p1' })
        .then(
          () => undefined,
          (error: unknown) => error,
        );

      // Assess
      expect(await pipeline.engine.context.docs.get(alerts, { alertId: 'a1' })).toMatchObject({
        projectId: 'p1',
        sourceProjectId: 'p1',
      });
      expect(refused).toBeInstanceOf(TombstonedError);
      expect(String(refused)).toMatch(/project "p1" is deleted/);
      expect(await pipeline.engine.context.docs.get(alerts, { alertId: 'a2' })).toBeUndefined();
    });

    it('writes a row that references itself, and refuses it once its own id is deleted', async () => {
      // Prepare
      const pipeline = await createPipelineHarness('txn-self', { graph: twoParentsGraph });
      const alerts = pipeline.graph.tables.alerts?.name ?? '';

      // Act
      await pipeline.engine.guardedPut('alert', { alertId: 'self', parentAlertId: 'self' });
      await pipeline.engine.requestDeletion({ entity: 'alert', id: 'gone' });
      const refused = await pipeline.engine
        .guardedPut('alert', { alertId: 'gone', parentAlertId: 'gone' })
        .then(
          () => undefined,
          (error: unknown) => error,
        );

      // Assess
      expect(await pipeline.engine.context.docs.get(alerts, { alertId: 'self' })).toBeDefined();
      expect(refused).toBeInstanceOf(TombstonedError);
      expect(String(refused)).toMatch(/alert "gone" is deleted/);
    });
  });

  describe('Function: writeTombstone (request deletion)', () => {
    it('commits the tombstone when the writes that go with it name its items again', async () => {
      // Prepare
      const pipeline = await createPipelineHarness('txn-tomb');
      const state = pipeline.engine.context.state;
      const lookup = stateKeys.tombstoneLookup('project', 'p-rep');

      // Act
      const result = await writeTombstone(state, {
        entity: 'project',
        id: 'p-rep',
        jobId: 'job-rep',
        shards: pipeline.settings.shards,
        root: true,
        alsoWrite: () => [
          {
            kind: 'check',
            table: state.table,
            key: lookup,
            condition: { expression: 'attribute_not_exists(pk)' },
          },
        ],
      });

      // Assess
      expect(result.created).toBe(true);
      expect(await pipeline.engine.getTombstone('project', 'p-rep')).toMatchObject({
        jobId: 'job-rep',
      });
    });
  });

  describe('Function: pinIntent', () => {
    it('pins when the items planned with the intent update the job twice and check the unit again', async () => {
      // Prepare
      const pipeline = await createPipelineHarness('txn-pin');
      const state = pipeline.engine.context.state;
      const { jobId } = await pipeline.engine.requestDeletion({ entity: 'project', id: 'p-pin' });
      const unitId = `cascade|project|p-pin`;

      // Act
      const pinned = await pinIntent(
        state,
        jobId,
        unitId,
        async () => ({
          entity: 'project',
          relation: 'root.project',
          rowKeys: [],
          objects: [],
          prefixes: [],
          unknownManifests: [],
        }),
        () => [
          settleOnJob(state, jobId, { planned: 1, settled: 0, failed: 0, counts: {} }),
          settleOnJob(state, jobId, { planned: 2, settled: 0, failed: 0, counts: {} }),
          {
            kind: 'check',
            table: state.table,
            key: stateKeys.unit(jobId, unitId),
            condition: { expression: 'attribute_exists(pk)' },
          },
        ],
      );

      // Assess
      expect(pinned.pinnedHere).toBe(true);
      expect((await pipeline.engine.getJob(jobId))?.planned).toBe(1 + 1 + 2);
    });
  });

  describe('Function: commitUnit', () => {
    it('plans a finalize once when the unit spawns it and its scope reaching zero plans it too', async () => {
      // Prepare
      const pipeline = await createPipelineHarness('txn-commit');
      const { context } = pipeline.engine;
      const { state } = context;
      const { jobId } = await pipeline.engine.requestDeletion({ entity: 'project', id: 'p-fin' });
      const scopeId = scopeIdOf('project', 'p-fin');
      const rows = alertRowsUnit(jobId, 'p-fin');
      await state.docs.transact([
        putNewScope(state, jobId, {
          scopeId,
          entity: 'project',
          id: 'p-fin',
          parent: JOB_SCOPE,
          outstanding: 1,
          blocked: false,
          finalized: false,
        }),
        putPlannedUnit(state, jobId, rows),
        settleOnJob(state, jobId, { planned: 1, settled: 0, failed: 0, counts: {} }),
      ]);
      const unit = await getUnit(state, jobId, rows.unitId);
      const finalize = {
        message: {
          v: 1,
          jobId,
          type: 'finalize',
          entity: 'project',
          id: 'p-fin',
        } as const,
        scope: JOB_SCOPE,
      };

      // Act
      const result = await commitUnit(context, unit ?? ({} as never), {
        counts: {},
        spawn: [finalize],
      });

      // Assess
      expect(result.committed).toBe(true);
      expect(result.spawned.map((s) => s.unitId)).toEqual([unitIdOf(finalize.message)]);
      const job = await pipeline.engine.getJob(jobId);
      expect(job).toMatchObject({ planned: 3, settled: 1 });
      expect(await getUnit(state, jobId, unitIdOf(finalize.message))).toMatchObject({
        status: 'planned',
      });
    });
  });
});
