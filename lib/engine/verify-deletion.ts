// Re-discovery: after a job completed, walk the graph again from its root the way the job
// did (walk-deletion.ts: queries by key and index, prefix listings, manifests, rendered
// templates; never a scan), reading only and at a paced rate, and report what is still there
// that the job should have erased. Besides the root, it starts from every entity the job
// cascaded (its scopes), so a row or object put back under a parent that is itself gone is
// found too. Shared objects still referenced, rows re-pointed elsewhere, objects left to a
// TTL, held items and entities kept by restrict are present legitimately: never findings.
import type { Entity } from '../graph/graph-types.js';
import { entityIdOf } from '../graph/key-types.js';
import { listHolds } from '../model/holds.js';
import { getJob, type Job } from '../model/jobs.js';
import { getRestoreRecord } from '../model/restores.js';
import { stateKeys } from '../model/state-keys.js';
import {
  JobNotCompletedError,
  JobNotFoundError,
  JobRestoredError,
  MAX_VERIFICATION_ITEMS,
  recordVerification,
  type Verification,
  type VerificationFinding,
} from '../model/verification.js';
import type { Item, Key } from '../ports/document-store.js';
import { type HoldSubject, matchingHold } from './check-guards.js';
import type { EngineContext } from './engine-context.js';
import { publishOutboxEvent } from './publish-completion.js';
import { createRequestPacer, readOnlyDocuments, readOnlyObjects } from './read-only-ports.js';
import { type WalkStart, type WalkStep, walkDeletion } from './walk-deletion.js';
import { attestVerification } from './write-receipt.js';

export interface VerifyOptions {
  /** Read requests per second; defaults to `settings.verifyRequestsPerSecond` (50). */
  readonly requestsPerSecond?: number;
  readonly trigger?: Verification['trigger'];
}

/**
 * An entity the job cascaded whose deletion, run again, erases findings: the last step of
 * their path (the parent whose relation reached a row or object, or the entity itself for
 * its own row and objects). Not recorded; `eraseFindings` starts a follow-up job for each.
 */
export interface FindingOwner {
  readonly entity: string;
  readonly id: string;
}

/** A verification and the job it verified. */
export interface VerificationReport {
  readonly job: Job;
  readonly verification: Verification;
  /** The entities whose deletion again erases every finding (all of them, not only `items`). */
  readonly owners: readonly FindingOwner[];
}

/**
 * Re-discovers what job `jobId` should have erased and is still present. Reads only.
 * Throws JobNotFoundError for an unknown job, JobNotCompletedError for one not completed and
 * JobRestoredError for one restored or being restored (its items are back on purpose);
 * errors of the stores pass through (nothing is recorded: run it again).
 */
export async function verifyDeletion(
  context: EngineContext,
  jobId: string,
  options: VerifyOptions = {},
): Promise<VerificationReport> {
  const job = await getJob(context.state, jobId);
  if (!job) throw new JobNotFoundError(jobId);
  if (job.status !== 'completed') throw new JobNotCompletedError(jobId, job.status);
  if (job.restoredAt !== undefined) throw new JobRestoredError(jobId, job.restoredAt);
  if ((await getRestoreRecord(context.state, jobId))?.status === 'running') {
    throw new JobRestoredError(jobId, undefined);
  }

  const pacer = createRequestPacer(
    options.requestsPerSecond ?? context.settings.verifyRequestsPerSecond,
  );
  const docs = readOnlyDocuments(context.docs, pacer);
  const reading: EngineContext = {
    ...context,
    docs,
    objects: readOnlyObjects(context.objects, pacer),
    state: { ...context.state, docs },
  };
  const holds = await listHolds(reading.state);
  const starts = await cascadedEntities(reading, jobId);

  const findings: VerificationFinding[] = [];
  let total = 0;
  const kept = { shared: 0, ttl: 0, held: 0, blocked: 0 };
  const heldBy = (path: readonly WalkStep[], own?: HoldSubject) =>
    holds.length > 0 && matchingHold(holds, subjectsOf(job, path, own)) !== undefined;
  const owners = new Map<string, FindingOwner>();
  // A finding's path gives both its text and its owner (the last step, which --erase deletes).
  const found = (finding: Unpathed<VerificationFinding>, path: readonly WalkStep[]) => {
    total++;
    if (findings.length < MAX_VERIFICATION_ITEMS)
      findings.push({ ...finding, path: pathText(path) });
    const owner = path[path.length - 1];
    if (owner) owners.set(JSON.stringify([owner.entity, owner.id]), owner);
  };

  await walkDeletion(
    reading,
    job.entity,
    job.id,
    {
      row(row) {
        const own = instanceOf(row.entity, row.row);
        if (heldBy(row.path, own)) {
          kept.held++;
          return;
        }
        found(
          {
            kind: row.action === 'null' ? 'nulled' : 'row',
            relation: row.label,
            table: row.table,
            key: row.key,
            ...(row.attribute === undefined ? {} : { attribute: row.attribute }),
          },
          row.path,
        );
      },
      object(object) {
        if (object.disposition === 'shared') kept.shared++;
        else if (object.disposition === 'ttl') kept.ttl++;
        else if (heldBy(object.path)) kept.held++;
        else
          found(
            {
              kind: 'object',
              relation: object.label,
              bucket: object.bucket,
              key: object.key,
            },
            object.path,
          );
      },
      blocked() {
        kept.blocked++;
      },
    },
    starts,
  );

  return {
    job,
    verification: {
      verifiedAt: context.state.now().toISOString(),
      findings: total,
      items: findings,
      truncated: total > findings.length,
      kept,
      requests: pacer.taken,
      trigger: options.trigger ?? 'cli',
    },
    owners: [...owners.values()].map(({ entity, id }) => ({ entity, id })),
  };
}

/** The entities the job cascaded (one scope each), where a deletion of them started. */
async function cascadedEntities(context: EngineContext, jobId: string): Promise<WalkStart[]> {
  const starts: WalkStart[] = [];
  let startKey: Key | undefined;
  do {
    const page = await context.docs.query({
      table: context.state.table,
      keyCondition: {
        expression: 'pk = :pk AND begins_with(sk, :scope)',
        values: { ':pk': stateKeys.jobPartition(jobId), ':scope': 'SCOPE#' },
      },
      startKey,
      consistent: true,
    });
    for (const scope of page.items) {
      // A scope kept by restrict kept its entity: the job did not erase it, nor should it have.
      if (scope.blocked === true || typeof scope.entity !== 'string') continue;
      starts.push({
        entity: scope.entity,
        id: String(scope.id),
        via: typeof scope.via === 'string' ? scope.via : undefined,
        locator: scope.locator as Record<string, unknown> | undefined,
      });
    }
    startKey = page.lastKey;
  } while (startKey);
  return starts;
}

function instanceOf(entity: Entity, row: Item): HoldSubject {
  const tenant = entity.tenantAttribute === undefined ? undefined : row[entity.tenantAttribute];
  return {
    entity: entity.name,
    id: entityIdOf(entity, row[entity.partitionKey]),
    ...(typeof tenant === 'string' ? { tenantId: tenant } : {}),
  };
}

/** A hold on any instance from the root down (holds reach down), or on the job's tenant. */
function subjectsOf(job: Job, path: readonly WalkStep[], own?: HoldSubject): HoldSubject[] {
  const subjects: HoldSubject[] = path.map((step) => ({
    entity: step.entity,
    id: step.id,
    ...(step.tenantId === undefined ? {} : { tenantId: step.tenantId }),
  }));
  if (own) subjects.push(own);
  if (job.tenantId !== undefined)
    subjects.push({ entity: job.entity, id: job.id, tenantId: job.tenantId });
  return subjects;
}

/** Each member of a finding union without its `path`, which `found` derives. */
type Unpathed<T> = T extends unknown ? Omit<T, 'path'> : never;

function pathText(path: readonly WalkStep[]): string {
  return path.map((step) => `${step.entity}:${step.id}`).join(' > ');
}

/** A verification, and whether this run recorded it on the job (and published its event). */
export interface RecordedVerification extends VerificationReport {
  readonly recorded: boolean;
}

/**
 * Verifies job `jobId`, records the outcome as `job.verification` and, when the engine may
 * sign, as a signed attestation on the job's receipt; publishes `DeletionVerified` (through
 * the outbox: a failed publish is retried by the sweeper).
 * `once`: record only if the job has none yet (the sweeper's exactly-once); otherwise the
 * latest replaces it. Throws as verifyDeletion does.
 */
export async function verifyAndRecord(
  context: EngineContext,
  jobId: string,
  options: VerifyOptions & { readonly once?: boolean } = {},
): Promise<RecordedVerification> {
  const report = await verifyDeletion(context, jobId, options);
  const attestation = await attestVerification(context, jobId, report.verification);
  const detail = await recordVerification(
    context.state,
    report.job,
    report.verification,
    options.once === true,
    attestation,
  );
  if (!detail) return { ...report, recorded: false };
  try {
    await publishOutboxEvent(context, jobId, 'DeletionVerified', detail);
  } catch {
    // Left in the outbox: the sweeper publishes it. The verification itself is recorded.
  }
  return { ...report, recorded: true };
}
