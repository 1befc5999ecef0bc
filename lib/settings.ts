// Names and knobs shared by every part of lethe: where the state lives, how work is paged
// and how much runs at once. Validated once, at the boundary, with defaults filled in.
import * as z from 'zod';
import { LetheError } from './errors.js';

const nameCharacters = z
  .string()
  .min(1)
  .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, "_", "." and "-" only');
const name = nameCharacters.max(80);
// DynamoDB allows 255 characters (queues only 80): CloudFormation-generated table names
// (`<stack>-<logical id>-<suffix>`) often pass 80.
const tableName = nameCharacters.max(255);

export const settingsSchema = z.object({
  /** The single-table state store (tombstones, jobs, units, intents, holds…). */
  stateTableName: tableName.default('lethe-state'),
  workQueueName: name.default('lethe-work'),
  deadLetterQueueName: name.default('lethe-work-dlq'),
  /** Tombstone shards: sequence numbers are allocated per shard, in commit order. */
  shards: z.number().int().min(1).max(256).default(4),
  /** Rows per `rows` unit (one Query page). */
  pageSize: z.number().int().min(1).max(1000).default(500),
  /** Keys per object unit; DeleteObjects takes at most 1,000. */
  objectPageSize: z.number().int().min(1).max(1000).default(1000),
  /** BatchWriteItem calls in flight within one unit. */
  batchWriteConcurrency: z.number().int().min(1).max(64).default(8),
  /** DeleteObjects calls in flight within one unit. */
  deleteObjectsConcurrency: z.number().int().min(1).max(64).default(4),
  /** Receives before a message moves to the dead-letter queue. */
  maxReceiveCount: z.number().int().min(1).max(1000).default(5),
  /** Seconds a received message stays invisible while a worker handles it. */
  visibilityTimeoutSeconds: z.number().int().min(1).max(43200).default(180),
  /** How long tombstones stay after their job is done with, refusing writes of their ids. */
  tombstoneRetentionDays: z.number().int().min(1).max(3650).default(30),
});

export type Settings = z.output<typeof settingsSchema>;
export type SettingsInput = z.input<typeof settingsSchema>;

export function resolveSettings(input: SettingsInput = {}): Settings {
  const parsed = settingsSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new LetheError('SETTINGS_INVALID', `invalid settings: ${problems.join('; ')}`);
  }
  return parsed.data;
}
