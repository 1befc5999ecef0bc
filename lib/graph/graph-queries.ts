// Lookups on a validated Graph shared by the engine, the CLI and the handlers: they turn a name
// from a message or a command line into an entity or relation, or fail with a stable code.
import { LetheError } from '../errors.js';
import type { Entity, Graph, Relation } from './graph-types.js';

/** The entity with this name; throws LetheError `UNKNOWN_ENTITY` listing the known ones. */
export function getEntity(graph: Graph, name: string): Entity {
  // Own keys only: a message naming "constructor" or "__proto__" is an unknown entity, not a crash.
  const entity = Object.hasOwn(graph.entities, name) ? graph.entities[name] : undefined;
  if (entity === undefined) {
    throw new LetheError(
      'UNKNOWN_ENTITY',
      `unknown entity ${JSON.stringify(name)}; known: ${Object.keys(graph.entities).join(', ')}`,
    );
  }
  return entity;
}

/** The relation with this name (`parent.child.attribute`); throws LetheError `UNKNOWN_RELATION`. */
export function getRelation(graph: Graph, name: string): Relation {
  const relation = graph.relations.find((candidate) => candidate.name === name);
  if (relation === undefined) {
    throw new LetheError(
      'UNKNOWN_RELATION',
      `unknown relation ${JSON.stringify(name)}; known: ${graph.relations.map((known) => known.name).join(', ')}`,
    );
  }
  return relation;
}

/** Entities without parents: where deletions usually start. In declaration order. */
export function rootEntities(graph: Graph): Entity[] {
  return Object.values(graph.entities).filter((entity) => entity.parents.length === 0);
}

/**
 * Every entity, children before their parents (leaves first), ties in declaration order.
 * All relations order the result; where set-null, restrict or none relations close a loop,
 * only cascade relations (acyclic by validation) decide, so the order always exists.
 */
export function cascadeOrder(graph: Graph): Entity[] {
  const pending = Object.values(graph.entities);
  const placed = new Set<string>();
  const order: Entity[] = [];
  const childrenPlaced = (entity: Entity, onlyCascade: boolean) =>
    entity.children.every(
      (relation) =>
        placed.has(relation.child) ||
        relation.child === entity.name ||
        (onlyCascade && relation.onDelete !== 'cascade'),
    );
  while (pending.length > 0) {
    let next = pending.findIndex((entity) => childrenPlaced(entity, false));
    if (next === -1) {
      next = pending.findIndex((entity) => childrenPlaced(entity, true));
    }
    const [entity] = pending.splice(next === -1 ? 0 : next, 1);
    if (entity === undefined) {
      break;
    }
    placed.add(entity.name);
    order.push(entity);
  }
  return order;
}
