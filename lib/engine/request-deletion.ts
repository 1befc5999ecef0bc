// The front door: record that an entity was deleted and start its job. One transaction
// writes the shard's next sequence number, the tombstone, its lookup item, the job and the
// job's first unit (the outbox); the first message is sent after the commit. Asking again
// for the same entity returns the job that already exists.
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { LetheError } from '../errors.js';
import { getEntity } from '../graph/graph-queries.js';
import type { Entity } from '../graph/graph-types.js';
import { keyValueProblem, templateAttributes } from '../graph/key-template.js';
import { entityIdOf, entityKeyValue, InvalidKeyValueError } from '../graph/key-types.js';
import { countFollowUp, getJob, newJobItem } from '../model/jobs.js';
import { JOB_SCOPE } from '../model/scopes.js';
import { writeTombstone } from '../model/tombstones.js';
import { type PlannedUnit, putPlannedUnit } from '../model/units.js';
import { plainString } from '../plain-text.js';
import { deadlineDaysOf } from './deadline-of.js';
import { type EngineContext, reachCrashPoint } from './engine-context.js';
import { sendPlanned } from './handle-work-message.js';
import { type CascadeMessage, encodeWorkMessage, unitIdOf } from './work-message.js';

export const deletionRequestSchema = z.strictObject({
  entity: plainString(1, 128),
  id: plainString(1, 512),
  tenantId: plainString(1, 256).optional(),
  requestId: z.string().min(1).max(256).optional(),
  requester: z.string().min(1).max(256).optional(),
  /** The job this deletion finishes (a row written under what it deleted): counted on it. */
  followUpOf: z.string().min(1).max(256).optional(),
  /** Days the deletion may take: at most the entity's own deadline (shorter only). */
  deadlineDays: z.number().gt(0).max(3650).optional(),
});

/**
 * A request to delete `entity` `id` (strings; ids 1–512 characters of plain text), with an
 * optional `tenantId`, `requestId` (idempotency key), `requester` (who asked, for audit) and
 * `deadlineDays` (shorter than the entity's deadline only; a longer one is refused).
 */
export type DeletionRequest = z.input<typeof deletionRequestSchema>;

/** The job a request started (or the one already running for that entity and id). */
export interface DeletionRequested {
  readonly jobId: string;
  /** False when the entity was already tombstoned: the existing job is returned. */
  readonly created: boolean;
  readonly shard: number;
  readonly seq: number;
}

/** A request that breaks the request schema, or names an id the entity's key templates refuse. Code `INVALID_REQUEST`. */
export class InvalidRequestError extends LetheError {
  constructor(message: string) {
    super('INVALID_REQUEST', message);
    this.name = 'InvalidRequestError';
  }
}

/**
 * An id that the entity's own key templates would refuse (`/`, `..`, `*`, a character outside
 * the safe charset) can never have its objects deleted: refuse the request now, with the
 * reason, rather than tombstone it and fail a unit later. Ids that no template renders are
 * only ever matched exactly, so any plain text will do for them.
 */
function refuseUnrenderableId(entity: Entity, id: string): void {
  for (const group of entity.objects) {
    if (!templateAttributes(group.template).includes(entity.partitionKey)) continue;
    // The typed value, as a row would hold it: a Number id renders as a number does.
    const problem = keyValueProblem(entityKeyValue(entity, id));
    if (problem !== undefined) {
      throw new InvalidRequestError(
        `${entity.name} id cannot be deleted safely: unsafe value for {${entity.partitionKey}} in "${group.template}": ${problem}`,
      );
    }
  }
}

/**
 * The id in the form every later step uses: as given for a String key, canonical decimal text
 * for a Number key (`007` and `7` are one entity, with one tombstone and one job). An id its
 * key type cannot hold is refused before anything is written.
 */
function typedId(entity: Entity, id: string): string {
  try {
    const canonical = entityIdOf(entity, id);
    entityKeyValue(entity, canonical);
    return canonical;
  } catch (error) {
    if (!(error instanceof InvalidKeyValueError)) throw error;
    throw new InvalidRequestError(`invalid deletion request: ${error.message}`);
  }
}

export async function requestDeletion(
  context: EngineContext,
  input: DeletionRequest,
): Promise<DeletionRequested> {
  const parsed = deletionRequestSchema.safeParse(input);
  if (!parsed.success) {
    throw new InvalidRequestError(
      `invalid deletion request: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(request)'}: ${i.message}`).join('; ')}`,
    );
  }
  const request = parsed.data;
  const entity = getEntity(context.graph, request.entity);
  const id = typedId(entity, request.id);
  refuseUnrenderableId(entity, id);
  const deadlineDays = deadlineDaysOf(entity, context.settings, request.deadlineDays);
  const jobId = randomUUID();
  // Counted on the job it finishes, if that job is still kept.
  const followed =
    request.followUpOf !== undefined &&
    (await getJob(context.state, request.followUpOf)) !== undefined;
  const message: CascadeMessage = {
    v: 1,
    jobId,
    type: 'cascade',
    entity: entity.name,
    id,
  };
  const root: PlannedUnit = {
    unitId: unitIdOf(message),
    message,
    body: encodeWorkMessage(message),
    scope: JOB_SCOPE,
  };

  const result = await writeTombstone(context.state, {
    entity: entity.name,
    id,
    jobId,
    shards: context.settings.shards,
    root: true,
    expectNew: true,
    requester: request.requester,
    tenantId: request.tenantId,
    requestId: request.requestId,
    alsoWrite: ({ shard, seq }) => [
      {
        kind: 'put',
        table: context.state.table,
        item: newJobItem(
          {
            jobId,
            entity: entity.name,
            id,
            shard,
            seq,
            tenantId: request.tenantId,
            requestId: request.requestId,
            requester: request.requester,
            followUpOf: request.followUpOf,
            deadlineDays,
            planned: 1,
          },
          context.state.now(),
        ),
        condition: { expression: 'attribute_not_exists(pk)' },
      },
      putPlannedUnit(context.state, jobId, root),
      ...(followed && request.followUpOf !== undefined
        ? [countFollowUp(context.state, request.followUpOf, jobId)]
        : []),
    ],
  });
  if (!result.created) {
    return {
      jobId: result.existing.jobId,
      created: false,
      shard: result.existing.shard,
      seq: result.existing.seq,
    };
  }
  reachCrashPoint(context, 'after-tombstone', root.unitId);
  await sendPlanned(context, [root]);
  return { jobId, created: true, shard: result.shard, seq: result.seq };
}
