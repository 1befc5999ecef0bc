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

/** A signed receipt: what `lethe receipt <jobId> --json` prints and `receipt verify` reads. */
export const signedReceiptSchema = z.object({
  receipt: receiptBodySchema,
  signature: receiptSignatureSchema,
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

/** The bytes a receipt's signature covers: the canonical JSON of its body, UTF-8. */
export function receiptSigningBytes(body: ReceiptBody): Buffer {
  return Buffer.from(JSON.stringify(canonical(body)), 'utf8');
}

export const receiptKey = (jobId: string) => ({ pk: `RECEIPT#${jobId}`, sk: 'RECEIPT' });
