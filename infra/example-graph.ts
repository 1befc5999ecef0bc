// The example deletion graph used by the demo, the example stack and the tests:
// organizations → projects → artifacts and snapshots; snapshot manifests list
// content-addressed images shared across snapshots; alerts point at projects with set-null.
import { defineGraph } from '../lib/graph/define-graph.js';

export interface ExampleNames {
  /** Prepended to every table and bucket name, so tests and stacks can run side by side. */
  readonly prefix?: string;
}

export function exampleGraphDefinition({ prefix = 'lethe-example' }: ExampleNames = {}) {
  return {
    tables: {
      organizations: { name: `${prefix}-organizations`, partitionKey: 'orgId' },
      memberships: { name: `${prefix}-memberships`, partitionKey: 'orgId', sortKey: 'userId' },
      projects: {
        name: `${prefix}-projects`,
        partitionKey: 'projectId',
        indexes: { byOrg: { partitionKey: 'orgId' } },
      },
      artifacts: {
        name: `${prefix}-artifacts`,
        partitionKey: 'artifactId',
        indexes: {
          byProject: { partitionKey: 'projectId' },
          byRetention: { partitionKey: 'retentionClass', sortKey: 'createdAt' },
        },
      },
      snapshots: {
        name: `${prefix}-snapshots`,
        partitionKey: 'snapshotId',
        indexes: { byProject: { partitionKey: 'projectId' } },
      },
      alerts: {
        name: `${prefix}-alerts`,
        partitionKey: 'alertId',
        indexes: { byProject: { partitionKey: 'projectId' } },
      },
    },
    buckets: {
      artifacts: { name: `${prefix}-artifacts` },
      snapshots: { name: `${prefix}-snapshots` },
      images: { name: `${prefix}-images` },
    },
    entities: {
      organization: {
        table: 'organizations',
        attributes: ['tenantId', 'createdAt'],
        tenantAttribute: 'tenantId',
        createdAtAttribute: 'createdAt',
      },
      membership: {
        table: 'memberships',
        parents: [{ entity: 'organization', attribute: 'orgId', onDelete: 'cascade' }],
      },
      project: {
        table: 'projects',
        attributes: ['tenantId', 'createdAt'],
        tenantAttribute: 'tenantId',
        createdAtAttribute: 'createdAt',
        parents: [
          { entity: 'organization', attribute: 'orgId', index: 'byOrg', onDelete: 'cascade' },
        ],
        objects: [{ kind: 'prefix', bucket: 'artifacts', template: 'projects/{projectId}/' }],
      },
      artifact: {
        table: 'artifacts',
        attributes: ['tenantId', 'createdAt', 'retentionClass'],
        tenantAttribute: 'tenantId',
        createdAtAttribute: 'createdAt',
        parents: [
          { entity: 'project', attribute: 'projectId', index: 'byProject', onDelete: 'cascade' },
        ],
        objects: [
          { kind: 'key', bucket: 'artifacts', template: 'artifacts/{projectId}/{artifactId}.bin' },
        ],
        retention: { deleteAfterDays: 90, index: 'byRetention', partitionValue: 'standard' },
      },
      snapshot: {
        table: 'snapshots',
        attributes: ['tenantId', 'createdAt'],
        tenantAttribute: 'tenantId',
        createdAtAttribute: 'createdAt',
        parents: [
          { entity: 'project', attribute: 'projectId', index: 'byProject', onDelete: 'cascade' },
        ],
        objects: [
          {
            kind: 'manifest',
            bucket: 'snapshots',
            template: 'manifests/{snapshotId}.json',
            keysPath: 'images',
            itemBucket: 'images',
            itemTemplate: 'images/{value}',
            itemsShared: 'refcount',
          },
        ],
      },
      alert: {
        table: 'alerts',
        parents: [
          { entity: 'project', attribute: 'projectId', index: 'byProject', onDelete: 'set-null' },
        ],
      },
    },
  } as const;
}

export function exampleGraph(names: ExampleNames = {}) {
  return defineGraph(exampleGraphDefinition(names));
}
