// The allow-list of rule 4: nothing outside the declared buckets and templates is ever
// deleted, whatever a message or a state item says. Checked again right before deleting.
import { LetheError } from '../errors.js';
import type { Entity, Graph } from '../graph/graph-types.js';
import { staticPrefix } from '../graph/key-template.js';

export interface DeclaredArea {
  readonly bucket: string;
  readonly prefix: string;
}

export function declaredAreas(graph: Graph, entity: Entity): DeclaredArea[] {
  const areas: DeclaredArea[] = [];
  for (const group of entity.objects) {
    const bucket = graph.buckets[group.bucket]?.name;
    if (!bucket) continue;
    areas.push({ bucket, prefix: staticPrefix(group.template) });
    if (group.kind === 'manifest') {
      const itemBucket = graph.buckets[group.itemBucket ?? group.bucket]?.name;
      if (itemBucket) areas.push({ bucket: itemBucket, prefix: staticPrefix(group.itemTemplate) });
    }
  }
  return areas;
}

export class UndeclaredObjectError extends LetheError {
  constructor(bucket: string, key: string, entity: string) {
    super(
      'UNDECLARED_OBJECT',
      `refusing to delete s3://${bucket}/${key}: not declared for entity "${entity}"`,
    );
    this.name = 'UndeclaredObjectError';
  }
}

/**
 * Throws UndeclaredObjectError unless `key` starts with a declared area's prefix in `bucket`.
 * S3 keys are literal strings, not paths: `projects/p1/a..b` or even `projects/p1/../x` is a
 * key under `projects/p1/` (listed there, owned there), so no `..` is refused here. Values
 * rendered into templates are refused `..` and `/` before they get this far.
 */
export function assertDeclared(graph: Graph, entity: Entity, bucket: string, key: string): void {
  const inside = declaredAreas(graph, entity).some(
    (area) => area.bucket === bucket && key.startsWith(area.prefix),
  );
  if (!inside) throw new UndeclaredObjectError(bucket, key, entity.name);
}
