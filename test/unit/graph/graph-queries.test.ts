import { describe, expect, it } from 'vitest';
import { exampleGraph } from '../../../infra/example-graph.js';
import { LetheError } from '../../../lib/errors.js';
import { defineGraph } from '../../../lib/graph/define-graph.js';
import {
  cascadeOrder,
  getEntity,
  getRelation,
  rootEntities,
} from '../../../lib/graph/graph-queries.js';
import type { GraphDefinition } from '../../../lib/graph/graph-types.js';
import { baseDefinition } from './graph-fixtures.js';

function thrown(act: () => unknown): unknown {
  try {
    act();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('Function: getEntity', () => {
  it('returns the entity with that name', () => {
    // Act
    const entity = getEntity(exampleGraph(), 'project');

    // Assess
    expect(entity.name).toBe('project');
    expect(entity.tableName).toBe('lethe-example-projects');
  });

  it('throws UNKNOWN_ENTITY listing the known entities when the name is unknown', () => {
    // Act
    const error = thrown(() => getEntity(exampleGraph(), 'x'));

    // Assess
    expect(error).toBeInstanceOf(LetheError);
    expect(error).toMatchObject({
      code: 'UNKNOWN_ENTITY',
      message:
        'unknown entity "x"; known: organization, membership, project, artifact, snapshot, alert',
    });
  });

  it('throws UNKNOWN_ENTITY for names inherited from Object.prototype', () => {
    // Act & Assess
    expect(() => getEntity(exampleGraph(), 'constructor')).toThrowError(/unknown entity/);
    expect(() => getEntity(exampleGraph(), '__proto__')).toThrowError(/unknown entity/);
  });
});

describe('Function: getRelation', () => {
  it('returns the relation with that name', () => {
    // Act
    const relation = getRelation(exampleGraph(), 'project.alert.projectId');

    // Assess
    expect(relation).toMatchObject({ parent: 'project', child: 'alert', onDelete: 'set-null' });
  });

  it('throws UNKNOWN_RELATION when the name is unknown', () => {
    // Act
    const error = thrown(() => getRelation(exampleGraph(), 'project.alert.orgId'));

    // Assess
    expect(error).toBeInstanceOf(LetheError);
    expect(error).toMatchObject({ code: 'UNKNOWN_RELATION' });
    expect((error as LetheError).message).toMatch(
      /^unknown relation "project.alert.orgId"; known: /,
    );
  });
});

describe('Function: rootEntities', () => {
  it('returns the entities without parents', () => {
    // Act
    const roots = rootEntities(exampleGraph());

    // Assess
    expect(roots.map((entity) => entity.name)).toEqual(['organization']);
  });
});

describe('Function: cascadeOrder', () => {
  it('orders every entity after all of its children', () => {
    // Act
    const order = cascadeOrder(exampleGraph()).map((entity) => entity.name);

    // Assess
    expect(order).toEqual([
      'membership',
      'artifact',
      'snapshot',
      'alert',
      'project',
      'organization',
    ]);
  });

  it('still orders a graph whose set-null relation closes a loop', () => {
    // Prepare
    const definition = baseDefinition();
    definition.tables.orgs = {
      name: 'test-orgs',
      partitionKey: 'orgId',
      indexes: { byFlagship: { partitionKey: 'flagshipProjectId' } },
    };
    definition.entities.org.parents = [
      {
        entity: 'project',
        attribute: 'flagshipProjectId',
        index: 'byFlagship',
        onDelete: 'set-null',
      },
    ];
    const graph = defineGraph(definition as GraphDefinition);

    // Act
    const order = cascadeOrder(graph).map((entity) => entity.name);

    // Assess
    expect(order).toEqual(['membership', 'project', 'org']);
  });
});
