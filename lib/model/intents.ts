// Intents make "rows, then objects" crash-safe and pin what a unit works on. Before a unit
// deletes rows, it persists the row keys it is about to delete, every object key those rows
// locate (manifests already read) and where its next page starts. Rows go, then objects,
// then the intent is cleared in the transaction that settles the unit. The first run to
// write the intent wins (conditional put); a re-run or a concurrent duplicate uses the same
// intent, so counts stay exact, rows are never left pointing at deleted objects, and no
// object is left that nobody will delete. Row keys are pinned only for rows a strongly
// consistent read found just before the pin, so counts taken from the intent claim no row
// that was already gone.
//
// Item  JOB#<jobId> / INTENT#<unitId>
//   { type: 'intent', jobId, unitId, entity, relation, rowKeys: Key[],
//     objects: { bucket, key, shared?, owner, missing? }[],
//     prefixes: { bucket, prefix, owner, group }[],
//     unknownManifests: { bucket, key, reason }[], unlocated?: { bucket, template, reason }[],
//     lastKey?, range?, nextAfter?, leafParts?, createdAt }
import { LetheError, TransactionCancelledError } from '../errors.js';
import type { Item, Key, TransactItem } from '../ports/document-store.js';
import { fnv1a } from './shard-of.js';
import type { StateContext } from './state-context.js';
import { PENDING_BUCKETS, stateIndex, stateKeys } from './state-keys.js';

export interface IntentObject {
  readonly bucket: string;
  readonly key: string;
  readonly shared?: 'refcount' | 'ttl' | undefined;
  /** `<entity>#<id>` of the row that owns it: the reference released for shared keys. */
  readonly owner: string;
  /**
   * The key did not exist when the intent was pinned (a rendered key nobody wrote, a manifest
   * or an image removed upstream first). It is still deleted, in case it appears, but never
   * counted: a count claims only keys that existed.
   */
  readonly missing?: true | undefined;
}

export interface IntentPrefix {
  readonly bucket: string;
  readonly prefix: string;
  readonly owner: string;
  /** Index of the object group in the entity's declaration. */
  readonly group: number;
}

export interface KeyRange {
  readonly after?: string | undefined;
  readonly last?: string | undefined;
  readonly count: number;
}

export interface UnreadableManifest {
  readonly bucket: string;
  readonly key: string;
  readonly reason: string;
}

export interface Intent {
  readonly jobId: string;
  readonly unitId: string;
  readonly entity: string;
  readonly relation: string;
  readonly rowKeys: readonly Key[];
  readonly objects: readonly IntentObject[];
  readonly prefixes: readonly IntentPrefix[];
  readonly unknownManifests: readonly UnreadableManifest[];
  /**
   * Object groups a finalize could not render keys for: the entity's row was gone before
   * lethe read it, and the template names values only the row had.
   */
  readonly unlocated?: readonly { bucket: string; template: string; reason: string }[] | undefined;
  /** Where the relation's next page of rows starts (rows units). */
  readonly lastKey?: Key | undefined;
  /**
   * Prefix units pin a key range instead of keys: the keys listed after `after` up to and
   * including `last`, `count` of them. A re-run deletes what is left of that range.
   */
  readonly range?: KeyRange | undefined;
  /** Where the prefix's next unit starts listing (prefix units): the range's last key. */
  readonly nextAfter?: string | undefined;
  /**
   * Prefix units: how many `LEAVES#<unitId>#<part>` items the pinning transaction wrote with
   * the receipt leaves of the keys the range holds (lib/model/leaves.ts); absent when none.
   */
  readonly leafParts?: number | undefined;
  readonly createdAt: string;
}

export type IntentContent = Omit<Intent, 'jobId' | 'unitId' | 'createdAt'>;

/**
 * The unit's intent, read strongly consistent: a re-run right after its pin must find it (an
 * eventually consistent miss would make it build a second intent, lose the conditional put,
 * and possibly miss the winner too), and a failed unit must find the leaves it pinned.
 */
export async function getIntent(
  state: StateContext,
  jobId: string,
  unitId: string,
): Promise<Intent | undefined> {
  const item = await state.docs.get(state.table, stateKeys.intent(jobId, unitId), true);
  return item ? (item as unknown as Intent) : undefined;
}

/** The unit was settled by another run while this one was starting: nothing left to do. */
export class UnitAlreadySettledError extends LetheError {
  constructor(unitId: string) {
    super('UNIT_ALREADY_SETTLED', `unit ${unitId} was settled by another run`);
    this.name = 'UnitAlreadySettledError';
  }
}

export interface PinnedIntent {
  readonly intent: Intent;
  /** True when this run built and stored the intent; false for a re-run or a losing twin. */
  readonly pinnedHere: boolean;
}

/**
 * Returns the unit's intent, building and persisting it first if there is none. When two
 * runs race, the first write wins and both continue with it. The write also checks that the
 * unit is still unsettled: a run that starts after its twin settled the unit (and cleared
 * the intent) must not pin, and act on, the next page. `alsoWrite` adds items to the pinning
 * transaction (a prefix unit plans its successor there), written only by the run that pins.
 * `pinnedHere` says whether this run's build is the one that was stored.
 *
 * The pin marks the unit (`pinnedAt`) in the same transaction. A caller that read the unit
 * (consistently) before and passes it as `seen` skips the read of the intent when the unit
 * shows no pin: none existed at that read, and a twin's pin since makes this run's write
 * fail its condition, after which the winner is read as before.
 */
export async function pinIntent(
  state: StateContext,
  jobId: string,
  unitId: string,
  build: () => Promise<IntentContent>,
  alsoWrite: (content: IntentContent) => TransactItem[] = () => [],
  seen?: { readonly pinnedAt?: string | undefined },
): Promise<PinnedIntent> {
  const mayExist = seen === undefined || seen.pinnedAt !== undefined;
  const existing = mayExist ? await getIntent(state, jobId, unitId) : undefined;
  if (existing) return { intent: existing, pinnedHere: false };
  const content = await build();
  const intent: Intent = { jobId, unitId, ...content, createdAt: state.now().toISOString() };
  const item: Item = {
    ...stateKeys.intent(jobId, unitId),
    type: 'intent',
    ...intent,
    // Findable by age, so the sweeper can finish intents whose unit stopped coming back.
    gsi1pk: stateIndex.intents(fnv1a(unitId) % PENDING_BUCKETS),
    gsi1sk: `${intent.createdAt}#${jobId}#${unitId}`,
  };
  try {
    await state.docs.transact([
      {
        kind: 'put',
        table: state.table,
        item,
        condition: { expression: 'attribute_not_exists(sk)' },
      },
      {
        kind: 'update',
        table: state.table,
        key: stateKeys.unit(jobId, unitId),
        update: {
          expression: 'SET pinnedAt = :pinnedAt',
          values: { ':pinnedAt': intent.createdAt },
        },
        condition: {
          expression: '#status IN (:planned, :waiting)',
          names: { '#status': 'status' },
          values: { ':planned': 'planned', ':waiting': 'waiting' },
        },
      },
      ...alsoWrite(content),
    ]);
    return { intent, pinnedHere: true };
  } catch (error) {
    if (!(error instanceof TransactionCancelledError)) throw error;
    if (error.reasons[1] === 'ConditionalCheckFailed') throw new UnitAlreadySettledError(unitId);
    if (error.reasons[0] !== 'ConditionalCheckFailed') throw error;
    // The twin that wrote it may already have settled the unit and cleared it.
    const winner = await getIntent(state, jobId, unitId);
    if (!winner) throw new UnitAlreadySettledError(unitId);
    return { intent: winner, pinnedHere: false };
  }
}

export function clearIntent(state: StateContext, jobId: string, unitId: string): TransactItem {
  return { kind: 'delete', table: state.table, key: stateKeys.intent(jobId, unitId) };
}
