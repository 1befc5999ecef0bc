// Listing a prefix as key ranges: the pages a prefix unit pins (the keys after a key, a few
// pages of them), and what is left of a pinned range when its unit runs again. Ranges are
// compared in S3's order: the bytes of the UTF-8 keys.
import type { KeyRange } from '../model/intents.js';
import { compareObjectKeys, type ObjectStore } from '../ports/object-store.js';

export interface ListedSegment {
  readonly keys: readonly string[];
  /** More keys follow the last one listed. */
  readonly truncated: boolean;
}

export const compareKeys = compareObjectKeys;

/** Up to `pages` pages of `pageSize` keys under `prefix`, after `after`. */
export async function listSegment(
  objects: ObjectStore,
  where: { bucket: string; prefix: string },
  after: string | undefined,
  pages: number,
  pageSize: number,
): Promise<ListedSegment> {
  const keys: string[] = [];
  let cursor = after;
  for (let page = 0; page < pages; page++) {
    const listed = await objects.listAfter(where.bucket, where.prefix, cursor, pageSize);
    keys.push(...listed.keys);
    const last = listed.keys.at(-1);
    if (!listed.truncated || last === undefined) return { keys, truncated: false };
    cursor = last;
  }
  return { keys, truncated: true };
}

/** The keys of a pinned range that still exist (a re-run after a crash, or a twin run). */
export async function listRemaining(
  objects: ObjectStore,
  where: { bucket: string; prefix: string },
  range: KeyRange,
  pageSize: number,
): Promise<string[]> {
  const last = range.last;
  if (last === undefined) return [];
  const keys: string[] = [];
  let cursor = range.after;
  for (;;) {
    const listed = await objects.listAfter(where.bucket, where.prefix, cursor, pageSize);
    for (const key of listed.keys) {
      if (compareKeys(key, last) > 0) return keys;
      keys.push(key);
    }
    const next = listed.keys.at(-1);
    if (!listed.truncated || next === undefined) return keys;
    cursor = next;
  }
}
