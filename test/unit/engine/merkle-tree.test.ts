import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  inclusionPath,
  merkleRoot,
  packedMerkleRoot,
  rootFromPath,
} from '../../../lib/engine/merkle-tree.js';

const sha = (...parts: Uint8Array[]) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};
const leaf = (n: number) => sha(Buffer.from([0]), Buffer.from(`item ${n}`));
const node = (l: Uint8Array, r: Uint8Array) => sha(Buffer.from([1]), l, r);
const leaves = (n: number) => Array.from({ length: n }, (_, i) => leaf(i));

describe('merkleRoot (RFC 6962)', () => {
  it('is SHA-256 of nothing for no leaves, and the leaf itself for one', () => {
    expect(merkleRoot([]).toString('hex')).toBe(sha().toString('hex'));
    expect(merkleRoot([leaf(0)]).equals(leaf(0))).toBe(true);
  });

  it('hashes inner nodes with a 0x01 prefix and promotes an odd node instead of duplicating it', () => {
    const [a, b, c] = leaves(3) as [Buffer, Buffer, Buffer];
    expect(merkleRoot([a, b]).equals(node(a, b))).toBe(true);
    expect(merkleRoot([a, b, c]).equals(node(node(a, b), c))).toBe(true);
    expect(merkleRoot([a, b, c]).equals(merkleRoot([a, b, c, c]))).toBe(false);
  });

  it('splits at the largest power of two below the leaf count', () => {
    const l = leaves(5) as Buffer[];
    const [a, b, c, d, e] = l as [Buffer, Buffer, Buffer, Buffer, Buffer];
    expect(merkleRoot(l).equals(node(node(node(a, b), node(c, d)), e))).toBe(true);
  });
});

/** RFC 6962 §2.1 as written: split at the largest power of two below n, recursively. */
function rfc6962Root(l: readonly Buffer[]): Buffer {
  if (l.length === 0) return sha();
  if (l.length === 1) return l[0] as Buffer;
  let k = 1;
  while (k * 2 < l.length) k *= 2;
  return node(rfc6962Root(l.slice(0, k)), rfc6962Root(l.slice(k)));
}

describe('packedMerkleRoot', () => {
  it('gives the recursive definition’s root for every tree size from 0 to 70', () => {
    for (let size = 0; size <= 70; size++) {
      const l = leaves(size);
      expect(packedMerkleRoot(Buffer.concat(l)).toString('hex')).toBe(
        rfc6962Root(l).toString('hex'),
      );
    }
  });

  it('leaves the caller’s bytes as they were', () => {
    const packed = Buffer.concat(leaves(9));
    const copy = Buffer.from(packed);
    packedMerkleRoot(packed);
    expect(packed.equals(copy)).toBe(true);
  });
});

describe('inclusionPath and rootFromPath', () => {
  it('lead every leaf of trees of 1 to 33 leaves back to the root', () => {
    for (let size = 1; size <= 33; size++) {
      const l = leaves(size);
      const root = merkleRoot(l);
      for (let index = 0; index < size; index++) {
        const path = inclusionPath(l, index);
        expect(rootFromPath(l[index] as Buffer, index, size, path)?.equals(root)).toBe(true);
      }
    }
  });

  it('do not lead another leaf, index or tree size to the root', () => {
    const l = leaves(11);
    const root = merkleRoot(l);
    const path = inclusionPath(l, 6);
    expect(rootFromPath(leaf(99), 6, 11, path)?.equals(root) ?? false).toBe(false);
    expect(rootFromPath(l[6] as Buffer, 7, 11, path)?.equals(root) ?? false).toBe(false);
    expect(rootFromPath(l[6] as Buffer, 6, 7, path)?.equals(root) ?? false).toBe(false);
    expect(rootFromPath(l[6] as Buffer, 6, 11, path.slice(1))?.equals(root) ?? false).toBe(false);
    expect(rootFromPath(l[6] as Buffer, 11, 11, path)).toBeUndefined();
  });
});
