// What the functions may touch, computed from the deletion graph alone: the S3 areas
// (bucket + static key prefix) lethe deletes, reads and lists, and the DynamoDB tables and
// indexes it queries and writes. The construct turns this into IAM statements; keeping it
// pure keeps it testable and makes "least privilege" a property of the graph.
import type { Entity, Graph, ObjectGroupDefinition } from '../lib/graph/graph-types.js';
import { staticPrefix } from '../lib/graph/key-template.js';

/** Keys starting with `prefix` in the bucket declared as `bucketKey` (physical `bucket`). */
export interface ObjectArea {
  readonly bucketKey: string;
  readonly bucket: string;
  readonly prefix: string;
}

export interface TableAccess {
  readonly tableKey: string;
  readonly tableName: string;
  /** Every index the table declares: relations query them, none is scanned. */
  readonly indexes: readonly string[];
}

export interface GraphAccess {
  /** Where objects are deleted (s3:DeleteObject); `shared: 'ttl'` content is left out, lethe never deletes it. */
  readonly deleteAreas: readonly ObjectArea[];
  /** Where objects are read (s3:GetObject): manifests, and the copies archive guards look for. */
  readonly readAreas: readonly ObjectArea[];
  /**
   * Where objects are listed (s3:ListBucket under an s3:prefix condition): prefix groups, and
   * every key lethe counts — it learns whether a rendered, manifest or image key exists by
   * listing that key, so a count never claims a key that was not there.
   */
  readonly listAreas: readonly ObjectArea[];
  /**
   * Buckets whose reads must tell "missing" (404) from "forbidden" (403). S3 answers 404
   * only to a caller allowed s3:ListBucket on the bucket, which no prefix condition can
   * narrow for a GetObject or HeadObject; these buckets get ListBucket without condition.
   */
  readonly readBuckets: readonly string[];
  /** Tables of entities: Query (table and indexes), GetItem, DeleteItem, BatchWriteItem. */
  readonly tables: readonly TableAccess[];
  /** Tables of children in a set-null relation: UpdateItem. */
  readonly updateTables: readonly string[];
  /** Indexes the sweeper's retention policies query, as `tableKey` → index names. */
  readonly retentionIndexes: Readonly<Record<string, readonly string[]>>;
}

function area(graph: Graph, bucketKey: string, template: string): ObjectArea | undefined {
  const bucket = graph.buckets[bucketKey];
  return bucket === undefined
    ? undefined
    : { bucketKey, bucket: bucket.name, prefix: staticPrefix(template) };
}

/** Drops duplicates and areas inside another area of the same bucket; sorted for stable output. */
export function minimalAreas(areas: readonly (ObjectArea | undefined)[]): ObjectArea[] {
  const present = areas.filter((a): a is ObjectArea => a !== undefined);
  const kept = present.filter(
    (candidate, index) =>
      !present.some(
        (other, otherIndex) =>
          other.bucket === candidate.bucket &&
          candidate.prefix.startsWith(other.prefix) &&
          (other.prefix !== candidate.prefix || otherIndex < index),
      ),
  );
  return kept.sort((a, b) => a.bucket.localeCompare(b.bucket) || a.prefix.localeCompare(b.prefix));
}

function deletedTemplates(group: ObjectGroupDefinition): [string, string][] {
  const templates: [string, string][] = [];
  if (group.shared !== 'ttl') templates.push([group.bucket, group.template]);
  if (group.kind === 'manifest' && group.itemsShared !== 'ttl') {
    templates.push([group.itemBucket ?? group.bucket, group.itemTemplate]);
  }
  return templates;
}

function archiveAreas(graph: Graph, entity: Entity): (ObjectArea | undefined)[] {
  const archive = entity.guards.requireArchiveCopy?.bucket;
  if (archive === undefined) return [];
  // The guard looks for the same key in the archive bucket before deleting the hot copy.
  return entity.objects.flatMap((group) =>
    deletedTemplates(group).map(([, template]) => area(graph, archive, template)),
  );
}

export function graphAccess(graph: Graph): GraphAccess {
  const entities = Object.values(graph.entities);
  const groups = entities.flatMap((entity) => entity.objects);

  const deleteAreas = minimalAreas(
    groups.flatMap((group) =>
      deletedTemplates(group).map(([bucket, template]) => area(graph, bucket, template)),
    ),
  );
  const manifestAreas = groups
    .filter((group) => group.kind === 'manifest')
    .map((group) => area(graph, group.bucket, group.template));
  const readAreas = minimalAreas([
    ...manifestAreas,
    ...entities.flatMap((entity) => archiveAreas(graph, entity)),
  ]);
  const listAreas = minimalAreas(
    groups.flatMap((group) => [
      area(graph, group.bucket, group.template),
      ...(group.kind === 'manifest'
        ? [area(graph, group.itemBucket ?? group.bucket, group.itemTemplate)]
        : []),
    ]),
  );
  const readBuckets = [...new Set(readAreas.map((a) => a.bucketKey))].sort();

  const tableKeys = [...new Set(entities.map((entity) => entity.table))];
  const tables = tableKeys.flatMap((tableKey) => {
    const table = graph.tables[tableKey];
    return table === undefined
      ? []
      : [{ tableKey, tableName: table.name, indexes: Object.keys(table.indexes ?? {}).sort() }];
  });
  const updateTables = [
    ...new Set(
      graph.relations
        .filter((relation) => relation.onDelete === 'set-null')
        .flatMap((relation) => graph.entities[relation.child]?.table ?? []),
    ),
  ].sort();
  const retentionIndexes: Record<string, string[]> = {};
  for (const entity of entities) {
    if (entity.retention === undefined) continue;
    const indexes = retentionIndexes[entity.table] ?? [];
    if (!indexes.includes(entity.retention.index)) indexes.push(entity.retention.index);
    retentionIndexes[entity.table] = indexes;
  }

  return {
    deleteAreas,
    readAreas,
    listAreas,
    readBuckets,
    tables,
    updateTables,
    retentionIndexes,
  };
}
