// defineGraph: the one entry point from a platform engineer's declaration to the validated,
// normalised Graph every other module reads. It refuses a graph with any problem, listing all
// of them at once, because a wrong graph deletes the wrong data.
import { GraphValidationError } from '../errors.js';
import { declaredAttributes, findGraphProblems } from './graph-problems.js';
import { parseGraphDefinition } from './graph-schema.js';
import type {
  Entity,
  Graph,
  GraphDefinition,
  KeyAttributeType,
  Relation,
  TableDefinition,
} from './graph-types.js';
import { tableKeyType } from './key-types.js';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) {
      deepFreeze(child);
    }
  }
  return value;
}

function keyTypesOf(table: TableDefinition): Record<string, KeyAttributeType> {
  const types: Record<string, KeyAttributeType> = {};
  const keys = [table.partitionKey, table.sortKey];
  for (const index of Object.values(table.indexes ?? {}))
    keys.push(index.partitionKey, index.sortKey);
  for (const key of keys) {
    if (key !== undefined) types[key] = tableKeyType(table, key);
  }
  return types;
}

function buildGraph(definition: Required<GraphDefinition>): Graph {
  const relations: Relation[] = [];
  for (const [child, entity] of Object.entries(definition.entities)) {
    for (const parent of entity.parents ?? []) {
      relations.push({
        name: `${parent.entity}.${child}.${parent.attribute}`,
        parent: parent.entity,
        child,
        attribute: parent.attribute,
        index: parent.index,
        onDelete: parent.onDelete,
      });
    }
  }
  const entities: Record<string, Entity> = {};
  for (const [name, entity] of Object.entries(definition.entities)) {
    const table = definition.tables[entity.table];
    if (table === undefined) {
      // Validation guarantees the table exists; this keeps the types honest without a `!`.
      throw new GraphValidationError([`entity "${name}": table "${entity.table}" is not declared`]);
    }
    const children = relations.filter((relation) => relation.parent === name);
    entities[name] = {
      name,
      table: entity.table,
      tableName: table.name,
      partitionKey: table.partitionKey,
      sortKey: table.sortKey,
      idType: tableKeyType(table, table.partitionKey),
      keyTypes: keyTypesOf(table),
      attributes: declaredAttributes(entity, table),
      parents: relations.filter((relation) => relation.child === name),
      children,
      objects: entity.objects ?? [],
      tenantAttribute: entity.tenantAttribute,
      createdAtAttribute: entity.createdAtAttribute,
      guards: entity.guards ?? {},
      retention: entity.retention,
      restoreWindowDays: entity.restoreWindowDays,
      deadlineDays: entity.deadlineDays,
      cascades: children.length > 0,
    };
  }
  // One graph serves every unit of a deletion: frozen, no module can change what was validated.
  return deepFreeze({
    definition,
    tables: definition.tables,
    buckets: definition.buckets,
    entities,
    relations,
  });
}

/**
 * Validates a deletion graph and returns its normalised form. Throws GraphValidationError
 * listing every problem found, each naming the entity (or table, bucket) and field.
 */
export function defineGraph<const D extends GraphDefinition>(definition: D): Graph {
  const parsed = parseGraphDefinition(definition);
  const problems = [...parsed.problems, ...findGraphProblems(parsed)];
  if (problems.length > 0) {
    throw new GraphValidationError(problems);
  }
  return buildGraph(parsed.definition);
}
