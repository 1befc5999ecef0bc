// Inclusion proofs: the audit path from one erased item's leaf to its job's signed root, built
// from the leaves the job's units stored. The item is named by the caller; lethe stores only
// hashes, so a proof exists exactly when the caller names an item the job erased.
import { compareHashes, leafHash } from '../model/leaves.js';
import type { EngineContext } from './engine-context.js';
import { readJobLeafList } from './leaf-store.js';
import { inclusionPath, merkleRoot } from './merkle-tree.js';
import { erasedItemOf, type InclusionProof, type ProvenItem } from './verify-receipt.js';
import { getReceipt } from './write-receipt.js';

export type ProveResult =
  | { readonly found: true; readonly proof: InclusionProof }
  | { readonly found: false; readonly reason: string };

/** The proof that `item` is among what job `jobId` erased, or why there is none. */
export async function proveItem(
  context: EngineContext,
  jobId: string,
  item: ProvenItem,
): Promise<ProveResult> {
  const signed = await getReceipt(context.state, jobId);
  if (!signed) return { found: false, reason: `job ${jobId} has no receipt (yet)` };
  const leaves = await readJobLeafList(context, jobId);
  const root = merkleRoot(leaves).toString('hex');
  if (leaves.length !== signed.receipt.leafCount || root !== signed.receipt.root) {
    return {
      found: false,
      reason: `the stored leaves of job ${jobId} no longer give its signed root (expired or altered)`,
    };
  }
  const leaf = leafHash(jobId, erasedItemOf(item));
  const index = leaves.findIndex((candidate) => compareHashes(candidate, leaf) === 0);
  if (index < 0)
    return {
      found: false,
      reason: `the item is not in the receipt${otherKind(jobId, item, leaves)}`,
    };
  return {
    found: true,
    proof: {
      version: 1,
      jobId,
      item,
      leaf: leaf.toString('hex'),
      leafIndex: index,
      treeSize: leaves.length,
      path: inclusionPath(leaves, index).map((h) => h.toString('hex')),
      root,
    },
  };
}

/**
 * For a row not among the leaves as asked: whether it is there as the other kind (a set-null
 * row asked as deleted, or the reverse), as a hint after the answer. Empty otherwise.
 */
function otherKind(jobId: string, item: ProvenItem, leaves: readonly Buffer[]): string {
  if (item.kind === 'object') return '';
  const other = item.kind === 'row' ? 'nulled' : 'row';
  const leaf = leafHash(jobId, erasedItemOf({ ...item, kind: other }));
  if (!leaves.some((candidate) => compareHashes(candidate, leaf) === 0)) return '';
  return other === 'nulled'
    ? ' as a deleted row; it is there as a nulled row (its pointer was cleared): prove it with --nulled'
    : ' as a nulled row; it is there as a deleted row: prove it with --row';
}
