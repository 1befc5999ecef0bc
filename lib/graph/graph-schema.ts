// Structural validation of a graph definition with zod: types, required fields, unknown fields.
// Each table, bucket and entity is parsed on its own, so one malformed entry does not hide the
// problems of the others, and the semantic checks can still run on everything well-formed.
import * as z from 'zod';
import type {
  BucketDefinition,
  EntityDefinition,
  GraphDefinition,
  GuardsDefinition,
  TableDefinition,
} from './graph-types.js';

/** Entity names end up in relation names (`parent.child.attribute`), unit ids and CLI arguments. */
const ENTITY_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
/** DynamoDB's rule for table and index names. */
const DYNAMODB_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
/** S3's rule for general purpose bucket names (the common subset). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

type ErrorInput = { readonly input?: unknown; readonly code?: string };

function missingOr(message: string) {
  return (issue: ErrorInput) => (issue.input === undefined ? 'is required' : message);
}

// Abort on empty, so an empty physical name is reported once, not also as breaking a naming rule.
const name = z
  .string({ error: missingOr('must be a string') })
  .min(1, { error: 'must not be empty', abort: true });

const physicalTableName = name.regex(
  DYNAMODB_NAME,
  'must be a DynamoDB table name (3-255 characters: letters, digits, "_", "-", ".")',
);

const physicalBucketName = name
  .regex(
    BUCKET_NAME,
    'must be an S3 bucket name (3-63 characters: lowercase letters, digits, "-", ".")',
  )
  .refine((value) => !value.includes('..'), 'must be an S3 bucket name (no "..")');

function object<Shape extends z.core.$ZodLooseShape>(shape: Shape) {
  return z.strictObject(shape, {
    error: (issue: ErrorInput) =>
      issue.code === 'unrecognized_keys' ? undefined : missingOr('must be an object')(issue),
  });
}

function oneOf<const Values extends readonly [string, ...string[]]>(values: Values) {
  return z.enum(values, {
    error: missingOr(`must be one of ${values.map((value) => `"${value}"`).join(', ')}`),
  });
}

const indexSchema = object({ partitionKey: name, sortKey: name.optional() });

const BINARY_TYPES = new Set(['binary', 'B', 'b']);

// 'string' | 'number' rather than DynamoDB's 'S' | 'N': a graph is read by people who may
// never have seen an AttributeDefinition. The short forms are refused with a hint.
const keyAttributeType = z.enum(['string', 'number'], {
  error: (issue: ErrorInput) => {
    if (issue.input === undefined) return 'is required';
    if (typeof issue.input === 'string' && BINARY_TYPES.has(issue.input)) {
      return 'is a Binary key: lethe does not support Binary key attributes (ids travel as text in messages, tombstones and key templates); store the key as a string or a number';
    }
    if (issue.input === 'S' || issue.input === 'N') {
      return `must be "string" or "number" (write "${issue.input === 'S' ? 'string' : 'number'}" for DynamoDB's "${issue.input}")`;
    }
    return 'must be "string" or "number"';
  },
});

const tableSchema: z.ZodType<TableDefinition> = object({
  name: physicalTableName,
  partitionKey: name,
  sortKey: name.optional(),
  indexes: z
    .record(
      z.string().regex(DYNAMODB_NAME, 'index names must be 3-255 letters, digits, "_", "-", "."'),
      indexSchema,
      { error: missingOr('must be an object') },
    )
    .optional(),
  keyTypes: z
    .record(name, keyAttributeType, { error: missingOr('must be an object of types by attribute') })
    .optional(),
});

const bucketSchema: z.ZodType<BucketDefinition> = object({
  name: physicalBucketName,
  versioned: z.boolean({ error: missingOr('must be true or false') }).optional(),
});

const sharedMode = oneOf(['refcount', 'ttl']);

const objectGroupSchema = z.discriminatedUnion(
  'kind',
  [
    object({
      kind: z.literal('key'),
      bucket: name,
      template: name,
      shared: sharedMode.optional(),
    }),
    object({
      kind: z.literal('prefix'),
      bucket: name,
      template: name,
      shared: sharedMode.optional(),
    }),
    object({
      kind: z.literal('manifest'),
      bucket: name,
      template: name,
      shared: sharedMode.optional(),
      keysPath: name,
      itemBucket: name.optional(),
      itemTemplate: name,
      itemsShared: sharedMode.optional(),
    }),
  ],
  {
    error: (issue: ErrorInput) =>
      issue.code === 'invalid_union'
        ? 'must be one of "key", "prefix", "manifest"'
        : missingOr('must be an object')(issue),
  },
);

type GuardPredicate = NonNullable<GuardsDefinition['predicate']>;

const days = z.number({ error: missingOr('must be a finite number of days') });

const entitySchema: z.ZodType<EntityDefinition> = object({
  table: name,
  attributes: z.array(name, { error: missingOr('must be an array') }).optional(),
  parents: z
    .array(
      object({
        entity: name,
        attribute: name,
        index: name.optional(),
        onDelete: oneOf(['cascade', 'set-null', 'restrict', 'none']),
      }),
      { error: missingOr('must be an array') },
    )
    .optional(),
  objects: z.array(objectGroupSchema, { error: missingOr('must be an array') }).optional(),
  tenantAttribute: name.optional(),
  createdAtAttribute: name.optional(),
  deadlineDays: days
    .gt(0, 'must be greater than 0')
    .max(3650, 'must be at most 3650 days')
    .optional(),
  guards: object({
    minRetentionDays: days.min(0, 'must not be negative').optional(),
    requireArchiveCopy: object({ bucket: name }).optional(),
    // z.custom rather than z.function: parsing with z.function would hand back a wrapper that
    // validates arguments, and a predicate's context is built by lethe, not read from outside.
    predicate: z
      .custom<GuardPredicate>((value) => typeof value === 'function', 'must be a function')
      .optional(),
  }).optional(),
  retention: object({
    deleteAfterDays: days.gt(0, 'must be greater than 0'),
    index: name,
    partitionValue: name,
  }).optional(),
  restoreWindowDays: days
    .int('must be a whole number of days')
    .min(0, 'must not be negative')
    .max(3650, 'must be at most 3650')
    .optional(),
});

/** The well-formed part of a definition, the names it declares (well-formed or not) and its problems. */
export interface ParsedGraphDefinition {
  readonly definition: Required<GraphDefinition>;
  readonly declared: {
    readonly tables: ReadonlySet<string>;
    readonly buckets: ReadonlySet<string>;
    readonly entities: ReadonlySet<string>;
  };
  readonly problems: readonly string[];
}

function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') {
      text += `[${segment}]`;
    } else if (typeof segment === 'string' && /^[A-Za-z_$][\w$-]*$/.test(segment)) {
      text += text === '' ? segment : `.${segment}`;
    } else {
      text += `[${JSON.stringify(String(segment))}]`;
    }
  }
  return text;
}

function problemAt(subject: string, path: readonly PropertyKey[], message: string): string {
  const field = formatPath(path);
  return field === '' ? `${subject} ${message}` : `${subject}: ${field} ${message}`;
}

function formatIssues(subject: string, issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) =>
        problemAt(subject, [...issue.path, key], 'is not a known field'),
      );
    }
    if (issue.code === 'invalid_key') {
      return issue.issues.map((inner) => problemAt(subject, issue.path, inner.message));
    }
    return [problemAt(subject, issue.path, issue.message)];
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseSection<T>(
  kind: string,
  section: unknown,
  schema: z.ZodType<T>,
  checkName: (key: string) => string | undefined,
  problems: string[],
): { readonly entries: Record<string, T>; readonly declared: Set<string> } {
  const entries: Record<string, T> = {};
  const declared = new Set<string>();
  if (!isRecord(section)) {
    return { entries, declared };
  }
  for (const [key, value] of Object.entries(section)) {
    declared.add(key);
    const nameProblem = checkName(key);
    if (nameProblem !== undefined) {
      problems.push(`${kind} ${JSON.stringify(key)}: ${nameProblem}`);
      continue;
    }
    const result = schema.safeParse(value);
    if (result.success) {
      // defineProperty: a key such as "__proto__" becomes an entry, not the object's prototype.
      Object.defineProperty(entries, key, {
        value: result.data,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      problems.push(...formatIssues(`${kind} "${key}"`, result.error.issues));
    }
  }
  return { entries, declared };
}

function checkLogicalName(key: string): string | undefined {
  return key === '' ? 'the name must not be empty' : undefined;
}

function checkEntityName(key: string): string | undefined {
  return ENTITY_NAME.test(key)
    ? undefined
    : 'the name must start with a letter and contain only letters, digits, "_" and "-"';
}

/** Parses each part of a definition; never throws. Copies what it keeps, so later edits to the input change nothing. */
export function parseGraphDefinition(input: unknown): ParsedGraphDefinition {
  const problems: string[] = [];
  const root = isRecord(input) ? input : {};
  if (!isRecord(input)) {
    problems.push('graph definition must be an object with "tables" and "entities"');
  } else {
    for (const key of Object.keys(input)) {
      if (key !== 'tables' && key !== 'buckets' && key !== 'entities') {
        problems.push(`graph definition: ${JSON.stringify(key)} is not a known field`);
      }
    }
    if (!isRecord(input.tables)) {
      problems.push('graph definition: tables must be an object of tables by name');
    }
    if (input.buckets !== undefined && !isRecord(input.buckets)) {
      problems.push('graph definition: buckets must be an object of buckets by name');
    }
    if (!isRecord(input.entities)) {
      problems.push('graph definition: entities must be an object of entities by name');
    } else if (Object.keys(input.entities).length === 0) {
      problems.push('graph definition: entities must declare at least one entity');
    }
  }
  const tables = parseSection('table', root.tables, tableSchema, checkLogicalName, problems);
  const buckets = parseSection('bucket', root.buckets, bucketSchema, checkLogicalName, problems);
  const entities = parseSection('entity', root.entities, entitySchema, checkEntityName, problems);
  return {
    definition: { tables: tables.entries, buckets: buckets.entries, entities: entities.entries },
    declared: { tables: tables.declared, buckets: buckets.declared, entities: entities.declared },
    problems,
  };
}
