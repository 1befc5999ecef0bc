// `lethe`: the engine's public surface. Everything a platform engineer or an upstream writer
// uses from their own code is re-exported here; anything not listed is internal and may change.

// First: on an unsupported Node, one clear error before anything else loads.
import './require-supported-node.js';

export {
  type AwsClientOptions,
  type AwsClients,
  type AwsService,
  createAwsClients,
  destroyAwsClients,
} from './adapters/aws-clients.js';
export type { RowAfterTombstone } from './engine/catch-row-after-tombstone.js';
export { createEngine, type Engine, type EngineOptions } from './engine/create-engine.js';
export type { EngineContext } from './engine/engine-context.js';
export { guardedPut, TombstonedError } from './engine/guarded-put.js';
export type { HandleOutcome } from './engine/handle-work-message.js';
export type { DeletionPlan } from './engine/plan-deletion.js';
export {
  type DeletionRequest,
  type DeletionRequested,
  InvalidRequestError,
} from './engine/request-deletion.js';
export {
  type AwaitRestoreOptions,
  awaitRestore,
  type RestoreProgress,
  RestoreRefusedError,
  type RestoreReport,
} from './engine/restore-deletion.js';
export {
  type InProcessRestoreOptions,
  runRestoreInProcess,
} from './engine/run-restore-in-process.js';
export type { SweepOptions, SweepReport } from './engine/sweep/sweep.js';
export {
  ConditionFailedError,
  GraphValidationError,
  LetheError,
  type LetheErrorOptions,
  LocalStackError,
  PipelineSwitchError,
  TransactionCancelledError,
  UnsafeKeyValueError,
} from './errors.js';
export {
  DELETION_COMPLETED,
  type DeletionCompleted,
  deletionCompletedDetailSchema,
} from './events/deletion-completed.js';
export {
  DELETION_STALLED,
  type DeletionStalled,
  deletionStalledDetailSchema,
} from './events/deletion-stalled.js';
export {
  DELETION_VERIFIED,
  type DeletionVerified,
  deletionVerifiedDetailSchema,
} from './events/deletion-verified.js';
export {
  ENTITY_DELETED,
  type EntityDeletedDetail,
  type EntityDeletedEvent,
  entityDeletedDetailSchema,
  entityDeletedEventSchema,
  REQUEST_VERSION,
} from './events/entity-deleted.js';
export { defineGraph } from './graph/define-graph.js';
export type * from './graph/graph-types.js';
export { renderMermaid } from './graph/render-mermaid.js';
export { type Hold, type HoldSelector, InvalidHoldError, type PlaceHold } from './model/holds.js';
export type { Job, JobOutcome, JobStatus } from './model/jobs.js';
export type { Release } from './model/refs.js';
export type { TombstoneLookup } from './model/tombstones.js';
export type { Verification, VerificationFinding } from './model/verification.js';
export type { Item } from './ports/document-store.js';
export type { LetheEvent } from './ports/event-bus.js';
export { resolveSettings, type Settings, type SettingsInput } from './settings.js';
