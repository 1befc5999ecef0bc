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

/**
 * Up to `pages` pages of `pageSize` keys under `prefix`, after `after`. `onPage`, when given,
 * sees each page's keys while the next page is being listed (the request is sent first), so
 * work on a page (hashing its receipt leaves) is done during the listing, not after it.
 */
export async function listSegment(
  objects: ObjectStore,
  where: { bucket: string; prefix: string },
  after: string | undefined,
  pages: number,
  pageSize: number,
  onPage?: (keys: readonly string[]) => void,
): Promise<ListedSegment> {
  const keys: string[] = [];
  let next = objects.listAfter(where.bucket, where.prefix, after, pageSize);
  for (let page = 0; ; page++) {
    const listed = await next;
    keys.push(...listed.keys);
    const last = listed.keys.at(-1);
    const more = listed.truncated && last !== undefined;
    const another = more && page + 1 < pages;
    if (another) {
      next = objects.listAfter(where.bucket, where.prefix, last, pageSize);
      // Awaited on the next turn; a rejection meanwhile is not unhandled.
      next.catch(() => undefined);
    }
    if (onPage) {
      // Let the next request go out before the page's work takes the thread.
      if (another) await new Promise<void>((resume) => setImmediate(resume));
      onPage(listed.keys);
    }
    if (!more) return { keys, truncated: false };
    if (!another) return { keys, truncated: true };
  }
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
