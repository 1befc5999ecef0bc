// A cascade unit plans the deletion of one entity instance: it checks `restrict` relations
// first (a child that this job does not delete blocks the entity and everything above it:
// restrict-check), then plans one rows unit
// per child relation inside the entity's own scope. With nothing to plan, it goes straight
// to the entity's finalize. Before planning anything it checks the entity's guards: a held
// or guarded entity waits with everything under it (an archive copy of its objects included).
// Its tenant is kept on its scope, so a tenant hold placed later still reaches the units
// beneath, and so are the values its key templates name, so a finalize that finds the row
// gone still locates its objects. An entity another job owns (its tombstone names that job)
// is not planned here: the unit defers to the owner.
import { LetheError } from '../errors.js';
import { getEntity } from '../graph/graph-queries.js';
import { addCount, type Counts } from '../model/counters.js';
import { getJob } from '../model/jobs.js';
import { scopeIdOf } from '../model/scopes.js';
import type { Unit } from '../model/units.js';
import { checkArchiveCopies, checkGuards, tenantOf } from './check-guards.js';
import { collectObjects } from './collect-objects.js';
import { deferToOwner } from './defer-to-owner.js';
import type { EngineContext } from './engine-context.js';
import { entityRows } from './entity-rows.js';
import { locatorOf } from './locate-entity.js';
import { restrictCheck } from './restrict-check.js';
import type { SpawnedUnit, UnitWork } from './unit-work.js';
import type { CascadeMessage } from './work-message.js';

export async function executeCascade(
  context: EngineContext,
  unit: Unit,
  message: CascadeMessage,
): Promise<UnitWork> {
  const entity = getEntity(context.graph, message.entity);
  if (message.owner !== undefined && message.owner !== message.jobId) {
    const deferred = await deferToOwner(context, unit, { ...message, owner: message.owner });
    if (deferred) return deferred;
  }
  const scopeId = scopeIdOf(entity.name, message.id);
  const [row] = await entityRows(context, entity, message.id, 1);
  await checkGuards(context, unit, {
    entity,
    instances: [{ id: message.id, row }],
    scope: unit.scope,
    checks: 'all',
  });
  // An archive copy is a guard on objects: checked before any child goes, or the children
  // would be erased while the entity itself must stay.
  if (row !== undefined && entity.guards.requireArchiveCopy !== undefined) {
    const rows =
      entity.sortKey === undefined ? [row] : await entityRows(context, entity, message.id);
    const collected = await collectObjects(context.graph, context.objects, entity, rows);
    await checkArchiveCopies(context, entity, collected.objects, collected.prefixes);
  }
  const counts: Counts = {};
  let blocked = false;
  const restricts = entity.children.filter((r) => r.onDelete === 'restrict');
  if (restricts.length > 0) {
    const job = await getJob(context.state, message.jobId);
    // A unit is planned only with its job: a missing job is state that was lost, not a race.
    if (!job) throw new LetheError('JOB_NOT_FOUND', `job ${message.jobId} has no job item`);
    const check = restrictCheck(context, { entity: job.entity, id: job.id, jobId: job.jobId });
    for (const relation of restricts) {
      if (await check.blocks(relation, message.id)) {
        blocked = true;
        addCount(counts, relation.name, 'blocked', 1);
      }
    }
  }
  const spawn: SpawnedUnit[] = blocked
    ? []
    : entity.children
        .filter((r) => r.onDelete === 'cascade' || r.onDelete === 'set-null')
        .map((relation) => ({
          message: {
            v: 1,
            jobId: message.jobId,
            type: 'rows',
            relation: relation.name,
            parentId: message.id,
            page: 0,
          },
          scope: scopeId,
        }));
  if (spawn.length === 0) {
    spawn.push({
      message: {
        v: 1,
        jobId: message.jobId,
        type: 'finalize',
        entity: entity.name,
        id: message.id,
        ...(message.via ? { via: message.via } : {}),
      },
      scope: unit.scope,
    });
  }
  return {
    counts,
    spawn,
    newScope: {
      scopeId,
      entity: entity.name,
      id: message.id,
      via: message.via,
      tenantId: tenantOf(entity, row),
      locator: locatorOf(entity, row),
      parent: unit.scope,
      blocked,
    },
  };
}
