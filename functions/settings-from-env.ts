// The Lambda functions' configuration: environment variables set by the DeletionPipeline
// construct, validated once at cold start. The names live here so the construct and the
// handlers cannot drift apart.
import * as z from 'zod';
import { LetheError } from '../lib/errors.js';
import { resolveSettings, type Settings, type SettingsInput } from '../lib/settings.js';

/** Every environment variable the handlers read, by what it configures. */
export const LETHE_ENV = {
  stateTableName: 'LETHE_STATE_TABLE',
  workQueueUrl: 'LETHE_WORK_QUEUE_URL',
  eventBusName: 'LETHE_EVENT_BUS_NAME',
  shards: 'LETHE_SHARDS',
  pageSize: 'LETHE_PAGE_SIZE',
  objectPageSize: 'LETHE_OBJECT_PAGE_SIZE',
  prefixPagesPerUnit: 'LETHE_PREFIX_PAGES_PER_UNIT',
  inlineUnitsPerMessage: 'LETHE_INLINE_UNITS_PER_MESSAGE',
  rowsInSettleMax: 'LETHE_ROWS_IN_SETTLE_MAX',
  holdsMaxAgeMs: 'LETHE_HOLDS_MAX_AGE_MS',
  batchWriteConcurrency: 'LETHE_BATCH_WRITE_CONCURRENCY',
  deleteObjectsConcurrency: 'LETHE_DELETE_OBJECTS_CONCURRENCY',
  maxReceiveCount: 'LETHE_MAX_RECEIVE_COUNT',
  visibilityTimeoutSeconds: 'LETHE_VISIBILITY_TIMEOUT_SECONDS',
  tombstoneRetentionDays: 'LETHE_TOMBSTONE_RETENTION_DAYS',
  restoreWindowDays: 'LETHE_RESTORE_WINDOW_DAYS',
  restoreBucketName: 'LETHE_RESTORE_BUCKET',
  /** Minutes after completion the sweeper verifies a job; 0 or unset: off. */
  verifyAfterMinutes: 'LETHE_VERIFY_AFTER_MINUTES',
  verifyRequestsPerSecond: 'LETHE_VERIFY_REQUESTS_PER_SECOND',
  /** Days a deletion may take when its entity sets no `deadlineDays` (a decimal number). */
  defaultDeadlineDays: 'LETHE_DEFAULT_DEADLINE_DAYS',
  receiptRetentionDays: 'LETHE_RECEIPT_RETENTION_DAYS',
  receiptLeavesBucketName: 'LETHE_RECEIPT_LEAVES_BUCKET',
  /** The KMS key that signs receipts (set only on the function allowed to sign). */
  receiptKeyId: 'LETHE_RECEIPT_KEY_ID',
  /** Digest of the graph the construct computed permissions from; checked at cold start. */
  graphFingerprint: 'LETHE_GRAPH_FINGERPRINT',
  /** Comma-separated entities whose table streams feed this function (ingest, stream consumer). */
  streamEntities: 'LETHE_STREAM_ENTITIES',
  /** `start` or `ignore`: whether root-table REMOVE records made by DynamoDB TTL start deletions (ingest). */
  ttlRemovals: 'LETHE_TTL_REMOVALS',
} as const;

const integer = z
  .string()
  .trim()
  .regex(/^\d+$/, 'expected a whole number')
  .transform((value) => Number(value))
  .optional();
const decimal = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?$/, 'expected a number')
  .transform((value) => Number(value))
  .optional();
const text = z.string().trim().min(1);
const list = z.string().transform((value) =>
  value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== ''),
);

const environmentSchema = z.object({
  [LETHE_ENV.stateTableName]: text,
  // Not z.url(): emulator hosts such as `sqs.us-east-1.127.0.0.1` are no WHATWG URL.
  [LETHE_ENV.workQueueUrl]: z
    .string()
    .regex(/^https?:\/\/[^\s/]+\/\S+$/, 'expected an SQS queue URL'),
  [LETHE_ENV.eventBusName]: text.optional(),
  [LETHE_ENV.graphFingerprint]: z
    .string()
    .regex(/^[0-9a-f]{16}$/, 'expected 16 hex characters')
    .optional(),
  [LETHE_ENV.shards]: integer,
  [LETHE_ENV.pageSize]: integer,
  [LETHE_ENV.objectPageSize]: integer,
  [LETHE_ENV.prefixPagesPerUnit]: integer,
  [LETHE_ENV.inlineUnitsPerMessage]: integer,
  [LETHE_ENV.rowsInSettleMax]: integer,
  [LETHE_ENV.holdsMaxAgeMs]: integer,
  [LETHE_ENV.batchWriteConcurrency]: integer,
  [LETHE_ENV.deleteObjectsConcurrency]: integer,
  [LETHE_ENV.maxReceiveCount]: integer,
  [LETHE_ENV.visibilityTimeoutSeconds]: integer,
  [LETHE_ENV.tombstoneRetentionDays]: integer,
  [LETHE_ENV.restoreWindowDays]: integer,
  [LETHE_ENV.restoreBucketName]: text.optional(),
  [LETHE_ENV.verifyAfterMinutes]: integer,
  [LETHE_ENV.verifyRequestsPerSecond]: integer,
  [LETHE_ENV.defaultDeadlineDays]: decimal,
  [LETHE_ENV.receiptRetentionDays]: integer,
  [LETHE_ENV.receiptLeavesBucketName]: text.optional(),
  [LETHE_ENV.receiptKeyId]: text.optional(),
});

export interface FunctionSettings {
  readonly settings: Settings;
  readonly workQueueUrl: string;
  /** Undefined means the account's default bus. */
  readonly eventBusName: string | undefined;
  /** Undefined when the variable is not set (local runs): no check. */
  readonly graphFingerprint: string | undefined;
}

/** Parses the handlers' environment; throws LetheError `SETTINGS_INVALID` naming every bad variable. */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): FunctionSettings {
  // Empty strings are how CloudFormation spells "unset"; treat them so.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = environmentSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new LetheError(
      'SETTINGS_INVALID',
      `invalid function environment: ${problems.join('; ')}`,
    );
  }
  const vars = parsed.data;
  const input: SettingsInput = {
    stateTableName: vars[LETHE_ENV.stateTableName],
    shards: vars[LETHE_ENV.shards],
    pageSize: vars[LETHE_ENV.pageSize],
    objectPageSize: vars[LETHE_ENV.objectPageSize],
    prefixPagesPerUnit: vars[LETHE_ENV.prefixPagesPerUnit],
    inlineUnitsPerMessage: vars[LETHE_ENV.inlineUnitsPerMessage],
    rowsInSettleMax: vars[LETHE_ENV.rowsInSettleMax],
    holdsMaxAgeMs: vars[LETHE_ENV.holdsMaxAgeMs],
    batchWriteConcurrency: vars[LETHE_ENV.batchWriteConcurrency],
    deleteObjectsConcurrency: vars[LETHE_ENV.deleteObjectsConcurrency],
    maxReceiveCount: vars[LETHE_ENV.maxReceiveCount],
    visibilityTimeoutSeconds: vars[LETHE_ENV.visibilityTimeoutSeconds],
    tombstoneRetentionDays: vars[LETHE_ENV.tombstoneRetentionDays],
    restoreWindowDays: vars[LETHE_ENV.restoreWindowDays],
    restoreBucketName: vars[LETHE_ENV.restoreBucketName],
    verifyAfterMinutes: vars[LETHE_ENV.verifyAfterMinutes],
    verifyRequestsPerSecond: vars[LETHE_ENV.verifyRequestsPerSecond],
    defaultDeadlineDays: vars[LETHE_ENV.defaultDeadlineDays],
    receiptRetentionDays: vars[LETHE_ENV.receiptRetentionDays],
    receiptLeavesBucketName: vars[LETHE_ENV.receiptLeavesBucketName],
    receiptKeyId: vars[LETHE_ENV.receiptKeyId],
  };
  return {
    settings: resolveSettings(input),
    workQueueUrl: vars[LETHE_ENV.workQueueUrl],
    eventBusName: vars[LETHE_ENV.eventBusName],
    graphFingerprint: vars[LETHE_ENV.graphFingerprint],
  };
}

/**
 * Whether REMOVE records made by DynamoDB TTL start deletions, from `LETHE_TTL_REMOVALS`
 * (`start` or `ignore`). Unset means `start`; any other value throws `SETTINGS_INVALID`.
 */
export function ttlRemovalsFromEnv(env: NodeJS.ProcessEnv = process.env): 'start' | 'ignore' {
  const value = env[LETHE_ENV.ttlRemovals]?.trim() ?? '';
  if (value === '' || value === 'start') return 'start';
  if (value === 'ignore') return 'ignore';
  throw new LetheError(
    'SETTINGS_INVALID',
    `invalid function environment: ${LETHE_ENV.ttlRemovals}: expected "start" or "ignore", got ${JSON.stringify(value)}`,
  );
}

/**
 * The entities whose table streams feed this function, from `LETHE_STREAM_ENTITIES`.
 * Undefined when unset: every entity of the graph is a candidate.
 */
export function streamEntitiesFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): readonly string[] | undefined {
  const value = env[LETHE_ENV.streamEntities];
  return value === undefined || value.trim() === '' ? undefined : list.parse(value);
}
