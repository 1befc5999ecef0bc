import { describe, expect, it } from 'vitest';
import { exampleGraph } from '../../../infra/example-graph.js';

describe('Function: exampleGraph', () => {
  it('validates and declares every entity of the demo', () => {
    // Act
    const graph = exampleGraph();

    // Assess
    expect(Object.keys(graph.entities)).toEqual([
      'organization',
      'membership',
      'project',
      'artifact',
      'snapshot',
      'alert',
    ]);
  });

  it('has the expected relations, actions and query paths', () => {
    // Act
    const graph = exampleGraph();

    // Assess
    expect(
      graph.relations.map(({ name, parent, child, attribute, index, onDelete }) => ({
        name,
        parent,
        child,
        attribute,
        index,
        onDelete,
      })),
    ).toEqual([
      {
        name: 'organization.membership.orgId',
        parent: 'organization',
        child: 'membership',
        attribute: 'orgId',
        index: undefined,
        onDelete: 'cascade',
      },
      {
        name: 'organization.project.orgId',
        parent: 'organization',
        child: 'project',
        attribute: 'orgId',
        index: 'byOrg',
        onDelete: 'cascade',
      },
      {
        name: 'project.artifact.projectId',
        parent: 'project',
        child: 'artifact',
        attribute: 'projectId',
        index: 'byProject',
        onDelete: 'cascade',
      },
      {
        name: 'project.snapshot.projectId',
        parent: 'project',
        child: 'snapshot',
        attribute: 'projectId',
        index: 'byProject',
        onDelete: 'cascade',
      },
      {
        name: 'project.alert.projectId',
        parent: 'project',
        child: 'alert',
        attribute: 'projectId',
        index: 'byProject',
        onDelete: 'set-null',
      },
    ]);
  });

  it('cascades from organizations and projects only', () => {
    // Act
    const graph = exampleGraph();

    // Assess
    const cascading = Object.values(graph.entities)
      .filter((entity) => entity.cascades)
      .map((entity) => entity.name);
    expect(cascading).toEqual(['organization', 'project']);
    expect(graph.entities.project?.children.map((relation) => relation.child)).toEqual([
      'artifact',
      'snapshot',
      'alert',
    ]);
  });

  it('prefixes every physical table and bucket name', () => {
    // Act
    const graph = exampleGraph({ prefix: 'unit-1' });

    // Assess
    expect(graph.entities.snapshot?.tableName).toBe('unit-1-snapshots');
    expect(graph.buckets.images?.name).toBe('unit-1-images');
    expect(graph.entities.snapshot?.objects).toEqual([
      {
        kind: 'manifest',
        bucket: 'snapshots',
        template: 'manifests/{snapshotId}.json',
        keysPath: 'images',
        itemBucket: 'images',
        itemTemplate: 'images/{value}',
        itemsShared: 'refcount',
      },
    ]);
    expect(graph.entities.artifact?.retention).toEqual({
      deleteAfterDays: 90,
      index: 'byRetention',
      partitionValue: 'standard',
    });
  });
});
