// Semantic validation of a structurally valid graph definition: references, queryability
// (no scans), cascade cycles, template attributes and names. Every check adds a problem line
// naming the entity (or table, bucket) and field instead of stopping at the first one.
import { findCycles } from './find-cycles.js';
import type { ParsedGraphDefinition } from './graph-schema.js';
import type {
  EntityDefinition,
  ObjectGroupDefinition,
  ParentRelationDefinition,
  TableDefinition,
} from './graph-types.js';
import { parseKeyTemplate, templateSyntaxProblem } from './key-template.js';
import { canonicalNumber, tableKeyType } from './key-types.js';

const NO_SCANS = 'children must be found by a key or an index, no scans are allowed';

/** Own entries only: a reference to "constructor" must read as undeclared, not as Object.prototype's. */
function own<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Every attribute an entity's templates may name: keys, parents, declared attributes, tenant and time. */
export function declaredAttributes(
  entity: EntityDefinition,
  table: TableDefinition | undefined,
): string[] {
  const names = [
    table?.partitionKey,
    table?.sortKey,
    ...(entity.attributes ?? []),
    ...(entity.parents ?? []).map((parent) => parent.attribute),
    entity.tenantAttribute,
    entity.createdAtAttribute,
  ];
  return [...new Set(names.filter((name): name is string => name !== undefined))];
}

function duplicatePhysicalNames(
  kind: 'table' | 'bucket',
  entries: Readonly<Record<string, { readonly name: string }>>,
): string[] {
  const owners = new Map<string, string>();
  const problems: string[] = [];
  for (const [key, entry] of Object.entries(entries)) {
    const owner = owners.get(entry.name);
    if (owner === undefined) {
      owners.set(entry.name, key);
    } else {
      problems.push(
        `${kind} "${key}": name "${entry.name}" is already the name of ${kind} "${owner}"`,
      );
    }
  }
  return problems;
}

/** Every key attribute of a table: its own partition and sort key and those of its indexes. */
function keyAttributesOf(table: TableDefinition): string[] {
  const names = [table.partitionKey, table.sortKey];
  for (const index of Object.values(table.indexes ?? {})) {
    names.push(index.partitionKey, index.sortKey);
  }
  return [...new Set(names.filter((name): name is string => name !== undefined))];
}

/** A type declared for an attribute that is no key would be silently ignored: say so. */
function checkKeyTypes(tables: Readonly<Record<string, TableDefinition>>): string[] {
  const problems: string[] = [];
  for (const [key, table] of Object.entries(tables)) {
    const keys = keyAttributesOf(table);
    for (const attribute of Object.keys(table.keyTypes ?? {})) {
      if (!keys.includes(attribute)) {
        problems.push(
          `table "${key}": keyTypes.${attribute} names no key of the table or its indexes (keys: ${keys.join(', ')}); only key attributes have a declared type`,
        );
      }
    }
  }
  return problems;
}

interface EntityContext {
  readonly name: string;
  readonly entity: EntityDefinition;
  /** Undefined when the entity's table is unknown or malformed: table checks are skipped then. */
  readonly table: TableDefinition | undefined;
  readonly tableKey: string;
  readonly parsed: ParsedGraphDefinition;
  readonly problems: string[];
}

function report(context: EntityContext, field: string, message: string): void {
  context.problems.push(`entity "${context.name}": ${field} ${message}`);
}

function checkParent(
  context: EntityContext,
  parent: ParentRelationDefinition,
  field: string,
): void {
  const { table, tableKey } = context;
  if (!context.parsed.declared.entities.has(parent.entity)) {
    report(context, `${field}.entity`, `"${parent.entity}" is not a declared entity`);
  }
  if (table === undefined) {
    return;
  }
  if (parent.index === undefined) {
    if (parent.attribute !== table.partitionKey) {
      report(
        context,
        `${field}.attribute`,
        `"${parent.attribute}" is not the partition key of table "${tableKey}" ("${table.partitionKey}") and ${field}.index is not set; ${NO_SCANS}`,
      );
    }
  } else {
    const index = own(table.indexes, parent.index);
    if (index === undefined) {
      report(
        context,
        `${field}.index`,
        `"${parent.index}" is not an index of table "${tableKey}"; ${NO_SCANS}`,
      );
    } else if (index.partitionKey !== parent.attribute) {
      report(
        context,
        `${field}.index`,
        `"${parent.index}" has partition key "${index.partitionKey}", not "${parent.attribute}" (${field}.attribute); ${NO_SCANS}`,
      );
    }
  }
  checkRelationType(context, parent, field);
  if (
    parent.onDelete === 'set-null' &&
    (parent.attribute === table.partitionKey || parent.attribute === table.sortKey)
  ) {
    report(
      context,
      `${field}.onDelete`,
      `"set-null" cannot clear "${parent.attribute}", a key attribute of table "${tableKey}"`,
    );
  }
}

/**
 * The child's attribute holds the parent's id, so both must have one type: a Number parent id
 * queried against a String index (or the reverse) would find nothing, or be refused by DynamoDB.
 */
function checkRelationType(
  context: EntityContext,
  parent: ParentRelationDefinition,
  field: string,
): void {
  const { table, tableKey, parsed } = context;
  const parentEntity = own(parsed.definition.entities, parent.entity);
  const parentTable = parentEntity && own(parsed.definition.tables, parentEntity.table);
  if (table === undefined || parentEntity === undefined || parentTable === undefined) return;
  const childType = tableKeyType(table, parent.attribute);
  const parentType = tableKeyType(parentTable, parentTable.partitionKey);
  if (childType !== parentType) {
    report(
      context,
      `${field}.attribute`,
      `"${parent.attribute}" is a ${childType} key of table "${tableKey}", but the id of "${parent.entity}" ("${parentTable.partitionKey}" of table "${parentEntity.table}") is a ${parentType}; declare the same type in both tables' keyTypes`,
    );
  }
}

function checkParents(context: EntityContext): void {
  const seen = new Map<string, number>();
  (context.entity.parents ?? []).forEach((parent, index) => {
    const field = `parents[${index}]`;
    checkParent(context, parent, field);
    const relation = `${parent.entity}\u0000${parent.attribute}`;
    const first = seen.get(relation);
    if (first === undefined) {
      seen.set(relation, index);
    } else {
      report(
        context,
        field,
        `repeats the relation to "${parent.entity}" by "${parent.attribute}" (parents[${first}])`,
      );
    }
  });
}

interface TemplateRules {
  readonly kind: 'key' | 'prefix' | 'item';
  /** The names a placeholder may use. */
  readonly allowed: readonly string[];
}

function checkTemplate(
  context: EntityContext,
  field: string,
  template: string,
  rules: TemplateRules,
): void {
  const syntax = templateSyntaxProblem(template);
  if (syntax !== undefined) {
    report(context, field, `"${template}" is invalid: ${syntax}`);
    return;
  }
  const { attributes } = parseKeyTemplate(template);
  if (attributes.length === 0) {
    // A constant key would be shared by every row; a constant prefix would delete a whole tree.
    report(
      context,
      field,
      rules.kind === 'item'
        ? `"${template}" must contain {value}`
        : `"${template}" must contain at least one {attribute} placeholder, or every row would delete the same ${rules.kind}`,
    );
  }
  if (rules.kind === 'prefix' && !template.endsWith('/')) {
    // Without the trailing "/", the prefix of id "p1" also matches the objects of id "p1x".
    report(context, field, `"${template}" must end with "/" so that it matches only its own id`);
  }
  for (const attribute of attributes) {
    if (!rules.allowed.includes(attribute)) {
      report(
        context,
        field,
        rules.kind === 'item'
          ? `"${template}" names {${attribute}}; an item template may only use {value}`
          : `"${template}" names {${attribute}}, which entity "${context.name}" does not declare (declared: ${rules.allowed.join(', ')})`,
      );
    }
  }
}

function checkBucket(context: EntityContext, field: string, bucket: string): void {
  if (!context.parsed.declared.buckets.has(bucket)) {
    report(context, field, `"${bucket}" is not a declared bucket`);
  }
}

function checkObjects(context: EntityContext, allowed: readonly string[]): void {
  const archive = context.entity.guards?.requireArchiveCopy?.bucket;
  (context.entity.objects ?? []).forEach((group: ObjectGroupDefinition, index) => {
    const field = `objects[${index}]`;
    checkBucket(context, `${field}.bucket`, group.bucket);
    checkTemplate(context, `${field}.template`, group.template, {
      kind: group.kind === 'prefix' ? 'prefix' : 'key',
      allowed,
    });
    const buckets = [group.bucket];
    if (group.kind === 'manifest') {
      if (group.itemBucket !== undefined) {
        checkBucket(context, `${field}.itemBucket`, group.itemBucket);
        buckets.push(group.itemBucket);
      }
      checkTemplate(context, `${field}.itemTemplate`, group.itemTemplate, {
        kind: 'item',
        allowed: ['value'],
      });
      if (group.keysPath.split('.').some((segment) => segment === '')) {
        report(context, `${field}.keysPath`, `"${group.keysPath}" has an empty path segment`);
      }
    }
    if (archive !== undefined && buckets.includes(archive)) {
      // HeadObject would find the very object about to be deleted: the guard would always pass.
      report(
        context,
        'guards.requireArchiveCopy.bucket',
        `"${archive}" is also a bucket ${field} deletes from; the archive must be another bucket`,
      );
    }
  });
}

function checkGuardsAndRetention(context: EntityContext): void {
  const { entity, table, tableKey } = context;
  const archive = entity.guards?.requireArchiveCopy;
  if (archive !== undefined) {
    checkBucket(context, 'guards.requireArchiveCopy.bucket', archive.bucket);
  }
  if (entity.guards?.minRetentionDays !== undefined && entity.createdAtAttribute === undefined) {
    report(
      context,
      'guards.minRetentionDays',
      'needs createdAtAttribute to know how old an entity is',
    );
  }
  const retention = entity.retention;
  if (retention === undefined || table === undefined) {
    return;
  }
  const index = own(table.indexes, retention.index);
  if (index === undefined) {
    report(
      context,
      'retention.index',
      `"${retention.index}" is not an index of table "${tableKey}"; retention queries it, no scans are allowed`,
    );
  } else if (index.sortKey === undefined) {
    report(
      context,
      'retention.index',
      `"${retention.index}" has no sort key; retention needs the time as the index's sort key`,
    );
  } else {
    if (tableKeyType(table, index.sortKey) !== 'string') {
      report(
        context,
        'retention.index',
        `"${retention.index}" has a number sort key "${index.sortKey}"; retention compares ISO-8601 times, so it must be a string`,
      );
    }
    if (
      tableKeyType(table, index.partitionKey) === 'number' &&
      canonicalNumber(retention.partitionValue) === undefined
    ) {
      report(
        context,
        'retention.partitionValue',
        `"${retention.partitionValue}" is not a number, but the partition key "${index.partitionKey}" of "${retention.index}" is a number`,
      );
    }
  }
}

function checkEntity(context: EntityContext): void {
  const { entity, table } = context;
  if (!context.parsed.declared.tables.has(entity.table)) {
    report(context, 'table', `"${entity.table}" is not a declared table`);
  }
  checkParents(context);
  if (table !== undefined) {
    // Without the table the declared attributes are incomplete: reporting templates then would mislead.
    checkObjects(context, declaredAttributes(entity, table));
  } else {
    for (const [index, group] of (entity.objects ?? []).entries()) {
      checkBucket(context, `objects[${index}].bucket`, group.bucket);
    }
  }
  checkGuardsAndRetention(context);
}

function checkSharedTables(parsed: ParsedGraphDefinition, problems: string[]): void {
  const owners = new Map<string, string>();
  for (const [name, entity] of Object.entries(parsed.definition.entities)) {
    const table = own(parsed.definition.tables, entity.table);
    // Physical names catch two table entries that point at one DynamoDB table as well.
    const physical = table?.name ?? `\u0000${entity.table}`;
    const owner = owners.get(physical);
    if (owner === undefined) {
      owners.set(physical, name);
    } else {
      problems.push(
        `entity "${name}": table "${entity.table}" is already the table of entity "${owner}"; an entity id is its table's partition key, so each entity needs its own table`,
      );
    }
  }
}

function checkCascadeCycles(parsed: ParsedGraphDefinition, problems: string[]): void {
  const entities = parsed.definition.entities;
  const names = Object.keys(entities);
  const cascadeParents = (child: string): ParentRelationDefinition[] =>
    (own(entities, child)?.parents ?? []).filter(
      (parent) => parent.onDelete === 'cascade' && own(entities, parent.entity) !== undefined,
    );
  const childrenOf = new Map<string, string[]>(names.map((name) => [name, []]));
  for (const child of names) {
    for (const parent of cascadeParents(child)) {
      childrenOf.get(parent.entity)?.push(child);
    }
  }
  for (const cycle of findCycles(names, (name) => childrenOf.get(name) ?? [])) {
    const [start] = cycle;
    const closing = cycle.at(-2);
    if (start === undefined || closing === undefined) {
      continue;
    }
    const index = (own(entities, start)?.parents ?? []).findIndex(
      (parent) => parent.onDelete === 'cascade' && parent.entity === closing,
    );
    problems.push(
      `entity "${start}": parents[${index}].entity "${closing}" closes a cycle of cascade relations: ${cycle.join(' → ')}; cascades must not loop`,
    );
  }
}

/** Every semantic problem of the well-formed part of a definition, in a stable order. */
export function findGraphProblems(parsed: ParsedGraphDefinition): string[] {
  const problems: string[] = [];
  const { tables, buckets, entities } = parsed.definition;
  problems.push(...duplicatePhysicalNames('table', tables));
  problems.push(...duplicatePhysicalNames('bucket', buckets));
  problems.push(...checkKeyTypes(tables));
  checkSharedTables(parsed, problems);
  for (const [name, entity] of Object.entries(entities)) {
    checkEntity({
      name,
      entity,
      table: own(tables, entity.table),
      tableKey: entity.table,
      parsed,
      problems,
    });
  }
  checkCascadeCycles(parsed, problems);
  return problems;
}
