// A prefix unit deletes one page (up to 1,000 keys) under a prefix an intent found, and plans
// the next page. Listed keys are checked against the graph's declared areas before deletion,
// and against holds on the owner (its rows are gone, but a hold placed since still counts)
// and the archive-copy guard: a page that must not go yet waits as a whole.
import { LetheError } from '../errors.js';
import { getEntity } from '../graph/graph-queries.js';
import { staticPrefix } from '../graph/key-template.js';
import { pinIntent } from '../model/intents.js';
import { scopeIdOf } from '../model/scopes.js';
import type { Unit } from '../model/units.js';
import { checkArchiveCopies, checkGuards } from './check-guards.js';
import { type EngineContext, reachCrashPoint } from './engine-context.js';
import { eraseObjects } from './erase-objects.js';
import { rootLabel } from './execute-finalize.js';
import type { UnitWork } from './unit-work.js';
import type { PrefixMessage } from './work-message.js';

export async function executePrefix(
  context: EngineContext,
  unit: Unit,
  message: PrefixMessage,
): Promise<UnitWork> {
  const entity = getEntity(context.graph, message.entity);
  const group = entity.objects[message.part];
  const target = unit.target;
  const bucket = group ? context.graph.buckets[group.bucket]?.name : undefined;
  if (
    group?.kind !== 'prefix' ||
    !target ||
    target.bucket !== bucket ||
    !target.prefix.startsWith(staticPrefix(group.template)) ||
    !target.prefix.endsWith('/')
  ) {
    throw new LetheError(
      'UNDECLARED_PREFIX',
      `prefix unit ${unit.unitId} does not match a declared prefix group`,
    );
  }
  const label = message.via ?? rootLabel(entity.name);
  const owner = `${entity.name}#${message.id}`;
  const intent = await pinIntent(context.state, unit.jobId, unit.unitId, async () => {
    const listed = await context.objects.listPage(
      target.bucket,
      target.prefix,
      message.token,
      context.settings.objectPageSize,
    );
    const objects = listed.keys
      .filter((key) => key.startsWith(target.prefix))
      .map((key) => ({ bucket: target.bucket, key, shared: group.shared, owner }));
    await checkGuards(context, unit, {
      entity,
      instances: [{ id: message.id, row: undefined }],
      // The owner's own scope (and tenant) when it cascaded; else its parent's.
      scope: scopeIdOf(entity.name, message.id),
      fallbackScope: unit.scope,
      checks: 'holds',
    });
    await checkArchiveCopies(context, entity, objects);
    return {
      entity: entity.name,
      relation: label,
      rowKeys: [],
      objects,
      prefixes: [],
      unknownManifests: [],
      ...(listed.nextToken ? { nextToken: listed.nextToken } : {}),
    };
  });
  const erased = await eraseObjects(context, entity, label, intent.objects);
  reachCrashPoint(context, 'after-objects', unit.unitId);
  const nextToken = intent.nextToken;

  return {
    counts: erased.counts,
    spawn: nextToken
      ? [
          {
            message: { ...message, page: message.page + 1, token: nextToken },
            scope: unit.scope,
            target,
          },
        ]
      : [],
    clearIntent: true,
    failures: erased.failures,
  };
}
