import { describe, expect, it } from 'vitest';
import { erasableInSettle } from '../../../lib/engine/erase-in-settle.js';
import type { IntentContent } from '../../../lib/model/intents.js';
import type { TransactItem } from '../../../lib/ports/document-store.js';

const page: IntentContent = {
  entity: 'post',
  relation: 'user.post.userId',
  rowKeys: Array.from({ length: 10 }, (_, i) => ({ postId: `p${i}` })),
  objects: [],
  prefixes: [],
  unknownManifests: [],
};
const logItem: TransactItem = { kind: 'put', table: 'state', item: { pk: 'RESTORE#j', sk: 'u' } };

describe('Function: erasableInSettle', () => {
  it('takes a last page of rows that locate nothing, up to the maximum, logged in one item', () => {
    expect(erasableInSettle(page, [], 25)).toBe(true);
    expect(erasableInSettle(page, [logItem], 10)).toBe(true);
  });

  it('leaves to the pin a page with more rows, a next page, or a log in parts', () => {
    expect(erasableInSettle(page, [], 9)).toBe(false);
    expect(erasableInSettle(page, [], 0)).toBe(false);
    expect(erasableInSettle({ ...page, lastKey: { postId: 'p9' } }, [], 25)).toBe(false);
    expect(erasableInSettle(page, [logItem, logItem], 25)).toBe(false);
  });

  it('takes a page whose rows locate prefixes only: their units are planned in the settle', () => {
    const prefix = { bucket: 'b', prefix: 'users/u1/', owner: 'user:u1', group: 0 };
    expect(erasableInSettle({ ...page, prefixes: [prefix] } as IntentContent, [], 25)).toBe(true);
  });

  it('leaves to the pin a page whose Deletes and prefix units would not fit one transaction', () => {
    // 25 rows with 3 prefixes each: 25 Deletes and 75 prefix units, over TransactWriteItems' 100.
    const rows = Array.from({ length: 25 }, (_, i) => ({ postId: `p${i}` }));
    const prefixes = rows.flatMap((_, i) =>
      [0, 1, 2].map((group) => ({
        bucket: 'b',
        prefix: `d/${i}/${group}/`,
        owner: `post:p${i}`,
        group,
      })),
    );
    expect(erasableInSettle({ ...page, rowKeys: rows, prefixes }, [], 25)).toBe(false);
    expect(
      erasableInSettle({ ...page, rowKeys: rows, prefixes: prefixes.slice(0, 54) }, [], 25),
    ).toBe(true);
    expect(
      erasableInSettle({ ...page, rowKeys: rows, prefixes: prefixes.slice(0, 55) }, [], 25),
    ).toBe(false);
  });

  it('leaves to the pin a page whose rows locate objects, or whose manifests failed', () => {
    const object = { bucket: 'b', key: 'k', refcounted: false };
    const manifest = { bucket: 'b', key: 'm.json', reason: 'not JSON' };
    const unlocated = { bucket: 'b', template: 'x/{a}', reason: 'no a' };
    for (const changed of [
      { objects: [object] },
      { unknownManifests: [manifest] },
      { unlocated: [unlocated] },
    ])
      expect(erasableInSettle({ ...page, ...changed } as IntentContent, [], 25)).toBe(false);
  });
});
