import { describe, expect, it } from 'vitest';
import { compareKeys, listRemaining, listSegment } from '../../../lib/engine/list-key-range.js';
import type { ObjectStore } from '../../../lib/ports/object-store.js';

/** A bucket in memory that lists the way S3 does: UTF-8 byte order, `StartAfter`, `MaxKeys`. */
function bucketOf(keys: string[]): ObjectStore & { lists: number } {
  const sorted = [...keys].sort(compareKeys);
  const store = {
    lists: 0,
    async listAfter(_bucket: string, prefix: string, after: string | undefined, maxKeys = 1000) {
      store.lists++;
      const matching = sorted.filter(
        (k) => k.startsWith(prefix) && (after === undefined || compareKeys(k, after) > 0),
      );
      return { keys: matching.slice(0, maxKeys), truncated: matching.length > maxKeys };
    },
    listPage: () => Promise.reject(new Error('not used')),
    getText: () => Promise.reject(new Error('not used')),
    exists: () => Promise.reject(new Error('not used')),
    existing: () => Promise.reject(new Error('not used')),
    deleteKeys: () => Promise.reject(new Error('not used')),
    deleteVersions: () => Promise.reject(new Error('not used')),
    putBytes: () => Promise.reject(new Error('not used')),
    getBytes: () => Promise.reject(new Error('not used')),
  };
  return store;
}

const where = { bucket: 'b', prefix: 'p/' };
const keys = (n: number) => Array.from({ length: n }, (_, i) => `p/${String(i).padStart(4, '0')}`);

describe('Function: compareKeys', () => {
  it('orders keys by their UTF-8 bytes, as S3 lists them (not by UTF-16 code units)', () => {
    // U+FF5E is one UTF-16 unit above the surrogates; U+1F600 is a surrogate pair.
    const wide = 'p/\uFF5E';
    const emoji = 'p/\u{1F600}';
    expect(wide > emoji).toBe(true);
    expect(compareKeys(wide, emoji)).toBeLessThan(0);
    expect(compareKeys('p/a', 'p/a')).toBe(0);
    expect(compareKeys('p/a', 'p/b')).toBeLessThan(0);
  });
});

describe('Function: listSegment', () => {
  it('lists at most the given pages after a key and says whether more follow', async () => {
    const store = bucketOf([...keys(25), 'q/outside']);

    const first = await listSegment(store, where, undefined, 2, 10);
    const second = await listSegment(store, where, first.keys.at(-1), 2, 10);

    expect(first).toEqual({ keys: keys(20), truncated: true });
    expect(second).toEqual({ keys: keys(25).slice(20), truncated: false });
    expect(store.lists).toBe(3);
  });

  it('stops at an exactly full last page without claiming more', async () => {
    const store = bucketOf(keys(20));

    const segment = await listSegment(store, where, undefined, 5, 10);

    expect(segment.keys).toHaveLength(20);
    expect(segment.truncated).toBe(false);
  });

  it('hands each page to onPage once, in order, after sending the request for the next', async () => {
    const store = bucketOf(keys(25));
    const seen: { keys: readonly string[]; listsSent: number }[] = [];

    const segment = await listSegment(store, where, undefined, 3, 10, (page) => {
      seen.push({ keys: page, listsSent: store.lists });
    });

    expect(segment).toEqual({ keys: keys(25), truncated: false });
    expect(seen).toEqual([
      { keys: keys(10), listsSent: 2 },
      { keys: keys(20).slice(10), listsSent: 3 },
      { keys: keys(25).slice(20), listsSent: 3 },
    ]);
    expect(store.lists).toBe(3);
  });

  it('sends no request past its last page for onPage', async () => {
    const store = bucketOf(keys(25));
    const pages: number[] = [];

    const segment = await listSegment(store, where, undefined, 2, 10, (page) => {
      pages.push(page.length);
    });

    expect(segment).toEqual({ keys: keys(20), truncated: true });
    expect(pages).toEqual([10, 10]);
    expect(store.lists).toBe(2);
  });
});

describe('Function: listRemaining', () => {
  it('returns what is left of a pinned range, and nothing past its last key', async () => {
    const all = keys(30);
    const remaining = all.filter((_, i) => i % 3 !== 0 || i >= 20);
    const store = bucketOf(remaining);

    const left = await listRemaining(store, where, { after: all[4], last: all[19], count: 15 }, 4);

    expect(left).toEqual(all.slice(5, 20).filter((_, i) => (i + 5) % 3 !== 0));
  });

  it('returns nothing for an empty range', async () => {
    expect(await listRemaining(bucketOf(keys(3)), where, { count: 0 }, 10)).toEqual([]);
  });
});
