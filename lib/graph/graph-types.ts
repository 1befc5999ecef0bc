// The shape of a deletion graph: what a platform engineer declares with defineGraph.
// Declarations (…Definition) are the user's input; the Graph type is the validated,
// normalised form every other module reads.

export type OnDelete = 'cascade' | 'set-null' | 'restrict' | 'none';
export type SharedMode = 'refcount' | 'ttl';

export interface IndexDefinition {
  readonly partitionKey: string;
  readonly sortKey?: string;
}

/**
 * The DynamoDB type of a key attribute: `'string'` (`S`) or `'number'` (`N`). Binary (`B`)
 * keys are not supported; defineGraph refuses them.
 */
export type KeyAttributeType = 'string' | 'number';

export interface TableDefinition {
  /** Physical table name. */
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
  /** Global secondary indexes, by index name. */
  readonly indexes?: Readonly<Record<string, IndexDefinition>>;
  /**
   * Types of the table's key attributes (its own keys and its indexes' keys) that are not
   * strings, by attribute name, e.g. `{ accountId: 'number' }`. One type per attribute, as in
   * DynamoDB's AttributeDefinitions.
   * @default every key attribute is a string
   */
  readonly keyTypes?: Readonly<Record<string, KeyAttributeType>>;
}

export interface BucketDefinition {
  /** Physical bucket name. */
  readonly name: string;
  /** A versioned bucket keeps noncurrent versions for the restore window. */
  readonly versioned?: boolean;
}

export interface ParentRelationDefinition {
  /** The parent entity's name. */
  readonly entity: string;
  /** The child's attribute that holds the parent id. */
  readonly attribute: string;
  /**
   * The GSI to query children by (its partition key must be `attribute`).
   * Omit only when `attribute` is the child table's partition key.
   */
  readonly index?: string;
  /**
   * What deleting the parent does to the child row: `cascade` deletes it, `set-null` removes
   * `attribute` while it names the parent, `none` leaves it, `restrict` keeps the parent
   * unless the same deletion also deletes the child through cascade relations.
   */
  readonly onDelete: OnDelete;
}

interface ObjectGroupBase {
  /** Bucket name as declared in `buckets`. */
  readonly bucket: string;
  /** Content shared between owners: deleted at the last release, or left to a lifecycle TTL. */
  readonly shared?: SharedMode;
}

/** One exact key per row, e.g. `artifacts/{projectId}/{artifactId}.bin`. */
export interface KeyObjectDefinition extends ObjectGroupBase {
  readonly kind: 'key';
  readonly template: string;
}

/** Every key under a prefix, e.g. `projects/{projectId}/`. */
export interface PrefixObjectDefinition extends ObjectGroupBase {
  readonly kind: 'prefix';
  readonly template: string;
}

/**
 * A JSON manifest object that lists further keys: the manifest itself is deleted, and so is
 * every key found at `keysPath` (a dotted path to an array of strings), mapped through
 * `itemTemplate` where `{value}` stands for the listed string.
 */
export interface ManifestObjectDefinition extends ObjectGroupBase {
  readonly kind: 'manifest';
  readonly template: string;
  readonly keysPath: string;
  readonly itemBucket?: string;
  readonly itemTemplate: string;
  /** Applies to the listed items; the manifest itself is owned. */
  readonly itemsShared?: SharedMode;
}

export type ObjectGroupDefinition =
  | KeyObjectDefinition
  | PrefixObjectDefinition
  | ManifestObjectDefinition;

export type Row = Readonly<Record<string, unknown>>;

export interface GuardContext {
  readonly entity: string;
  readonly id: string;
  readonly row: Row | undefined;
  readonly now: Date;
}

export interface GuardsDefinition {
  /** An entity younger than this waits. Requires `createdAtAttribute`. */
  readonly minRetentionDays?: number;
  /** Objects leave a hot bucket only once HeadObject finds them in this archive bucket. */
  readonly requireArchiveCopy?: { readonly bucket: string };
  /** Custom precondition: return false (or a reason string) to make the unit wait. */
  readonly predicate?: (context: GuardContext) => boolean | string | Promise<boolean | string>;
}

export interface RetentionDefinition {
  /** Delete entities whose time attribute is older than this. */
  readonly deleteAfterDays: number;
  /** GSI whose partition key holds `partitionValue` for every row and whose sort key is the time. */
  readonly index: string;
  readonly partitionValue: string;
}

export interface EntityDefinition {
  /** Table name as declared in `tables`. The entity id is the value of its partition key. */
  readonly table: string;
  /** Attributes the entity's templates and guards may name (keys and parents are implied). */
  readonly attributes?: readonly string[];
  readonly parents?: readonly ParentRelationDefinition[];
  readonly objects?: readonly ObjectGroupDefinition[];
  /** Attribute holding the tenant id, for tenant-wide holds. */
  readonly tenantAttribute?: string;
  /** Attribute holding the creation time (ISO-8601), for retention guards and policies. */
  readonly createdAtAttribute?: string;
  readonly guards?: GuardsDefinition;
  readonly retention?: RetentionDefinition;
  /**
   * Days this entity's erased rows stay restorable (`lethe restore`); `0` keeps nothing (data
   * that must go at once). A whole number, 0–3650.
   * @default the pipeline's `restoreWindowDays` (7)
   */
  readonly restoreWindowDays?: number;
  /**
   * Days a deletion of this entity may take, from request to completion (fractions allowed).
   * A request may ask for less, never more.
   * @default the pipeline's `defaultDeadlineDays` (30: GDPR Art. 12(3)'s one month)
   */
  readonly deadlineDays?: number;
}

export interface GraphDefinition {
  readonly tables: Readonly<Record<string, TableDefinition>>;
  readonly buckets?: Readonly<Record<string, BucketDefinition>>;
  readonly entities: Readonly<Record<string, EntityDefinition>>;
}

/** A parent→child edge, stored on both ends of the validated graph. */
export interface Relation {
  /** Stable name, `<parent>.<child>.<attribute>`, used in unit ids and counters. */
  readonly name: string;
  readonly parent: string;
  readonly child: string;
  readonly attribute: string;
  readonly index: string | undefined;
  readonly onDelete: OnDelete;
}

export interface Entity {
  readonly name: string;
  readonly table: string;
  readonly tableName: string;
  readonly partitionKey: string;
  readonly sortKey: string | undefined;
  /** Type of the partition key, so of the entity id; ids of `'number'` entities are canonical decimal text. */
  readonly idType: KeyAttributeType;
  /** Type of every key attribute of the entity's table and its indexes. */
  readonly keyTypes: Readonly<Record<string, KeyAttributeType>>;
  readonly attributes: readonly string[];
  readonly parents: readonly Relation[];
  readonly children: readonly Relation[];
  readonly objects: readonly ObjectGroupDefinition[];
  readonly tenantAttribute: string | undefined;
  readonly createdAtAttribute: string | undefined;
  readonly guards: GuardsDefinition;
  readonly retention: RetentionDefinition | undefined;
  /** The entity's own restore window in days; undefined means the pipeline's. */
  readonly restoreWindowDays: number | undefined;
  /** Days a deletion of this entity may take, when the graph sets it (else the pipeline default). */
  readonly deadlineDays: number | undefined;
  /** True when it has child relations of its own: such entities are tombstoned and cascaded. */
  readonly cascades: boolean;
}

export interface Graph {
  readonly definition: GraphDefinition;
  readonly tables: Readonly<Record<string, TableDefinition>>;
  readonly buckets: Readonly<Record<string, BucketDefinition>>;
  readonly entities: Readonly<Record<string, Entity>>;
  readonly relations: readonly Relation[];
}
