import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  HASHES_PER_ITEM,
  leafHash,
  mergeSortedRuns,
  putSortedLeaves,
  sortHashes,
  unpackHashes,
} from '../../../lib/model/leaves.js';

const state = { docs: {} as never, table: 'state', now: () => new Date(0) };

describe('leafHash', () => {
  it('is SHA-256 over 0x00 and the documented JSON preimage', () => {
    const expected = createHash('sha256')
      .update(Buffer.from([0]))
      .update('["lethe-leaf/1","job-1","row","t-cards",[["cardId","S","c1"],["n","N","7"]]]')
      .digest('hex');
    const hash = leafHash('job-1', {
      kind: 'row',
      container: 't-cards',
      key: { n: 7, cardId: 'c1' },
    });
    expect(hash.toString('hex')).toBe(expected);
  });

  it('encodes a Number key canonically, and apart from the same digits as a String', () => {
    const row = (value: string | number) =>
      leafHash('j', { kind: 'row', container: 't', key: { id: value } }).toString('hex');
    expect(row(7.0)).toBe(row(7));
    expect(row(1e21)).toBe(
      leafHash('j', {
        kind: 'row',
        container: 't',
        key: { id: 1_000_000_000_000_000_000_000 },
      }).toString('hex'),
    );
    expect(row('7')).not.toBe(row(7));
  });

  it('tells kinds, containers and jobs apart', () => {
    const base = { kind: 'object', container: 'b', key: 'k' } as const;
    const hex = (jobId: string, item: Parameters<typeof leafHash>[1]) =>
      leafHash(jobId, item).toString('hex');
    expect(hex('j', base)).not.toBe(hex('j2', base));
    expect(hex('j', base)).not.toBe(hex('j', { ...base, container: 'c' }));
    expect(hex('j', { kind: 'row', container: 'b', key: { k: 'k' } })).not.toBe(
      hex('j', { kind: 'nulled', container: 'b', key: { k: 'k' } }),
    );
  });
});

describe('putSortedLeaves', () => {
  it('stores a unit’s sorted leaves in order, split under the 400 KB item limit', () => {
    const hashes = Array.from({ length: HASHES_PER_ITEM + 5 }, (_, i) =>
      leafHash('j', { kind: 'object', container: 'b', key: `k${i}` }),
    );
    const items = putSortedLeaves(state, 'j', 'u', sortHashes(hashes), 1);
    expect(items).toHaveLength(2);
    const stored = items.flatMap((item) =>
      item.kind === 'put' ? unpackHashes(item.item.hashes) : [],
    );
    expect(stored.map((h) => h.toString('hex'))).toEqual(
      [...hashes].sort(Buffer.compare).map((h) => h.toString('hex')),
    );
    for (const item of items) {
      if (item.kind === 'put')
        expect((item.item.hashes as Uint8Array).byteLength).toBeLessThan(400_000);
    }
    expect(putSortedLeaves(state, 'j', 'u', [], 1)).toEqual([]);
  });
});

describe('sortHashes', () => {
  it('orders hashes bytewise, as Buffer.compare does, for bytes above 0x7f too', () => {
    const hashes = [
      Buffer.from('ff00', 'hex'),
      Buffer.from('7f01', 'hex'),
      Buffer.from('80', 'hex'),
      Buffer.from('7f00', 'hex'),
      Buffer.from('00ff', 'hex'),
      new Uint8Array([0x7f, 0x00]),
      ...Array.from({ length: 500 }, (_, i) => createHash('sha256').update(`k${i}`).digest()),
    ];

    const sorted = sortHashes(hashes);

    expect(sorted.map((h) => h.toString('hex'))).toEqual(
      hashes
        .map((h) => Buffer.from(h))
        .sort(Buffer.compare)
        .map((h) => h.toString('hex')),
    );
  });
});

describe('sortHashes', () => {
  it('orders hashes that share their first four bytes by the bytes after them', () => {
    const hashes = [0xff, 0x80, 0x7f, 0x01, 0x00].map((last) =>
      Buffer.concat([Buffer.from('a1b2c3d4', 'hex'), Buffer.alloc(27), Buffer.from([last])]),
    );
    const around = [Buffer.alloc(32, 0xa1), Buffer.alloc(32, 0xa2), Buffer.from('a1b2c3', 'hex')];

    const sorted = sortHashes([...around, ...hashes]);

    expect(sorted.map((h) => h.toString('hex'))).toEqual(
      [...around, ...hashes].sort(Buffer.compare).map((h) => h.toString('hex')),
    );
  });
});

describe('mergeSortedRuns', () => {
  it('merges sorted runs into the order sorting them together gives, duplicates kept', () => {
    const hash = (text: string) => createHash('sha256').update(text).digest();
    // Runs of different lengths, one empty, a hash shared by two runs, and two hashes whose
    // first four bytes are equal (decided by the bytes after them).
    const shared = hash('shared');
    const twinA = Buffer.concat([Buffer.from('abcd'), Buffer.alloc(28, 1)]);
    const twinB = Buffer.concat([Buffer.from('abcd'), Buffer.alloc(28, 0)]);
    const runs = [
      [shared, twinA, ...Array.from({ length: 40 }, (_, i) => hash(`a${i}`))],
      [],
      [shared, twinB, ...Array.from({ length: 7 }, (_, i) => hash(`b${i}`))],
      Array.from({ length: 13 }, (_, i) => hash(`c${i}`)),
    ].map((run) => sortHashes(run));

    const merged = mergeSortedRuns(runs.map((run) => Buffer.concat(run)));

    expect(unpackHashes(merged).map((h) => h.toString('hex'))).toEqual(
      runs
        .flat()
        .sort(Buffer.compare)
        .map((h) => h.toString('hex')),
    );
  });

  it('agrees with sorting for many runs whose hashes often share their first four bytes', () => {
    const hash = (text: string) => createHash('sha256').update(text).digest();
    for (let trial = 0; trial < 20; trial++) {
      const runs = Array.from({ length: 1 + (trial % 9) }, (_, r) =>
        sortHashes(
          Array.from({ length: (trial * 37 + r * 11) % 200 }, (_, i) => {
            const h = hash(`${trial % 3}/${r % 2}/${i}`);
            if (i % 5 === 0) h.writeUInt32BE(0x12345678, 0);
            return h;
          }),
        ),
      );

      const merged = mergeSortedRuns(runs.map((run) => Buffer.concat(run)));

      expect(merged.equals(Buffer.concat(sortHashes(runs.flat())))).toBe(true);
    }
  });
});
