// The receipt's Merkle tree: RFC 6962 (Certificate Transparency, §2.1) over SHA-256, built
// with node:crypto. Chosen over a library because the rule is a published standard an
// auditor can re-implement in a few lines, and the npm trees we looked at either hash with
// keccak256 (@openzeppelin/merkle-tree) or, by default, duplicate an odd last node and sort
// sibling pairs (merkletreejs), which makes different leaf lists share a root.
//
// The rule:
// - leaves are given already hashed: SHA-256(0x00 || data) (see lib/model/leaves.ts), in
//   bytewise ascending order, duplicates kept;
// - an inner node is SHA-256(0x01 || left || right): the prefixes separate leaves from nodes,
//   so no inner node can pass for a leaf (second-preimage attack);
// - a list of n > 1 leaves splits at k, the largest power of two below n: the root is
//   node(root(first k), root(the rest)). An odd node is never duplicated, it is promoted;
// - the root of no leaves is SHA-256 of the empty string.
// An inclusion proof is RFC 6962's audit path: the sibling hashes from the leaf up.
import { createHash, hash } from 'node:crypto';
import { LEAF_BYTES } from '../model/leaves.js';

const EMPTY_ROOT = createHash('sha256').digest();

/** 0x01 || left || right, filled per node: `hash` is synchronous, so one buffer serves all. */
const nodeInput = Buffer.alloc(65);
nodeInput[0] = 1;

/** SHA-256(0x01 || left || right), one-shot: a root over 100,000 leaves hashes 99,999 nodes. */
function node(left: Uint8Array, right: Uint8Array): Buffer {
  nodeInput.set(left, 1);
  nodeInput.set(right, 33);
  return hash('sha256', nodeInput, 'buffer');
}

function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The Merkle tree hash of sorted leaf hashes (32 bytes each): `packedMerkleRoot` over them
 * laid end to end.
 */
export function merkleRoot(leaves: readonly Uint8Array[]): Buffer {
  return packedMerkleRoot(Buffer.concat(leaves));
}

/**
 * The Merkle tree hash of `packed`: leaf hashes laid end to end (32 bytes each, so
 * `packed.length` is a multiple of 32; a partial last hash is ignored). Computed level by
 * level, pairing neighbours and carrying an odd last node up unchanged, which gives RFC 6962's
 * recursive split at the largest power of two: the left subtree of every split is a complete
 * tree, so its pairs never straddle the split. One buffer per call, no object per node.
 */
export function packedMerkleRoot(packed: Uint8Array): Buffer {
  let n = Math.floor(packed.length / LEAF_BYTES);
  if (n === 0) return Buffer.from(EMPTY_ROOT);
  const level = Buffer.from(packed.subarray(0, n * LEAF_BYTES));
  while (n > 1) {
    const pairs = n >>> 1;
    for (let i = 0; i < pairs; i++) {
      level.copy(nodeInput, 1, i * 2 * LEAF_BYTES, (i + 1) * 2 * LEAF_BYTES);
      hash('sha256', nodeInput, 'buffer').copy(level, i * LEAF_BYTES);
    }
    if (n % 2 === 1) level.copy(level, pairs * LEAF_BYTES, (n - 1) * LEAF_BYTES, n * LEAF_BYTES);
    n = pairs + (n % 2);
  }
  return Buffer.from(level.subarray(0, LEAF_BYTES));
}

/** The audit path of leaf `index` (0-based): sibling hashes from the leaf up to the root. */
export function inclusionPath(leaves: readonly Uint8Array[], index: number): Buffer[] {
  if (index < 0 || index >= leaves.length) throw new RangeError(`no leaf ${index}`);
  return pathOf(Buffer.concat(leaves), index, 0, leaves.length);
}

function pathOf(packed: Buffer, m: number, start: number, end: number): Buffer[] {
  const n = end - start;
  if (n === 1) return [];
  const k = split(n);
  const subtree = (from: number, to: number) =>
    packedMerkleRoot(packed.subarray(from * LEAF_BYTES, to * LEAF_BYTES));
  return m < k
    ? [...pathOf(packed, m, start, start + k), subtree(start + k, end)]
    : [...pathOf(packed, m - k, start + k, end), subtree(start, start + k)];
}

/**
 * The root an audit path leads to from `leaf` at `index` in a tree of `size` leaves (RFC 9162
 * §2.1.3.2), or undefined when the path cannot belong to such a tree (wrong length).
 */
export function rootFromPath(
  leaf: Uint8Array,
  index: number,
  size: number,
  path: readonly Uint8Array[],
): Buffer | undefined {
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size) {
    return undefined;
  }
  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leaf);
  for (const p of path) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = node(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = node(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : undefined;
}
