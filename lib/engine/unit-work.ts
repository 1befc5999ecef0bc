// What executing a unit produces, before it is committed: counts to add, units to spawn
// (each with the scope whose slot it takes), a new scope if the unit opened one, and whether
// the unit's own scope must be blocked (its parent must not be deleted).

import type { Counts } from '../model/counters.js';
import type { UnreadableManifest } from '../model/intents.js';
import type { ErasedItem } from '../model/leaves.js';
import type { Scope } from '../model/scopes.js';
import type { UnitTarget } from '../model/units.js';
import type { TransactItem } from '../ports/document-store.js';
import type { KeyFailure } from '../ports/object-store.js';
import type { PinnedLeaves } from './leaf-store.js';
import type { UnlocatedObjects } from './locate-entity.js';
import type { WorkMessage } from './work-message.js';

export interface SpawnedUnit {
  readonly message: WorkMessage;
  readonly scope: string;
  readonly target?: UnitTarget | undefined;
}

export interface UnitWork {
  readonly counts: Counts;
  readonly spawn: readonly SpawnedUnit[];
  /** Units this unit planned (and counted on the job) before it settled, by id. */
  readonly plannedEarly?: readonly string[] | undefined;
  readonly newScope?: Omit<Scope, 'outstanding' | 'finalized'> | undefined;
  readonly block?: boolean | undefined;
  readonly clearIntent?: boolean | undefined;
  readonly failures?: readonly (KeyFailure & { bucket: string })[] | undefined;
  /** Manifests that could not be read: kept on the settled unit, with key and reason. */
  readonly unknownManifests?: readonly UnreadableManifest[] | undefined;
  /** Object groups whose keys could not be rendered: kept on the settled unit, with reason. */
  readonly unlocated?: readonly UnlocatedObjects[] | undefined;
  /**
   * What this unit erased, one entry per item its counts claim (rows deleted, rows nulled,
   * objects deleted): hashed into the receipt's leaves in the unit's commit.
   */
  readonly erased?: readonly ErasedItem[] | undefined;
  /**
   * Leaves already hashed: a prefix re-run's share of keys an earlier run of the unit deleted
   * and the counts claim, as pinned with its intent.
   */
  readonly erasedLeaves?: readonly Uint8Array[] | undefined;
  /**
   * The leaves a prefix unit wrote when it pinned its range (lib/model/leaves.ts): how many
   * parts, and their hashes (sorted) when read. The commit keeps them when they equal what it
   * erased and rewrites them otherwise; a failed unit's are deleted.
   */
  readonly pinnedLeaves?: PinnedLeaves | undefined;
  /**
   * Writes the settling transaction makes beside the bookkeeping: a page erased in its settle
   * (erase-in-settle.ts) deletes its rows and writes its restore log there, and checks that no
   * twin pinned an intent for the unit meanwhile.
   */
  readonly settleWrites?: readonly TransactItem[] | undefined;
}
