// The event lethe publishes when it has re-discovered what a completed job erased:
// `DeletionVerified`. Once per job from the sweeper (`verifyAfterMinutes` after completion),
// and once more each time an operator runs `lethe verify`. `findings > 0` means under-deletion.
import * as z from 'zod';

/** The `detail-type` of the verification event. */
export const DELETION_VERIFIED = 'DeletionVerified';

const key = z.record(z.string(), z.union([z.string(), z.number()]));

const finding = z.discriminatedUnion('kind', [
  z.looseObject({
    kind: z.enum(['row', 'nulled']),
    relation: z.string(),
    path: z.string(),
    table: z.string(),
    key,
    attribute: z.string().optional(),
  }),
  z.looseObject({
    kind: z.literal('object'),
    relation: z.string(),
    path: z.string(),
    bucket: z.string(),
    key: z.string(),
  }),
]);

/**
 * `detail` of `DeletionVerified`.
 *
 * - `jobId`, `entity`, `id`, `tenantId?`: the job and the root it deleted.
 * - `verifiedAt`: ISO-8601 time the re-discovery finished.
 * - `findings`: how many rows and objects the job should have erased are still present
 *   (0: verified clean); `items`: the first 100 of them, with where they are (`table` + `key`,
 *   or `bucket` + `key`, the `relation` and the `path` from the root); `truncated` when more.
 * - `kept`: present but legitimately kept — `shared` (refcounted, still referenced), `ttl`
 *   (left to a lifecycle rule), `held` (under a legal hold), `blocked` (kept by restrict).
 * - `requests`: read requests the walk made; `trigger`: `sweeper` or `cli`.
 *
 * Unknown fields are kept (`z.looseObject`): later versions may add some.
 */
export const deletionVerifiedDetailSchema = z.looseObject({
  jobId: z.string().min(1),
  entity: z.string().min(1),
  id: z.string().min(1),
  tenantId: z.string().optional(),
  verifiedAt: z.string(),
  findings: z.number().int().min(0),
  items: z.array(finding),
  truncated: z.boolean(),
  kept: z.looseObject({
    shared: z.number().int().min(0),
    ttl: z.number().int().min(0),
    held: z.number().int().min(0),
    blocked: z.number().int().min(0),
  }),
  requests: z.number().int().min(0),
  trigger: z.enum(['sweeper', 'cli']),
});

/** A `DeletionVerified` detail. */
export type DeletionVerified = z.infer<typeof deletionVerifiedDetailSchema>;
