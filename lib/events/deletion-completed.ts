// The event lethe publishes once per job when its last unit settles: `DeletionCompleted`.
// Consumers (audit, billing, the service that asked) validate it with this schema.
import * as z from 'zod';
import { COUNTER_KINDS } from '../model/counters.js';

/** The `detail-type` of the completion event. */
export const DELETION_COMPLETED = 'DeletionCompleted';

const counts = z.record(
  z.string(),
  z.partialRecord(z.enum(COUNTER_KINDS), z.number().int().min(0)),
);

/**
 * `detail` of `DeletionCompleted`.
 *
 * - `jobId`, `entity`, `id`: the job and the root it deleted; `tenantId`, `requestId` as
 *   requested (absent when the request had none).
 * - `outcome`: `deleted` (everything erased), `blocked` (a `restrict` relation stopped it) or
 *   `partial` (some units failed, objects could not be deleted or manifests not read).
 * - `counts`: per relation, per kind (`rowsDeleted`, `rowsNulled`, `objectsDeleted`,
 *   `objectsShared`, `objectsLeftToTtl`, `objectsFailed`, `manifestsUnreadable`, `blocked`,
 *   `failed`, `held`), each counted once.
 * - `totals`: the sums of `rowsDeleted`, `rowsNulled`, `objectsDeleted`, `blocked`, and
 *   `failedUnits`.
 * - `timings`: `requestedAt` and `completedAt` (ISO-8601), `durationMs` (milliseconds).
 *
 * Unknown fields are kept (`z.looseObject`): later versions may add some.
 */
export const deletionCompletedDetailSchema = z.looseObject({
  jobId: z.string().min(1),
  entity: z.string().min(1),
  id: z.string().min(1),
  tenantId: z.string().optional(),
  requestId: z.string().optional(),
  outcome: z.enum(['deleted', 'blocked', 'partial']),
  counts,
  totals: z.looseObject({
    rowsDeleted: z.number().int().min(0),
    rowsNulled: z.number().int().min(0),
    objectsDeleted: z.number().int().min(0),
    blocked: z.number().int().min(0),
    failedUnits: z.number().int().min(0),
  }),
  timings: z.looseObject({
    requestedAt: z.string(),
    completedAt: z.string(),
    durationMs: z.number().min(0),
  }),
});

/** A `DeletionCompleted` detail. */
export type DeletionCompleted = z.infer<typeof deletionCompletedDetailSchema>;
