// Prefixes an intent found are deleted page by page by units of their own, each listing
// 1,000 keys and deleting them. The prefix itself travels in the unit's state item.
import type { IntentPrefix } from '../model/intents.js';
import type { SpawnedUnit } from './unit-work.js';

export function prefixUnits(
  jobId: string,
  entity: string,
  prefixes: readonly IntentPrefix[],
  scope: string,
  via: string | undefined,
): SpawnedUnit[] {
  return prefixes.map((prefix) => ({
    message: {
      v: 1,
      jobId,
      type: 'prefix',
      entity,
      id: prefix.owner.slice(entity.length + 1),
      part: prefix.group,
      page: 0,
      ...(via ? { via } : {}),
    },
    scope,
    target: { bucket: prefix.bucket, prefix: prefix.prefix },
  }));
}
