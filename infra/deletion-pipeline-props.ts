// The DeletionPipeline's props: what a platform engineer configures. Every prop but the graph
// and its module has a default (see secure-defaults.ts).
import type { Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Graph } from '../lib/graph/graph-types.js';

export interface AlarmThresholds {
  /**
   * The deletion SLA: alarm when the oldest tombstone not yet fully dispatched is older.
   * @default 3600
   */
  readonly oldestPendingTombstoneAgeSeconds?: number;
  /**
   * Alarm when a dead-letter queue holds at least this many messages.
   * @default 1
   */
  readonly dlqMessages?: number;
  /**
   * Alarm when a function reports at least this many errors in 5 minutes.
   * @default 1
   */
  readonly functionErrors?: number;
  /**
   * Alarm when the sweeper finds at least this many jobs past 80% of their deadline in 5
   * minutes (each job is counted once: its `DeletionDeadlineAtRisk` event names the hold or guard).
   * @default 1
   */
  readonly deadlinesAtRisk?: number;
}

export interface DeletionPipelineProps {
  /** The deletion graph, as `defineGraph` returns it. */
  readonly graph: Graph;
  /**
   * Absolute path of the TypeScript or JavaScript module that exports `graph` (see
   * `graphExport`). The functions are bundled from it, guard predicates included, so it must
   * export the very graph given as `graph`. The construct bundles and loads it while it is
   * built: a module that cannot be bundled or loaded, lacks the export, exports no valid
   * graph, or exports a graph other than `graph` (by fingerprint) is a `PipelinePropsError`
   * naming the module and every problem.
   */
  readonly graphModule: string;
  /**
   * Name of the graph's export in `graphModule`.
   * @default 'graph'
   */
  readonly graphExport?: string;
  /**
   * The graph's tables as constructs, by the key the graph declares them under (not the
   * physical name). Needed for tables whose streams feed lethe, or that use a customer KMS key.
   * @default - imported by the names the graph declares (`Table.fromTableName`)
   */
  readonly tables?: Readonly<Record<string, dynamodb.ITable>>;
  /**
   * The graph's buckets as constructs, by the key the graph declares them under.
   * @default - imported by the names the graph declares (`Bucket.fromBucketName`)
   */
  readonly buckets?: Readonly<Record<string, s3.IBucket>>;
  /**
   * The bus `EntityDeleted` events arrive on, and lethe's own events are published to.
   * @default - the account's default event bus
   */
  readonly eventBus?: events.IEventBus;
  /**
   * Accept `EntityDeleted` events only from these `source` values.
   * @default - any source
   */
  readonly eventSources?: readonly string[];
  /**
   * When the sweeper runs.
   * @default events.Schedule.rate(Duration.minutes(5))
   */
  readonly sweepSchedule?: events.Schedule;
  /**
   * Work queue records per worker invocation (1–10,000; above 10 needs `maxBatchingWindow`).
   * @default 10
   */
  readonly workerBatchSize?: number;
  /**
   * How long the worker's event source gathers records before invoking (at most 5 minutes).
   * @default - no batching window
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Most worker invocations in flight (the SQS event source's maximum concurrency, 2–1,000).
   * @default 10
   */
  readonly workerMaxConcurrency?: number;
  /**
   * Timeout of the worker, ingest and stream consumer functions (at most 15 minutes).
   * @default Duration.seconds(60)
   */
  readonly workerTimeout?: Duration;
  /**
   * Timeout of the sweeper (at most 15 minutes).
   * @default Duration.minutes(5)
   */
  readonly sweeperTimeout?: Duration;
  /**
   * The work queue's visibility timeout; at least 6 × `workerTimeout`, at most 12 hours.
   * @default 6 × workerTimeout
   */
  readonly visibilityTimeout?: Duration;
  /**
   * Memory of every function, in MB (128–10,240).
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Tombstone shards (1–256). Sequence numbers are per shard: do not change it once deployed.
   * @default 4
   */
  readonly shards?: number;
  /**
   * Rows per unit of work (one Query page, 1–1,000).
   * @default 500
   */
  readonly pageSize?: number;
  /**
   * Pages of 1,000 keys one prefix unit lists and deletes (1–50): bookkeeping is paid once per
   * this many pages, and the worker must finish them within its timeout.
   * @default 10
   */
  readonly prefixPagesPerUnit?: number;
  /**
   * Units a worker may run itself, one after the other, after the unit its queue message
   * carried (0–50): the rows, finalize and prefix units a commit just planned, at most 4 at
   * once, in the first half of the invocation's time. 0 sends every unit through the work
   * queue. A small deletion (a user with a few child rows and a prefix) then takes one queue
   * message after ingest instead of four.
   * @default 8
   */
  readonly inlineUnitsPerMessage?: number;
  /**
   * Rows (0–50) a leaf relation's last page, or an entity's own rows at its finalize, may
   * hold and still be deleted in the transaction that settles their unit, with no intent
   * pinned first — when those rows locate no objects but prefixes, their restore log is one
   * item and the settle fits one transaction (lib/engine/erase-in-settle.ts). A small
   * deletion then makes a pin transaction and a BatchWriteItem fewer per such unit. 0: every
   * page pins an intent and batch-deletes.
   * @default 25
   */
  readonly rowsInSettleMax?: number;
  /**
   * Milliseconds a worker reuses its read of the legal holds (0–10,000): the units it checks
   * within this long of one read share it. A hold then stops units that check up to this long
   * after it was placed; 0 reads the holds before every unit (one Query each).
   * @default 1000
   */
  readonly holdsMaxAgeMs?: number;
  /**
   * How long tombstones stay after their job, refusing writes of deleted ids (whole days, 1–3,650).
   * `lethe replay` after a backup restore needs every tombstone written since the backup, so
   * this may not be shorter than the point-in-time recovery of a table in `tables` (35 days)
   * or `backupRetention`: the construct refuses it.
   * @default Duration.days(35)
   */
  readonly tombstoneRetention?: Duration;
  /**
   * How long a deletion can be undone with `lethe restore` (whole days, 0–3,650; an entity may
   * set its own `restoreWindowDays` in the graph). Versioned buckets the stack owns get a
   * noncurrent-version expiration this long (the longest window); others get a synth warning.
   * @default Duration.days(7)
   */
  readonly restoreWindow?: Duration;
  /**
   * The longest time a backup of a graph table is kept where the construct cannot see it (AWS
   * Backup plans, on-demand backups): tombstones must be kept at least this long.
   * @default - only point-in-time recovery of `tables` is known
   */
  readonly backupRetention?: Duration;
  /**
   * The deadline of a deletion whose entity declares no `deadlineDays` (fractions of a day allowed).
   * @default Duration.days(30) — GDPR Art. 12(3)'s one month
   */
  readonly defaultDeadline?: Duration;
  /**
   * Receives before a work message moves to the dead-letter queue (1–1,000).
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * Minutes after a job completed that the sweeper re-discovers what it erased (`lethe
   * verify`), once per job, records `job.verification` and publishes `DeletionVerified`; a
   * finding raises the verification alarm. 0 turns it off. While on, a completed job is
   * garbage-collected only once verified.
   * @default 0 (off)
   */
  readonly verifyAfterMinutes?: number;
  /**
   * Read requests per second one verification may make (DynamoDB and S3 together).
   * @default 50
   */
  readonly verifyRequestsPerSecond?: number;
  /** @default - see AlarmThresholds */
  readonly alarmThresholds?: AlarmThresholds;
  /**
   * Actions every alarm triggers (an SNS topic, a pager).
   * @default - no actions: alarms show on the dashboard only
   */
  readonly alarmActions?: readonly cloudwatch.IAlarmAction[];
  /**
   * Root entities (without parents) whose table stream REMOVE records start deletions through
   * ingest; their INSERT/MODIFY records go to the stream consumer, which erases a row whose
   * tombstoned id is written again. Their tables must be given in `tables` with a stream.
   * @default - none
   */
  readonly rootStreams?: readonly string[];
  /**
   * Whether a REMOVE that DynamoDB's Time to Live makes on a `rootStreams` table starts a
   * deletion, like a writer's delete. Either way it is told apart: jobs it starts record
   * `requester: "dynamodb-ttl:<table>"`; with `false` ingest skips it (logged, no job).
   * @default true
   */
  readonly ttlRemovalsStartDeletions?: boolean;
  /**
   * Entities whose table stream INSERT/MODIFY records go to the stream consumer, which erases
   * rows written while their own id or their cascade parent is tombstoned (a child of a deleted
   * parent, or a deleted row written back). Any entity may be listed; `rootStreams` tables are
   * consumed anyway. Their tables must be given in `tables` with a stream.
   * @default - none
   */
  readonly childStreams?: readonly string[];
  /**
   * Customer managed key for the state table, the work queue and its dead-letter queue.
   * @default - AWS managed encryption (DynamoDB) and SQS managed encryption (queues)
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Retention of the functions' log groups.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Names this pipeline in logs and is the `service` dimension of its metrics and alarms.
   * @default - `<stack name>-<construct id>`
   */
  readonly serviceName?: string;
  /**
   * Directory esbuild bundles from; `graphModule` and lethe's handlers are resolved from it.
   * @default - the directory of the nearest lock file above the current working directory
   */
  readonly projectRoot?: string;
  /**
   * The lock file of `projectRoot`.
   * @default - the nearest package-lock.json, pnpm-lock.yaml, yarn.lock or bun.lock(b)
   */
  readonly depsLockFilePath?: string;
}
