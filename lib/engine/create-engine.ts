// The engine factory: wires the graph, settings and ports into the operations lethe offers.
// Give it AWS clients (real or pointed at emulators), or ports of your own for tests.
import type { AwsClients } from '../adapters/aws-clients.js';
import { createDynamoDbDocumentStore } from '../adapters/dynamodb-document-store.js';
import { createEventBridgeEventBus } from '../adapters/eventbridge-event-bus.js';
import { createKmsReceiptSigner } from '../adapters/kms-receipt-signer.js';
import { createS3ObjectStore } from '../adapters/s3-object-store.js';
import { createSqsWorkQueue } from '../adapters/sqs-work-queue.js';
import { getEntity } from '../graph/graph-queries.js';
import type { Graph } from '../graph/graph-types.js';
import { canonicalNumber } from '../graph/key-types.js';
import { isPaused, setPaused } from '../model/control.js';
import {
  type Hold,
  type HoldSelector,
  liftHold,
  listHolds,
  type PlaceHold,
  placeHold,
} from '../model/holds.js';
import { getJob, type Job } from '../model/jobs.js';
import { type Release, registerRef, releaseRef } from '../model/refs.js';
import { getTombstone, type TombstoneLookup } from '../model/tombstones.js';
import type { DocumentStore, Item } from '../ports/document-store.js';
import type { EventBus } from '../ports/event-bus.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { ReceiptSigner } from '../ports/receipt-signer.js';
import type { WorkQueue } from '../ports/work-queue.js';
import { resolveSettings, type Settings, type SettingsInput } from '../settings.js';
import { catchRowAfterTombstone, type RowAfterTombstone } from './catch-row-after-tombstone.js';
import { newChainLedger } from './chain-ledger.js';
import type { CrashPoint, EngineContext } from './engine-context.js';
import { eraseFindings, type FindingErasure } from './erase-findings.js';
import { guardedPut } from './guarded-put.js';
import { type HandleOutcome, handleWorkMessage } from './handle-work-message.js';
import { createHoldsSnapshot } from './holds-snapshot.js';
import { createLocalReceiptSigner } from './local-receipt-signer.js';
import { type DeletionPlan, planDeletion } from './plan-deletion.js';
import {
  type DeletionRequest,
  type DeletionRequested,
  requestDeletion,
} from './request-deletion.js';
import {
  type RestoreProgress,
  type RestoreReport,
  restoreDeletion,
  restoreProgress,
} from './restore-deletion.js';
import { type SweepOptions, type SweepReport, sweep } from './sweep/sweep.js';
import {
  type FindingOwner,
  type RecordedVerification,
  type VerifyOptions,
  verifyAndRecord,
} from './verify-deletion.js';

/**
 * What the engine is built from. Give `clients` (and `workQueueUrl`, `eventBusName`) and the
 * engine builds its ports on them; any port given explicitly (`documents`, `objects`, `queue`,
 * `events`) wins. `settings` default as `resolveSettings({})` says; `now` defaults to the clock.
 */
export interface EngineOptions {
  readonly graph: Graph;
  readonly settings?: SettingsInput | Settings;
  /** Builds the ports below from these; any port given explicitly wins. */
  readonly clients?: AwsClients;
  readonly workQueueUrl?: string;
  readonly eventBusName?: string;
  readonly documents?: DocumentStore;
  readonly objects?: ObjectStore;
  readonly queue?: WorkQueue;
  readonly events?: EventBus;
  readonly now?: () => Date;
  readonly crashPoint?: (point: CrashPoint, detail: string) => void;
  /**
   * Signs receipts. `null`: this engine writes no receipt (a function not granted the key).
   * @default a KMS signer when `settings.receiptKeyId` is set, else a key pair kept in the
   * state table (local stacks; see local-receipt-signer.ts)
   */
  readonly signer?: ReceiptSigner | null;
  /**
   * `false` stops receipt leaves being hashed and stored: the bench's baseline for their cost.
   * @internal
   * @default true
   */
  readonly receiptLeaves?: boolean;
}

/** The id a tombstone of this entity is keyed by: canonical for a Number id, else as given. */
function lookupId(graph: Graph, entity: string, id: string): string {
  const known = Object.hasOwn(graph.entities, entity) ? graph.entities[entity] : undefined;
  return known?.idType === 'number' ? (canonicalNumber(id.trim()) ?? id) : id;
}

/** A hold on a Number entity is keyed by its canonical id, as the guards look it up. */
function canonicalHold<T extends { entity?: string | undefined; id?: string | undefined }>(
  graph: Graph,
  selector: T,
): T {
  if (selector.entity === undefined || typeof selector.id !== 'string') return selector;
  return { ...selector, id: lookupId(graph, selector.entity, selector.id) };
}

/**
 * The operations lethe offers on one graph. Every method talks to the state table and the
 * ports; errors are `LetheError`s (`retryable` says whether trying again can help), except
 * SDK errors the adapters pass through.
 */
export interface Engine {
  readonly context: EngineContext;
  requestDeletion(request: DeletionRequest): Promise<DeletionRequested>;
  /**
   * Handles one work-queue message body, as the worker does. The units its commit plans may
   * run here at once, up to `settings.inlineUnitsPerMessage`, none starting after
   * `options.inlineUntil` (default: no limit) or half of `settings.visibilityTimeoutSeconds`
   * from now, whichever comes first.
   */
  handleMessage(body: string, options?: { inlineUntil?: Date }): Promise<HandleOutcome>;
  guardedPut(entity: string, item: Item): Promise<void>;
  getJob(jobId: string): Promise<Job | undefined>;
  getTombstone(entity: string, id: string): Promise<TombstoneLookup | undefined>;
  /** The dry run: what deleting the entity would do, per relation. Deletes nothing. */
  plan(entity: string, id: string): Promise<DeletionPlan>;
  /** One sweeper run (watermarks, recovery, retention, GC), bounded by the read budget. */
  sweep(options?: SweepOptions): Promise<SweepReport>;
  /** For entity-table streams: erases a row written while its id or cascade parent is tombstoned. */
  catchRowAfterTombstone(entity: string, item: Item): Promise<RowAfterTombstone>;
  pause(reason?: string): Promise<void>;
  resume(): Promise<void>;
  isPaused(): Promise<boolean>;
  registerRef(bucket: string, key: string, owner: string): Promise<void>;
  releaseRef(bucket: string, key: string, owner: string): Promise<Release>;
  /**
   * Places a legal hold on an entity instance (`entity`, `id`) or a tenant (`tenantId`): its
   * units wait (the job shows them as held) until the hold is lifted.
   */
  placeHold(hold: PlaceHold): Promise<Hold>;
  /** Lifts a hold; false when there was none. Held units go ahead at their next check. */
  liftHold(selector: HoldSelector): Promise<boolean>;
  listHolds(): Promise<Hold[]>;
  /**
   * Starts undoing a completed deletion inside its restore window (see restore-deletion.ts)
   * and returns once its first unit is on the work queue (`status: 'running'`; the workers
   * run the rest — watch it with `restoreProgress`); once finished, returns the same
   * `restored` report every time. With `dryRun`, reports what would come back and writes
   * nothing. Throws RestoreRefusedError. An engine with no worker on its queue can run a
   * restore in-process with `runRestoreInProcess` (tests).
   */
  restore(jobId: string, options?: { readonly dryRun?: boolean }): Promise<RestoreReport>;
  /** Where the restore of `jobId` stands (step i of n, units left, totals); undefined: none. */
  restoreProgress(jobId: string): Promise<RestoreProgress | undefined>;
  /**
   * Re-discovers what a completed job should have erased and is still present (reads only,
   * paced to `settings.verifyRequestsPerSecond`), records it as `job.verification` and
   * publishes `DeletionVerified`. Throws JobNotFoundError / JobNotCompletedError.
   */
  verify(
    jobId: string,
    options?: VerifyOptions & { once?: boolean },
  ): Promise<RecordedVerification>;
  /**
   * Erases what a verification found by deleting its owners again (`report.owners`): a
   * follow-up job per still-tombstoned owner, linked to the verified job. See erase-findings.ts.
   */
  eraseFindings(owners: readonly FindingOwner[]): Promise<FindingErasure[]>;
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`createEngine: give either clients or ${what}`);
  return value;
}

/**
 * Builds an engine for `options.graph`. Throws `LetheError` (`SETTINGS_INVALID`) on invalid
 * settings, and `Error` when neither `clients` nor the port a method needs was given.
 */
export function createEngine(options: EngineOptions): Engine {
  const settings = resolveSettings(options.settings ?? {});
  const { clients } = options;
  const docs =
    options.documents ??
    createDynamoDbDocumentStore(required(clients, 'documents'), {
      batchWriteConcurrency: settings.batchWriteConcurrency,
    });
  const objects =
    options.objects ??
    createS3ObjectStore(required(clients, 'objects'), {
      deleteConcurrency: settings.deleteObjectsConcurrency,
    });
  const queue =
    options.queue ??
    createSqsWorkQueue(required(clients, 'queue'), required(options.workQueueUrl, 'workQueueUrl'));
  const events =
    options.events ?? createEventBridgeEventBus(required(clients, 'events'), options.eventBusName);
  const state = { docs, table: settings.stateTableName, now: options.now ?? (() => new Date()) };
  const signer =
    options.signer === null
      ? undefined
      : (options.signer ??
        (settings.receiptKeyId === undefined
          ? createLocalReceiptSigner(state)
          : createKmsReceiptSigner({ keyId: settings.receiptKeyId })));
  const context: EngineContext = {
    graph: options.graph,
    settings,
    state,
    docs,
    objects,
    queue,
    events,
    crashPoint: options.crashPoint,
    signer,
    receiptLeaves: options.receiptLeaves,
    holds: createHoldsSnapshot(state, settings.holdsMaxAgeMs),
  };
  return {
    context,
    requestDeletion: (request) => requestDeletion(context, request),
    handleMessage: (body, handleOptions) =>
      handleWorkMessage(context, body, {
        inline: false,
        ledger: newChainLedger(),
        budget: {
          remaining: settings.inlineUnitsPerMessage,
          // Nothing starts inline after half the message's visibility timeout either: a
          // message still busy on its chain must not come back to another worker.
          untilMs: Math.min(
            handleOptions?.inlineUntil?.getTime() ?? Number.POSITIVE_INFINITY,
            Date.now() + (settings.visibilityTimeoutSeconds * 1000) / 2,
          ),
        },
      }),
    guardedPut: (entity, item) => guardedPut(context, entity, item),
    getJob: (jobId) => getJob(context.state, jobId),
    // Tombstones are keyed by canonical id: `007` finds the tombstone of Number id 7.
    getTombstone: (entity, id) =>
      getTombstone(context.state, entity, lookupId(options.graph, entity, id)),
    plan: (entity, id) => planDeletion(context, entity, id),
    sweep: (sweepOptions) => sweep(context, sweepOptions),
    catchRowAfterTombstone: (entity, item) => catchRowAfterTombstone(context, entity, item),
    pause: (reason) => setPaused(context.state, true, reason),
    resume: () => setPaused(context.state, false),
    isPaused: () => isPaused(context.state),
    registerRef: (bucket, key, owner) => registerRef(context.state, bucket, key, owner),
    releaseRef: (bucket, key, owner) => releaseRef(context.state, bucket, key, owner),
    placeHold: async (hold) => {
      // An entity the graph does not know would hold nothing: say so instead.
      if (hold.entity !== undefined) getEntity(context.graph, hold.entity);
      const placed = await placeHold(context.state, canonicalHold(options.graph, hold));
      context.holds?.forget();
      return placed;
    },
    liftHold: async (selector) => {
      const lifted = await liftHold(context.state, canonicalHold(options.graph, selector));
      context.holds?.forget();
      return lifted;
    },
    listHolds: () => listHolds(context.state),
    restore: (jobId, restoreOptions) => restoreDeletion(context, jobId, restoreOptions),
    restoreProgress: (jobId) => restoreProgress(context, jobId),
    verify: (jobId, verifyOptions) => verifyAndRecord(context, jobId, verifyOptions),
    eraseFindings: (owners) => eraseFindings(context, owners),
  };
}
