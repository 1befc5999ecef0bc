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
  /**
   * Pages of `pageSize` rows one `rows` unit takes when its rows locate no objects, read with
   * one Query: the unit's bookkeeping is paid once per this many pages. The unit's intent
   * holds every row key and its restore-log page every row (compressed; a larger page spills
   * to `restoreBucketName`), so keep pages × keys well inside a 400 KB item.
   */
  rowPagesPerUnit: z.number().int().min(1).max(4).default(2),
  /** Keys per object unit; DeleteObjects takes at most 1,000. */
  objectPageSize: z.number().int().min(1).max(1000).default(1000),
  /**
   * Pages of `objectPageSize` keys one prefix unit lists and deletes. A unit pins only the
   * key range it listed, plans the next unit before deleting, and the next unit lists while
   * this one deletes: bookkeeping is paid once per this many pages.
   */
  prefixPagesPerUnit: z.number().int().min(1).max(50).default(10),
  /**
   * Rows (whole number, 0–50; default 25) a leaf relation's last page, or an entity's own
   * rows at its finalize, may hold and still be deleted in the transaction that settles their
   * unit, with no intent pinned first. Only when the rows locate no objects other than
   * prefixes (each prefix's unit is planned in that same transaction), their restore log is
   * one item, and their Deletes plus prefix units fit 80 actions (`MAX_SPAWNS_PER_UNIT`;
   * TransactWriteItems takes 100); any other page pins (lib/engine/erase-in-settle.ts). Saves
   * a small job's rows units and its finalize each a pin transaction and a BatchWriteItem.
   * 0: every page pins an intent and batch-deletes. Env: `LETHE_ROWS_IN_SETTLE_MAX`.
   */
  rowsInSettleMax: z.number().int().min(0).max(50).default(25),
  /** BatchWriteItem calls in flight within one unit. */
  batchWriteConcurrency: z.number().int().min(1).max(64).default(8),
  /** DeleteObjects calls in flight within one unit. */
  deleteObjectsConcurrency: z.number().int().min(1).max(64).default(4),
  /**
   * Units a worker runs itself, one message's chain at most, right after the commit that
   * planned them, instead of sending them through the work queue (0: every unit goes through
   * the queue). Only rows, finalize and prefix units, only when a commit plans at most 4 of
   * them, and only in the first half of the invocation's time (and of the visibility timeout): a small job then takes one
   * queue round trip after ingest instead of four, while a big job's fan-out still spreads
   * over the queue. The planned unit items stay the outbox: if the worker dies, the sweeper
   * sends them after `resendAfterSeconds`, as for any lost message.
   */
  inlineUnitsPerMessage: z.number().int().min(0).max(50).default(8),
  /**
   * Milliseconds one worker process reuses its read of the legal holds: units checking within
   * this long of a read share it (lib/engine/holds-snapshot.ts). A hold placed elsewhere then
   * stops units that check up to this long after it; `0` reads the holds before every unit.
   */
  holdsMaxAgeMs: z.number().int().min(0).max(10_000).default(1000),
  /** Receives before a message moves to the dead-letter queue. */
  maxReceiveCount: z.number().int().min(1).max(1000).default(5),
  /** Seconds a received message stays invisible while a worker handles it. */
  visibilityTimeoutSeconds: z.number().int().min(1).max(43200).default(180),
  /** Sweeper: tombstones read per shard and run (the watermark batch). */
  sweepBatch: z.number().int().min(1).max(5000).default(500),
  /** Sweeper: items one run may read, all steps together; the rest waits for the next run. */
  sweepBudget: z.number().int().min(10).max(1_000_000).default(5000),
  /**
   * Seconds. Sweeper: a planned unit not settled after this long is sent again (lost message).
   * Also the window in which a redelivered parent's message re-sends a still-planned unit at
   * most once, however many copies of it arrive. Default 120.
   */
  resendAfterSeconds: z.number().int().min(0).default(120),
  /**
   * A unit waiting on its guards (a hold, retention, an archive copy, a predicate) is sent
   * again with this delay and checks once more; SQS delays a message 900 s at most.
   */
  guardRecheckSeconds: z.number().int().min(1).max(900).default(300),
  /** Sweeper: how many times one unit is sent again before only the stall alarm is left. */
  maxResends: z.number().int().min(0).max(100).default(3),
  /**
   * Sweeper: a tombstone sequence number taken but still unwritten this long after it was
   * taken (its writer died between taking it and committing) is voided, so the watermark can
   * pass it. Safe at any value: a writer that commits later finds its number voided and takes
   * another. Shorter makes a live writer retry more; longer holds the watermark back longer.
   */
  tombstoneGapGraceSeconds: z.number().int().min(0).max(86_400).default(60),
  /** Sweeper: an intent older than this is finished by running its unit. */
  intentRecoveryAfterSeconds: z.number().int().min(0).default(300),
  /** Sweeper: a running job without progress for this long is re-dispatched, then reported. */
  stallAfterSeconds: z.number().int().min(0).default(900),
  /** Sweeper: entities past their retention requested for deletion per run and entity. */
  retentionBatch: z.number().int().min(1).max(10_000).default(100),
  /**
   * Days a deletion may take when its entity sets no `deadlineDays`: 30, GDPR Art. 12(3)'s
   * one month read as its shortest. The sweeper raises `DeletionDeadlineAtRisk` at 80%.
   */
  defaultDeadlineDays: z.number().gt(0).max(3650).default(30),
  /**
   * Days a deletion can be undone (`lethe restore`): erased rows are kept in the restore log
   * this long, then expire by TTL. An entity may declare its own (`restoreWindowDays` in the
   * graph); `0` keeps nothing.
   */
  restoreWindowDays: z.number().int().min(0).max(3650).default(7),
  /**
   * A bucket lethe owns for restore-log pages too large for one state item (compressed, over
   * `restoreLogInlineBytes`). Without one, such a page is split into parts that each fit a
   * state item, in the pin transaction (up to 3 MB in all); only a page no split can fit (one
   * row alone too large, or over 3 MB) then fails its unit, retryably: configure the bucket.
   */
  restoreBucketName: z.string().min(3).max(63).optional(),
  /** Compressed restore-log pages larger than this go to `restoreBucketName` (or are split). */
  restoreLogInlineBytes: z.number().int().min(1024).max(350_000).default(300_000),
  /**
   * Sweeper: minutes after a job completed that it re-discovers what the job erased (`lethe
   * verify`), once per job, and records the outcome; 0 (the default) turns this off. While on,
   * a completed job is garbage-collected only once verified.
   */
  verifyAfterMinutes: z.number().int().min(0).max(525_600).default(0),
  /** Read requests per second a verification may make (DynamoDB and S3 together). */
  verifyRequestsPerSecond: z.number().int().min(1).max(10_000).default(50),
  /**
   * How long tombstones stay after their job is done with, refusing writes of their ids: at
   * least point-in-time recovery's 35 days, so `lethe replay` works after any PITR restore.
   */
  tombstoneRetentionDays: z.number().int().min(1).max(3650).default(35),
  /**
   * How long a job's signed receipt and its leaves are kept (days), counted from completion
   * (leaves: from the unit that wrote them). Independent of tombstone GC, which never touches them.
   */
  receiptRetentionDays: z.number().int().min(1).max(3650).default(400),
  /**
   * A bucket lethe owns for receipt leaves: a unit's leaves over `receiptLeavesInlineBytes`
   * (32 KB by default; a prefix unit's 10,000
   * keys make 320 KB) go there as one object, with a pointer and the object's SHA-256 in the
   * state table, instead of into state items (an S3 PUT instead of up to 384 WCU per unit).
   * Objects expire by the bucket's lifecycle rule, `receiptRetentionDays` + 1. Without one
   * (local stacks by default) every leaf stays in state items.
   */
  receiptLeavesBucketName: z.string().min(3).max(63).optional(),
  /** Leaves of one unit larger than this (bytes, 32 each) go to `receiptLeavesBucketName`. */
  receiptLeavesInlineBytes: z.number().int().min(0).max(384_000).default(32_768),
  /**
   * The KMS key (id, ARN or alias) that signs receipts; the construct sets it. Without it a
   * key pair kept in the state table signs (local stacks).
   */
  receiptKeyId: z.string().min(1).optional(),
});

/** Settings with every default filled in (see `settingsSchema` for units and defaults). */
export type Settings = z.output<typeof settingsSchema>;
/** Settings as a caller gives them: every field optional. */
export type SettingsInput = z.input<typeof settingsSchema>;

/** Validates settings and fills in defaults; throws `LetheError` `SETTINGS_INVALID` naming every problem. */
export function resolveSettings(input: SettingsInput = {}): Settings {
  const parsed = settingsSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new LetheError('SETTINGS_INVALID', `invalid settings: ${problems.join('; ')}`);
  }
  return parsed.data;
}
