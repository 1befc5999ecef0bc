// Tombstones are spread over N shards by a stable hash of (entity, id), so each shard's
// sequence stays a short, gap-free, commit-ordered list the sweeper can walk.

/** FNV-1a, 32 bit: stable across processes and versions, unlike any runtime hash. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

export function shardOf(entity: string, id: string, shards: number): number {
  return fnv1a(`${entity}\u0000${id}`) % shards;
}
