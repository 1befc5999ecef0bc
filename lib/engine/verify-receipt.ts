// Offline checks of a signed receipt and of an inclusion proof: node:crypto only, no AWS, no
// state table. What an auditor runs with the receipt, a proof and the public key.
import { createPublicKey, verify } from 'node:crypto';
import * as z from 'zod';
import { type Counts, totalOf } from '../model/counters.js';
import { type ErasedItem, leafHash } from '../model/leaves.js';
import { receiptSigningBytes, type SignedReceipt, signedReceiptSchema } from '../model/receipts.js';
import { rootFromPath } from './merkle-tree.js';

export interface ReceiptCheck {
  readonly ok: boolean;
  /** One line per problem found; empty when `ok`. */
  readonly problems: readonly string[];
  /** The receipt, when it parsed. */
  readonly receipt?: SignedReceipt | undefined;
}

// A hidden object (a delete marker in a versioned bucket) is erased from view by the job and
// for good when the restore window's lifecycle rule expires it: it has a leaf too.
const ERASING_KINDS = ['rowsDeleted', 'rowsNulled', 'objectsDeleted', 'objectsHidden'] as const;

/**
 * Checks a receipt (as parsed JSON) against a PEM public key: its shape, its signature over
 * the canonical body, and its internal consistency — totals equal the sums of the per-relation
 * counts, and the leaf count equals rows deleted + rows nulled + objects deleted + objects hidden (one leaf per
 * item the counts claim). A signed verification, when the receipt carries one, must be
 * signed by the same key, name this receipt's job and root, and come after completion.
 * Never throws on bad input: every problem is reported.
 */
export function verifyReceipt(input: unknown, publicKeyPem: string): ReceiptCheck {
  const parsed = signedReceiptSchema.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    };
  }
  const signed = parsed.data;
  const body = signed.receipt;
  const problems: string[] = signatureProblems(
    'signature',
    'the receipt',
    receiptSigningBytes(body),
    signed.signature.value,
    publicKeyPem,
  );
  const counts = body.counts as Counts;
  for (const kind of ERASING_KINDS) {
    const sum = totalOf(counts, kind);
    if (body.totals[kind] !== sum) {
      problems.push(`totals.${kind} is ${body.totals[kind]}, the counts add up to ${sum}`);
    }
  }
  const claimed = ERASING_KINDS.reduce((sum, kind) => sum + body.totals[kind], 0);
  if (body.leafCount !== claimed) {
    problems.push(
      `leafCount is ${body.leafCount}, but the counts claim ${claimed} erased items (one leaf each)`,
    );
  }
  const start = Date.parse(body.timings.requestedAt);
  const end = Date.parse(body.timings.completedAt);
  if (Number.isNaN(start) || Number.isNaN(end) || end < start) {
    problems.push('timings: completedAt is not a time after requestedAt');
  }
  if (signed.verification) problems.push(...attestationProblems(signed, publicKeyPem));
  return { ok: problems.length === 0, problems, receipt: signed };
}

/** `[]` when `signature` (DER, base64) is `publicKeyPem`'s over `bytes`, else one line. */
function signatureProblems(
  field: string,
  what: string,
  bytes: Buffer,
  signature: string,
  publicKeyPem: string,
): string[] {
  try {
    const ok = verify(
      'sha256',
      bytes,
      { key: createPublicKey(publicKeyPem), dsaEncoding: 'der' },
      Buffer.from(signature, 'base64'),
    );
    return ok ? [] : [`${field}: does not match ${what} and this public key`];
  } catch (error) {
    return [`${field}: cannot be checked (${(error as Error).message.split('\n')[0]})`];
  }
}

/** A verification attestation must be signed by the same key and name this receipt. */
function attestationProblems(signed: SignedReceipt, publicKeyPem: string): string[] {
  const attested = signed.verification;
  if (!attested) return [];
  const a = attested.attestation;
  const problems = signatureProblems(
    'verification.signature',
    'the verification',
    receiptSigningBytes(a),
    attested.signature.value,
    publicKeyPem,
  );
  if (a.jobId !== signed.receipt.jobId) {
    problems.push(`verification is of job ${a.jobId}, the receipt of ${signed.receipt.jobId}`);
  }
  if (a.receiptRoot !== signed.receipt.root) {
    problems.push("verification.receiptRoot is not the receipt's root");
  }
  if (!(Date.parse(a.verifiedAt) >= Date.parse(signed.receipt.timings.completedAt))) {
    problems.push('verification.verifiedAt is not a time after the job completed');
  }
  return problems;
}

/** The item a proof is about, as the auditor names it. */
export const provenItemSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('object'),
    bucket: z.string().min(1),
    key: z.string().min(1),
  }),
  z.object({
    kind: z.enum(['row', 'nulled']),
    table: z.string().min(1),
    key: z.record(z.string(), z.union([z.string(), z.number()])),
  }),
]);

export type ProvenItem = z.infer<typeof provenItemSchema>;

/** An inclusion proof: what `lethe prove --json` prints and `lethe prove verify` reads. */
export const inclusionProofSchema = z.object({
  version: z.literal(1),
  jobId: z.string().min(1),
  item: provenItemSchema,
  /** The item's leaf, hex: recomputed by the verifier, never trusted. */
  leaf: z.string().regex(/^[0-9a-f]{64}$/),
  leafIndex: z.number().int().min(0),
  treeSize: z.number().int().min(1),
  /** Sibling hashes from the leaf up (RFC 6962 audit path), hex. */
  path: z.array(z.string().regex(/^[0-9a-f]{64}$/)),
  root: z.string().regex(/^[0-9a-f]{64}$/),
});

export type InclusionProof = z.infer<typeof inclusionProofSchema>;

export function erasedItemOf(item: ProvenItem): ErasedItem {
  return item.kind === 'object'
    ? { kind: 'object', container: item.bucket, key: item.key }
    : { kind: item.kind, container: item.table, key: item.key };
}

/**
 * Checks an inclusion proof against a signed receipt (itself checked with `publicKeyPem`):
 * the leaf recomputed from the job id and the item, walked up the audit path, must give the
 * receipt's root, in a tree of the receipt's leaf count.
 */
export function verifyInclusion(
  receiptInput: unknown,
  proofInput: unknown,
  publicKeyPem: string,
): ReceiptCheck {
  const receiptCheck = verifyReceipt(receiptInput, publicKeyPem);
  const problems = receiptCheck.problems.map((p) => `receipt: ${p}`);
  const proof = inclusionProofSchema.safeParse(proofInput);
  if (!proof.success) {
    problems.push(...proof.error.issues.map((i) => `proof: ${i.path.join('.')}: ${i.message}`));
    return { ok: false, problems, receipt: receiptCheck.receipt };
  }
  const body = receiptCheck.receipt?.receipt;
  if (!body) return { ok: false, problems };
  const p = proof.data;
  if (p.jobId !== body.jobId)
    problems.push(`proof is for job ${p.jobId}, the receipt for ${body.jobId}`);
  if (p.treeSize !== body.leafCount) {
    problems.push(`proof is for a tree of ${p.treeSize} leaves, the receipt has ${body.leafCount}`);
  }
  const leaf = leafHash(body.jobId, erasedItemOf(p.item));
  const root = rootFromPath(
    leaf,
    p.leafIndex,
    body.leafCount,
    p.path.map((h) => Buffer.from(h, 'hex')),
  );
  if (root === undefined || root.toString('hex') !== body.root) {
    problems.push("proof: the item's leaf and this path do not lead to the receipt's root");
  }
  return { ok: problems.length === 0, problems, receipt: receiptCheck.receipt };
}
