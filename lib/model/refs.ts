// Reference counts for shared, content-addressed objects: an owner registers its reference
// when it writes, and a deletion releases it. The key itself is deleted only when a
// release leaves no owner. Owners are a string set, so releasing twice (a redelivered
// message) is harmless: the second release finds nothing to remove.
//
// Item  REF#<bucket>#<key> / REF   { bucket, key, owners: Set<string> }
// A set keeps a few thousand owners per key (400 KB item limit); beyond that, declare
// the content `shared: 'ttl'` and let a lifecycle rule expire it.
import { ConditionFailedError } from '../errors.js';
import type { StateContext } from './state-context.js';

export function refKey(bucket: string, key: string) {
  return { pk: `REF#${bucket}#${key}`, sk: 'REF' };
}

/** The whole reference item for a key and its owners (for bulk seeding). */
export function refItem(bucket: string, key: string, owners: readonly string[]) {
  return { ...refKey(bucket, key), type: 'ref', bucket, key, owners: new Set(owners) };
}

export async function registerRef(
  state: StateContext,
  bucket: string,
  key: string,
  owner: string,
): Promise<void> {
  await state.docs.update({
    table: state.table,
    key: refKey(bucket, key),
    update: {
      expression: 'ADD owners :owner SET #bucket = :bucket, #key = :key',
      names: { '#bucket': 'bucket', '#key': 'key' },
      values: { ':owner': new Set([owner]), ':bucket': bucket, ':key': key },
    },
  });
}

export interface Release {
  /** Owners left after this owner's release. */
  readonly remaining: number;
  /**
   * True for exactly one owner: the one whose release left none. It deletes the object and
   * counts it; a re-run of that owner's unit still knows, through `lastReleasedBy`.
   */
  readonly responsible: boolean;
}

/** Releases one owner's reference. */
export async function releaseRef(
  state: StateContext,
  bucket: string,
  key: string,
  owner: string,
): Promise<Release> {
  try {
    const after = await state.docs.update({
      table: state.table,
      key: refKey(bucket, key),
      update: {
        expression: 'DELETE owners :owner SET lastReleasedBy = :name',
        values: { ':owner': new Set([owner]), ':name': owner },
      },
      condition: { expression: 'contains(owners, :name)', values: { ':name': owner } },
    });
    const remaining = after.owners instanceof Set ? after.owners.size : 0;
    return { remaining, responsible: remaining === 0 };
  } catch (error) {
    if (!(error instanceof ConditionFailedError)) throw error;
    // Already released (a re-run) or never registered: what matters is who remains.
    const current = await state.docs.get(state.table, refKey(bucket, key));
    const remaining = current?.owners instanceof Set ? current.owners.size : 0;
    const responsible =
      remaining === 0 && (current === undefined || current.lastReleasedBy === owner);
    return { remaining, responsible };
  }
}

export async function countRefs(state: StateContext, bucket: string, key: string): Promise<number> {
  const current = await state.docs.get(state.table, refKey(bucket, key));
  return current?.owners instanceof Set ? current.owners.size : 0;
}
