// Writes a completed job's signed receipt, once: the leaves every settled unit stored are read
// back, their sorted parts merged, and hashed into the Merkle root; the body is signed by the
// engine's receipt signer and stored with a summary on the job item, in one transaction
// conditional on no receipt existing yet. Runs before the DeletionCompleted event leaves the
// outbox, so a consumer of that event finds the receipt; a crash in between is retried with
// the event.
import { graphFingerprint } from '../graph/graph-fingerprint.js';
import { totalOf } from '../model/counters.js';
import { getJob, type Job } from '../model/jobs.js';
import { LEAF_BYTES } from '../model/leaves.js';
import {
  ATTESTATION_VERSION,
  type JobReceipt,
  RECEIPT_VERSION,
  type ReceiptBody,
  type ReceiptSignature,
  receiptKey,
  receiptSigningBytes,
  type SignedAttestation,
  type SignedReceipt,
  TREE_RULE,
  type VerificationAttestation,
} from '../model/receipts.js';
import type { StateContext } from '../model/state-context.js';
import { stateKeys, TTL_ATTRIBUTE } from '../model/state-keys.js';
import { transactIf } from '../model/update-if.js';
import type { Verification } from '../model/verification.js';
import type { TransactItem } from '../ports/document-store.js';
import type { ReceiptSigner } from '../ports/receipt-signer.js';
import type { EngineContext } from './engine-context.js';
import { readJobLeaves } from './leaf-store.js';
import { packedMerkleRoot } from './merkle-tree.js';

/** The stored receipt of a job, or undefined when it has none (yet, or any more). */
export async function getReceipt(
  state: StateContext,
  jobId: string,
): Promise<SignedReceipt | undefined> {
  const item = await state.docs.get(state.table, receiptKey(jobId), true);
  if (!item) return undefined;
  return {
    receipt: item.receipt,
    signature: item.signature,
    ...(item.verification === undefined ? {} : { verification: item.verification }),
  } as SignedReceipt;
}

/**
 * Signs the outcome of a re-discovery of job `jobId` as an attestation bound to its receipt
 * (`receiptRoot`). Undefined when the engine has no signer (a caller not allowed to sign, such
 * as an operator of a deployed pipeline) or the job has no receipt. Storing it is the caller's
 * (recordVerification, in the transaction that records the verification on the job).
 */
export async function attestVerification(
  context: EngineContext,
  jobId: string,
  verification: Verification,
): Promise<SignedAttestation | undefined> {
  const { state, signer } = context;
  if (!signer) return undefined;
  const stored = await getReceipt(state, jobId);
  if (!stored) return undefined;
  const attestation: VerificationAttestation = {
    type: 'verification',
    version: ATTESTATION_VERSION,
    jobId,
    receiptRoot: stored.receipt.root,
    verifiedAt: verification.verifiedAt,
    findings: verification.findings,
    kept: { ...verification.kept },
    requests: verification.requests,
    trigger: verification.trigger,
    signedAt: state.now().toISOString(),
  };
  return { attestation, signature: await signBody(signer, attestation) };
}

/** Signs a receipt body or an attestation over its canonical JSON (ECDSA P-256, DER, base64). */
async function signBody(
  signer: ReceiptSigner,
  body: ReceiptBody | VerificationAttestation,
): Promise<ReceiptSignature> {
  const value = Buffer.from(await signer.sign(receiptSigningBytes(body))).toString('base64');
  return { algorithm: 'ECDSA_SHA_256', keyId: await signer.keyId(), value };
}

/** A completed job's receipt, built and signed, with what storing it writes. */
export interface SealedReceipt {
  readonly signed: SignedReceipt;
  /** What the job item keeps of it (`job.receipt`). */
  readonly summary: JobReceipt;
  /** The put of the receipt item (no condition: the caller decides what guards it). */
  readonly put: TransactItem & { kind: 'put' };
}

/**
 * Builds and signs the receipt of `job`, a completed job (or one about to be: status
 * `completed`, its `outcome` and `completedAt` set), over the leaves its units stored, read
 * back and merged. Throws what the signer or the leaf store threw (`ReceiptLeavesError` for
 * leaves missing or altered).
 */
export async function sealReceipt(
  context: EngineContext,
  signer: ReceiptSigner,
  job: Job,
): Promise<SealedReceipt> {
  const { state } = context;
  const { jobId } = job;
  // A signed receipt never guesses its outcome: only a completed job's is known.
  if (job.outcome === undefined) throw new Error(`sealReceipt: job ${jobId} has no outcome yet`);
  const leaves = await readJobLeaves(context, jobId);
  const completedAt = job.completedAt ?? job.updatedAt;
  const body: ReceiptBody = {
    version: RECEIPT_VERSION,
    jobId,
    entity: job.entity,
    id: job.id,
    ...(job.tenantId === undefined ? {} : { tenantId: job.tenantId }),
    ...(job.requestId === undefined ? {} : { requestId: job.requestId }),
    ...(job.requester === undefined ? {} : { requester: job.requester }),
    ...(job.followUpOf === undefined ? {} : { followUpOf: job.followUpOf }),
    outcome: job.outcome,
    timings: {
      requestedAt: job.createdAt,
      completedAt,
      durationMs: Math.max(0, Date.parse(completedAt) - Date.parse(job.createdAt)),
    },
    graphFingerprint: graphFingerprint(context.graph),
    counts: job.counts,
    totals: {
      rowsDeleted: totalOf(job.counts, 'rowsDeleted'),
      rowsNulled: totalOf(job.counts, 'rowsNulled'),
      objectsDeleted: totalOf(job.counts, 'objectsDeleted'),
      objectsHidden: totalOf(job.counts, 'objectsHidden'),
    },
    leafCount: leaves.length / LEAF_BYTES,
    tree: TREE_RULE,
    root: packedMerkleRoot(leaves).toString('hex'),
    signedAt: state.now().toISOString(),
  };
  const signed: SignedReceipt = { receipt: body, signature: await signBody(signer, body) };
  const summary: JobReceipt = {
    root: body.root,
    leafCount: body.leafCount,
    keyId: signed.signature.keyId,
    signedAt: body.signedAt,
  };
  const expiresAt =
    Math.floor(Date.parse(completedAt) / 1000) + context.settings.receiptRetentionDays * 86_400;
  const put = {
    kind: 'put' as const,
    table: state.table,
    item: { ...receiptKey(jobId), type: 'receipt', jobId, ...signed, [TTL_ATTRIBUTE]: expiresAt },
  };
  return { signed, summary, put };
}

/**
 * Builds, signs and stores the receipt of a completed job that has none; returns the stored
 * one if it exists. The completion usually stores it itself (publish-completion.ts); this is
 * the path for a job completed without one (its signer failed then), when its event is
 * published from the outbox. Undefined when the job is not completed or the engine has no
 * signer (a function not allowed to sign). Signer errors propagate (retryable by the caller).
 * Two writers at once both sign; the conditional put keeps the first, and both return it.
 */
export async function writeReceipt(
  context: EngineContext,
  jobId: string,
): Promise<SignedReceipt | undefined> {
  const { state, signer } = context;
  if (!signer) return undefined;
  const existing = await getReceipt(state, jobId);
  if (existing) return existing;
  const job = await getJob(state, jobId);
  if (job?.status !== 'completed' || job.outcome === undefined) return undefined;
  const { signed, summary, put } = await sealReceipt(context, signer, job);
  const written = await transactIf(state.docs, [
    { ...put, condition: { expression: 'attribute_not_exists(pk)' } },
    {
      kind: 'update',
      table: state.table,
      key: stateKeys.job(jobId),
      update: { expression: 'SET receipt = :receipt', values: { ':receipt': summary } },
      condition: { expression: 'attribute_exists(pk)' },
    },
  ]);
  // A twin wrote it first (its signature differs: ECDSA is randomised); keep the stored one.
  return written ? signed : getReceipt(state, jobId);
}
