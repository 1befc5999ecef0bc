// The event lethe publishes when a running job makes no progress, even after the sweeper
// re-dispatched its planned units once: `DeletionStalled`. At most one per job.
import * as z from 'zod';

/** The `detail-type` of the stall event. */
export const DELETION_STALLED = 'DeletionStalled';

/**
 * `detail` of `DeletionStalled`.
 *
 * - `jobId`, `entity`, `id`: the stalled job and its root.
 * - `planned`, `settled`: unit counts when it was declared stalled.
 * - `idleSeconds`: seconds since its last progress; `lastProgressAt`: ISO-8601.
 *
 * Unknown fields are kept (`z.looseObject`): later versions may add some.
 */
export const deletionStalledDetailSchema = z.looseObject({
  jobId: z.string().min(1),
  entity: z.string().min(1),
  id: z.string().min(1),
  planned: z.number().int().min(0),
  settled: z.number().int().min(0),
  idleSeconds: z.number().min(0),
  lastProgressAt: z.string(),
});

/** A `DeletionStalled` detail. */
export type DeletionStalled = z.infer<typeof deletionStalledDetailSchema>;
