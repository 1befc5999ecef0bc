// Locating an entity's objects when its row is gone. A cascade reads the row while it exists
// and pins the values its key templates name (the locator) on the entity's scope; a finalize
// that finds the row gone since renders the keys from those. Without a locator (the row was
// gone before lethe ever read it), only templates the id alone fills can be rendered: the
// others are reported as unlocated, never rendered from values lethe does not have.

import type { Entity, Graph } from '../graph/graph-types.js';
import { templateAttributes } from '../graph/key-template.js';
import { entityKeyValue } from '../graph/key-types.js';
import type { Item } from '../ports/document-store.js';
import { bucketName } from './collect-objects.js';

/** An object group lethe could not render keys for: which, and why. */
export interface UnlocatedObjects {
  readonly bucket: string;
  readonly template: string;
  readonly reason: string;
}

/** The values of `row` that the entity's key templates name; undefined without a row. */
export function locatorOf(
  entity: Entity,
  row: Item | undefined,
): Record<string, unknown> | undefined {
  if (row === undefined || entity.objects.length === 0) return undefined;
  const locator: Record<string, unknown> = {};
  for (const group of entity.objects) {
    for (const attribute of templateAttributes(group.template)) {
      if (Object.hasOwn(row, attribute)) locator[attribute] = row[attribute];
    }
  }
  return locator;
}

/**
 * The row a vanished entity's objects are rendered from (its locator and its id), and the
 * groups whose templates name values that row does not have, by index.
 */
export function vanishedRow(
  graph: Graph,
  entity: Entity,
  id: string,
  locator: Readonly<Record<string, unknown>> | undefined,
): { row: Item; skip: Set<number>; unlocated: UnlocatedObjects[] } {
  const row: Item = { ...(locator ?? {}), [entity.partitionKey]: entityKeyValue(entity, id) };
  const skip = new Set<number>();
  const unlocated: UnlocatedObjects[] = [];
  for (const [index, group] of entity.objects.entries()) {
    const missing = templateAttributes(group.template).filter((a) => !Object.hasOwn(row, a));
    if (missing.length === 0) continue;
    skip.add(index);
    unlocated.push({
      bucket: bucketName(graph, group.bucket),
      template: group.template,
      reason: `${entity.name} "${id}" was gone before lethe read its row: ${missing.map((a) => `{${a}}`).join(', ')} unknown`,
    });
  }
  return { row, skip, unlocated };
}
