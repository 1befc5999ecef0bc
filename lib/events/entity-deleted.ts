// The event upstream services send to start a deletion: EventBridge `EntityDeleted`. Its
// schema lives here, in the engine's public surface, so producers can validate what they send
// with the very schema ingest parses with.
import * as z from 'zod';
import { plainString } from '../plain-text.js';

/** The `detail-type` ingest listens for. */
export const ENTITY_DELETED = 'EntityDeleted';

/** The version of a request (`v` in `detail` or a queue body); requests without one are v1. */
export const REQUEST_VERSION = 1;

// Upstream ids are often numbers (and an entity keyed by a DynamoDB Number has numeric ids):
// accept integers JSON carries exactly. A larger one has already lost digits when the event
// was parsed, and deleting a neighbour's id is the worst outcome: such ids must come as strings.
const entityId = z.union([plainString(1, 512), z.int().transform(String)], {
  error: (issue) =>
    typeof issue.input === 'number'
      ? 'a numeric id must be an integer within ±(2^53 - 1); send larger or decimal ids as strings'
      : undefined,
});

/**
 * `detail` of an `EntityDeleted` event, and the body of a direct request on the work queue.
 *
 * - `entity`: an entity name the graph declares (1–128 characters of plain text).
 * - `id`: the deleted entity's id (1–512 characters, or a safe integer, read as its decimal
 *   string).
 * - `tenantId`: optional; holds placed on a tenant apply to it.
 * - `requestId`: optional idempotency key (≤ 256); the same request twice makes one job.
 *   Defaults to the EventBridge event id.
 * - `deletedAt`: optional ISO-8601 timestamp with offset; validated, not used (the engine
 *   stamps its own commit time).
 * - `v`: optional request version, `1`; any other value is refused.
 *
 * Parsing throws a `ZodError` on anything else; ingest turns that into an `InvalidEventError`.
 */
export const entityDeletedDetailSchema = z.object({
  v: z.literal(REQUEST_VERSION).optional(),
  entity: plainString(1, 128),
  id: entityId,
  tenantId: plainString(1, 256).optional(),
  requestId: z.string().min(1).max(256).optional(),
  deletedAt: z.iso.datetime({ offset: true }).optional(),
});

/**
 * The EventBridge envelope of `EntityDeleted`, as far as ingest reads it: `id` and `source`
 * (non-empty), `detail-type` exactly `EntityDeleted`, optional `time`, and `detail`.
 */
export const entityDeletedEventSchema = z.object({
  id: z.string().min(1),
  source: z.string().min(1),
  'detail-type': z.literal(ENTITY_DELETED),
  time: z.iso.datetime({ offset: true }).optional(),
  detail: entityDeletedDetailSchema,
});

/** A parsed `EntityDeleted` detail (`id` always a string). */
export type EntityDeletedDetail = z.infer<typeof entityDeletedDetailSchema>;
/** An `EntityDeleted` event as a producer writes it (`id` may be a number). */
export type EntityDeletedEvent = z.input<typeof entityDeletedEventSchema>;
