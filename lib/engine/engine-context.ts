// Everything a unit of work needs, built once per process (per Lambda cold start).
import type { Graph } from '../graph/graph-types.js';
import type { Hold } from '../model/holds.js';
import { listHolds } from '../model/holds.js';
import type { StateContext } from '../model/state-context.js';
import type { DocumentStore } from '../ports/document-store.js';
import type { EventBus } from '../ports/event-bus.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { ReceiptSigner } from '../ports/receipt-signer.js';
import type { WorkQueue } from '../ports/work-queue.js';
import type { Settings } from '../settings.js';
import type { HoldsSnapshot } from './holds-snapshot.js';

/**
 * Named points where a test can make the process "crash" (throw), to prove that every
 * interruption converges. Production code passes nothing. `mid-watermark` is the sweeper's:
 * a shard's range is dispatched, its watermark not yet moved. `restore-…` are a restore's:
 * its tombstones lifted, nothing back yet; a log entry's items written, the entry not yet
 * marked restored; a step moved on, its units' messages not sent yet; the restore finished,
 * its event still in the outbox.
 */
export type CrashPoint =
  | 'after-tombstone'
  | 'after-intent'
  | 'after-rows'
  | 'after-objects'
  | 'after-commit'
  | 'mid-page'
  | 'mid-watermark'
  | 'restore-after-lift'
  | 'restore-mid-entry'
  | 'restore-after-advance'
  | 'restore-after-finish';

export interface EngineContext {
  readonly graph: Graph;
  readonly settings: Settings;
  readonly state: StateContext;
  readonly docs: DocumentStore;
  readonly objects: ObjectStore;
  readonly queue: WorkQueue;
  readonly events: EventBus;
  readonly crashPoint?: ((point: CrashPoint, detail: string) => void) | undefined;
  /** Signs receipts; absent in a process not allowed to sign (it then writes none). */
  readonly signer?: ReceiptSigner | undefined;
  /**
   * False: no receipt leaf is hashed, pinned or stored (receipts then have no leaves). Only
   * the bench's baseline for what receipts cost (issue 18); a pipeline always records them.
   * @internal
   */
  readonly receiptLeaves?: boolean | undefined;
  /** The process's shared read of the legal holds; absent: every check queries them. */
  readonly holds?: HoldsSnapshot | undefined;
}

/** The legal holds a unit checks: the process's snapshot when it has one, else a fresh read. */
export function readHolds(context: EngineContext): Promise<Hold[]> {
  return context.holds?.read() ?? listHolds(context.state);
}

/** Whether units hash and store the receipt leaves of what they erase (always, but in the bench). */
export function recordsReceiptLeaves(context: EngineContext): boolean {
  return context.receiptLeaves !== false;
}

/**
 * When receipt leaves written now expire (epoch seconds): a day past `receiptRetentionDays`,
 * so they outlive the receipt they prove, which expires that long after completion.
 */
export function leavesExpireAt(context: EngineContext): number {
  const now = Math.floor(context.state.now().getTime() / 1000);
  return now + (context.settings.receiptRetentionDays + 1) * 86_400;
}

export function reachCrashPoint(context: EngineContext, point: CrashPoint, detail: string): void {
  context.crashPoint?.(point, detail);
}
