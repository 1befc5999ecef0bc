// A job's verification: what re-discovery found still present after the job completed.
// Stored on the job item as `verification` (optional: older jobs, and jobs not verified
// yet, lack it), with its DeletionVerified event written as an outbox item in the same
// transaction, so the event leaves exactly once per recorded verification.
//
// Item  JOB#<jobId> / JOB   … verification?: { verifiedAt, findings, items, truncated, kept,
//                            requests, trigger }
// Item  JOB#<jobId> / EVENT#DeletionVerified   { detail, createdAt }   until published
import { ConditionFailedError, LetheError, TransactionCancelledError } from '../errors.js';
import type { Item, Key } from '../ports/document-store.js';
import { receiptKey, type SignedAttestation } from './receipts.js';
import type { StateContext } from './state-context.js';
import { stateIndex, stateKeys } from './state-keys.js';

/** At most this many findings are kept on the job item (and in the event); `findings` counts all. */
export const MAX_VERIFICATION_ITEMS = 100;

/**
 * One thing still present that the job should have erased.
 * - `row`: a row the job deletes, in `table` with primary `key`.
 * - `nulled`: a row whose `attribute` still names the deleted parent (set-null).
 * - `object`: an object at `bucket` / `key`.
 * `relation` is the relation it was reached by (or `root.<entity>`); `path` the cascaded
 * instances from the root down to it, as `entity:id` joined by ` > `.
 */
export type VerificationFinding =
  | {
      readonly kind: 'row' | 'nulled';
      readonly relation: string;
      readonly path: string;
      readonly table: string;
      readonly key: Key;
      readonly attribute?: string | undefined;
    }
  | {
      readonly kind: 'object';
      readonly relation: string;
      readonly path: string;
      readonly bucket: string;
      readonly key: string;
    };

/** What re-discovery found present but legitimately kept (never findings). */
export interface VerificationKept {
  /** Refcounted objects an owner outside the deletion still references. */
  readonly shared: number;
  /** Objects the graph leaves to a lifecycle TTL. */
  readonly ttl: number;
  /** Rows and objects under a legal hold now. */
  readonly held: number;
  /** Entities a restrict relation keeps (the job ended `blocked` for them). */
  readonly blocked: number;
}

/** `job.verification`: the outcome of the latest re-discovery recorded for a job. */
export interface Verification {
  /** ISO-8601 time the walk finished. */
  readonly verifiedAt: string;
  /** How many things the job should have erased are still present; 0 when verified clean. */
  readonly findings: number;
  /** The first `MAX_VERIFICATION_ITEMS` findings, with where they are. */
  readonly items: readonly VerificationFinding[];
  /** True when `findings` is more than `items` holds. */
  readonly truncated: boolean;
  readonly kept: VerificationKept;
  /** Read requests the walk made (Get, Query, BatchGet, List, Get/HeadObject). */
  readonly requests: number;
  /** Who ran it: the sweeper (`verifyAfterMinutes` after completion) or an operator (`cli`). */
  readonly trigger: 'sweeper' | 'cli';
}

/** The job is not there (never was, or expired after its retention). */
export class JobNotFoundError extends LetheError {
  constructor(jobId: string) {
    super('JOB_NOT_FOUND', `no job ${jobId}`);
    this.name = 'JobNotFoundError';
  }
}

/** Verification of a job still running: nothing can be said before it completed. */
export class JobNotCompletedError extends LetheError {
  constructor(jobId: string, status: string) {
    super(
      'JOB_NOT_COMPLETED',
      `job ${jobId} is ${status}, not completed: verify runs only after a job completed`,
    );
    this.name = 'JobNotCompletedError';
  }
}

/**
 * A job whose deletion was restored, or is being restored: its items are back on purpose, so
 * a re-discovery would report each of them as left behind. Its receipt still records what
 * was erased before the restore.
 */
export class JobRestoredError extends LetheError {
  constructor(jobId: string, restoredAt: string | undefined) {
    super(
      'JOB_RESTORED',
      restoredAt === undefined
        ? `job ${jobId} is being restored (lethe restore): its items come back on purpose, so there is nothing to re-discover`
        : `job ${jobId} was restored at ${restoredAt} (lethe restore): its items are back on purpose, so there is nothing to re-discover; its receipt still records what was erased before`,
    );
    this.name = 'JobRestoredError';
  }
}

export function verificationFromItem(item: Item): Verification | undefined {
  const value = item.verification;
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const kept = (v.kept ?? {}) as Record<string, unknown>;
  return {
    verifiedAt: String(v.verifiedAt),
    findings: Number(v.findings ?? 0),
    items: Array.isArray(v.items) ? (v.items as VerificationFinding[]) : [],
    truncated: v.truncated === true,
    kept: {
      shared: Number(kept.shared ?? 0),
      ttl: Number(kept.ttl ?? 0),
      held: Number(kept.held ?? 0),
      blocked: Number(kept.blocked ?? 0),
    },
    requests: Number(v.requests ?? 0),
    trigger: v.trigger === 'sweeper' ? 'sweeper' : 'cli',
  };
}

/**
 * Records `verification` on the completed job and writes its DeletionVerified event to the
 * outbox, in one transaction. `once`: only if the job has no verification yet (the sweeper:
 * exactly one per job however often it runs); otherwise the latest replaces what was there.
 * `attestation`, when given, is stored on the job's receipt item in the same transaction
 * (`verification` there), so the receipt and the job never disagree on the latest outcome.
 * Returns the event detail, or undefined when `once` and another run recorded first.
 */
export async function recordVerification(
  state: StateContext,
  job: { jobId: string; entity: string; id: string; tenantId?: string | undefined },
  verification: Verification,
  once: boolean,
  attestation?: SignedAttestation,
): Promise<Record<string, unknown> | undefined> {
  const now = state.now().toISOString();
  const detail = {
    jobId: job.jobId,
    entity: job.entity,
    id: job.id,
    ...(job.tenantId === undefined ? {} : { tenantId: job.tenantId }),
    ...verification,
  };
  try {
    await state.docs.transact([
      {
        kind: 'update',
        table: state.table,
        key: stateKeys.job(job.jobId),
        update: { expression: 'SET verification = :v', values: { ':v': verification } },
        condition: {
          expression: `attribute_exists(pk)${once ? ' AND attribute_not_exists(verification)' : ''}`,
        },
      },
      {
        kind: 'put',
        table: state.table,
        item: {
          ...stateKeys.outboxEvent(job.jobId, 'DeletionVerified'),
          type: 'outbox-event',
          detailType: 'DeletionVerified',
          detail,
          createdAt: now,
          jobId: job.jobId,
          gsi1pk: stateIndex.outbox(),
          gsi1sk: `${now}#${job.jobId}`,
        },
      },
      ...(attestation === undefined
        ? []
        : [
            {
              kind: 'update' as const,
              table: state.table,
              key: receiptKey(job.jobId),
              update: {
                expression: 'SET verification = :a',
                values: { ':a': attestation },
              },
              condition: { expression: 'attribute_exists(pk)' },
            },
          ]),
    ]);
    return detail;
  } catch (error) {
    if (error instanceof TransactionCancelledError && error.retryable) throw error;
    if (error instanceof TransactionCancelledError || error instanceof ConditionFailedError) {
      if (once) return undefined;
      throw new JobNotFoundError(job.jobId);
    }
    throw error;
  }
}
