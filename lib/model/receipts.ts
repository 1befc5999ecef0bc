// Receipts: what a completed job erased, as counts and a Merkle root over one leaf per erased
// item (lib/model/leaves.ts, lib/engine/merkle-tree.ts), signed by the receipt key.
//
// Item  RECEIPT#<jobId> / RECEIPT
//   { type: 'receipt', jobId, receipt: ReceiptBody, signature: ReceiptSignature, expiresAt }
// Outside the job's partition, so tombstone GC (which expires that partition) never touches it;
// it expires `receiptRetentionDays` after the job completed. The job item carries a summary,
// `receipt: { root, leafCount, keyId, signedAt }` (JobReceipt), while it exists.
//
// The signature covers the canonical JSON of the body: object keys sorted (UTF-16 order) at
// every depth, no whitespace, no undefined values. ECDSA P-256 over SHA-256, DER, base64.
import * as z from 'zod';
import { COUNTER_KINDS } from './counters.js';

export const RECEIPT_VERSION = 1;
/** How leaves and the tree are built; a verifier refuses a rule it does not know. */
export const TREE_RULE = 'rfc6962-sha256; leaves sorted bytewise; leaf lethe-leaf/1';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex characters');
const count = z.number().int().min(0);

export const receiptBodySchema = z.object({
  version: z.literal(RECEIPT_VERSION),
  jobId: z.string().min(1),
  entity: z.string().min(1),
  id: z.string().min(1),
  tenantId: z.string().optional(),
  requestId: z.string().optional(),
  requester: z.string().optional(),
  followUpOf: z.string().optional(),
  outcome: z.enum(['deleted', 'blocked', 'partial']),
  timings: z.object({
    requestedAt: z.string(),
    completedAt: z.string(),
    durationMs: count,
  }),
  graphFingerprint: z.string(),
  /** counts[relation][kind], as on the job. */
  counts: z.record(z.string(), z.partialRecord(z.enum(COUNTER_KINDS), count)),
  totals: z.object({
    rowsDeleted: count,
    rowsNulled: count,
    objectsDeleted: count,
    objectsHidden: count,
  }),
  leafCount: count,
  tree: z.literal(TREE_RULE),
  /** The Merkle root, lowercase hex. */
  root: hex64,
  signedAt: z.string(),
});

export type ReceiptBody = z.infer<typeof receiptBodySchema>;

export const receiptSignatureSchema = z.object({
  algorithm: z.literal('ECDSA_SHA_256'),
  keyId: z.string().min(1),
  /** DER-encoded ECDSA signature, base64. */
  value: z.string().min(1),
});

export type ReceiptSignature = z.infer<typeof receiptSignatureSchema>;

export const ATTESTATION_VERSION = 1;

/**
 * A verification attestation: the outcome of re-discovery (lib/engine/verify-deletion.ts) for
 * the job a receipt covers, signed by the same key after the fact. The receipt body itself is
 * signed once, at completion, and never changes; the attestation binds to it by `jobId` and
 * `receiptRoot`. It lives on the receipt item, so it is kept `receiptRetentionDays` like the
 * receipt, long after the job item (which also carries `verification`) is collected.
 */
export const verificationAttestationSchema = z.object({
  type: z.literal('verification'),
  version: z.literal(ATTESTATION_VERSION),
  jobId: z.string().min(1),
  /** The root of the receipt this verification is about, lowercase hex. */
  receiptRoot: hex64,
  /** ISO-8601 time the walk finished. */
  verifiedAt: z.string(),
  /** Items still present that the job should have erased; 0 when verified clean. */
  findings: count,
  /** Legitimately present (never findings): shared, TTL, held, kept by restrict. */
  kept: z.object({ shared: count, ttl: count, held: count, blocked: count }),
  /** Read requests the walk made. */
  requests: count,
  trigger: z.enum(['sweeper', 'cli']),
  signedAt: z.string(),
});

export type VerificationAttestation = z.infer<typeof verificationAttestationSchema>;

export const signedAttestationSchema = z.object({
  attestation: verificationAttestationSchema,
  signature: receiptSignatureSchema,
});

/** An attestation with its signature (over the attestation's canonical JSON, as a receipt's). */
export type SignedAttestation = z.infer<typeof signedAttestationSchema>;

/**
 * A signed receipt: what `lethe receipt <jobId> --json` prints and `receipt verify` reads.
 * `verification` is there once re-discovery ran with a signer (the sweeper's
 * `verifyAfterMinutes`, or `lethe verify` where the caller may sign); the latest one wins.
 */
export const signedReceiptSchema = z.object({
  receipt: receiptBodySchema,
  signature: receiptSignatureSchema,
  verification: signedAttestationSchema.optional(),
});

export type SignedReceipt = z.infer<typeof signedReceiptSchema>;

/** The receipt summary kept on the job item (`job.receipt`). */
export interface JobReceipt {
  readonly root: string;
  readonly leafCount: number;
  readonly keyId: string;
  readonly signedAt: string;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/**
 * The bytes a signature covers: the canonical JSON of a receipt body or an attestation, UTF-8.
 * The two cannot be mistaken for each other: only an attestation has `type`.
 */
export function receiptSigningBytes(body: ReceiptBody | VerificationAttestation): Buffer {
  return Buffer.from(JSON.stringify(canonical(body)), 'utf8');
}

export const receiptKey = (jobId: string) => ({ pk: `RECEIPT#${jobId}`, sk: 'RECEIPT' });
