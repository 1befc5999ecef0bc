// Shared fixtures for the graph tests: a small valid definition that each test bends into
// exactly one kind of mistake, and a helper that returns the problems defineGraph reports.
import { GraphValidationError } from '../../../lib/errors.js';
import { defineGraph } from '../../../lib/graph/define-graph.js';
import type {
  BucketDefinition,
  EntityDefinition,
  GraphDefinition,
  TableDefinition,
} from '../../../lib/graph/graph-types.js';

type DeepMutable<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends object
    ? { -readonly [K in keyof T]: DeepMutable<T[K]> }
    : T;

export type MutableEntity = DeepMutable<EntityDefinition>;

export interface MutableDefinition {
  tables: Record<string, DeepMutable<TableDefinition>>;
  buckets: Record<string, DeepMutable<BucketDefinition>>;
  entities: Record<string, MutableEntity> & {
    org: MutableEntity;
    project: MutableEntity;
    membership: MutableEntity;
  };
}

/** org → project (by index byOrg, owns a prefix) and org → membership (by key); valid as is. */
export function baseDefinition(): MutableDefinition {
  return {
    tables: {
      orgs: { name: 'test-orgs', partitionKey: 'orgId' },
      projects: {
        name: 'test-projects',
        partitionKey: 'projectId',
        indexes: {
          byOrg: { partitionKey: 'orgId' },
          byAge: { partitionKey: 'ageClass', sortKey: 'createdAt' },
        },
      },
      members: { name: 'test-members', partitionKey: 'orgId', sortKey: 'userId' },
    },
    buckets: {
      files: { name: 'test-files' },
      archive: { name: 'test-archive' },
    },
    entities: {
      org: { table: 'orgs', attributes: ['createdAt'], createdAtAttribute: 'createdAt' },
      project: {
        table: 'projects',
        attributes: ['ageClass'],
        createdAtAttribute: 'createdAt',
        parents: [{ entity: 'org', attribute: 'orgId', index: 'byOrg', onDelete: 'cascade' }],
        objects: [{ kind: 'prefix', bucket: 'files', template: 'projects/{projectId}/' }],
      },
      membership: {
        table: 'members',
        parents: [{ entity: 'org', attribute: 'orgId', onDelete: 'cascade' }],
      },
    },
  };
}

/** The problems defineGraph reports for a definition; fails the test when it does not throw. */
export function problemsOf(definition: unknown): readonly string[] {
  try {
    defineGraph(definition as GraphDefinition);
  } catch (error) {
    if (error instanceof GraphValidationError) {
      return error.problems;
    }
    throw error;
  }
  throw new Error('expected defineGraph to throw a GraphValidationError');
}
