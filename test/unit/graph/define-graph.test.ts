import { describe, expect, it } from 'vitest';
import { GraphValidationError } from '../../../lib/errors.js';
import { defineGraph } from '../../../lib/graph/define-graph.js';
import type { GraphDefinition } from '../../../lib/graph/graph-types.js';
import { baseDefinition, problemsOf } from './graph-fixtures.js';

/** a → b → c → a, each child found by an index on its parent's id. */
function cycleDefinition(closingAction: 'cascade' | 'set-null') {
  const definition = baseDefinition();
  for (const name of ['a', 'b', 'c']) {
    definition.tables[name] = {
      name: `test-${name}`,
      partitionKey: `${name}Id`,
      indexes: { byParent: { partitionKey: 'parentId' } },
    };
  }
  const child = (table: string, parent: string, onDelete: 'cascade' | 'set-null') => ({
    table,
    parents: [{ entity: parent, attribute: 'parentId', index: 'byParent', onDelete }],
  });
  definition.entities.a = child('a', 'c', closingAction);
  definition.entities.b = child('b', 'a', 'cascade');
  definition.entities.c = child('c', 'b', 'cascade');
  return definition;
}

describe('Function: defineGraph', () => {
  describe('with a valid definition', () => {
    it('returns every relation named parent.child.attribute, on both ends', () => {
      // Act
      const graph = defineGraph(baseDefinition() as GraphDefinition);

      // Assess
      expect(graph.relations.map((relation) => relation.name)).toEqual([
        'org.project.orgId',
        'org.membership.orgId',
      ]);
      expect(graph.entities.org?.children.map((relation) => relation.child)).toEqual([
        'project',
        'membership',
      ]);
      expect(graph.entities.project?.parents).toEqual([
        {
          name: 'org.project.orgId',
          parent: 'org',
          child: 'project',
          attribute: 'orgId',
          index: 'byOrg',
          onDelete: 'cascade',
        },
      ]);
      expect(graph.entities.membership?.parents[0]?.index).toBeUndefined();
    });

    it('marks only entities with children as cascading and defaults guards to {}', () => {
      // Act
      const graph = defineGraph(baseDefinition() as GraphDefinition);

      // Assess
      expect(graph.entities.org?.cascades).toBe(true);
      expect(graph.entities.project?.cascades).toBe(false);
      expect(graph.entities.membership?.cascades).toBe(false);
      expect(graph.entities.membership?.guards).toEqual({});
      expect(graph.buckets).toEqual(baseDefinition().buckets);
    });

    it('resolves table names and lists every attribute a template may name', () => {
      // Act
      const graph = defineGraph(baseDefinition() as GraphDefinition);

      // Assess
      expect(graph.entities.membership).toMatchObject({
        table: 'members',
        tableName: 'test-members',
        partitionKey: 'orgId',
        sortKey: 'userId',
      });
      expect(graph.entities.project?.attributes).toEqual([
        'projectId',
        'ageClass',
        'orgId',
        'createdAt',
      ]);
    });

    it('keeps a guard predicate as the same function', () => {
      // Prepare
      const definition = baseDefinition();
      const predicate = () => true;
      definition.entities.project.guards = { predicate };

      // Act
      const graph = defineGraph(definition as GraphDefinition);

      // Assess
      expect(graph.entities.project?.guards.predicate).toBe(predicate);
    });

    it('returns a frozen graph that later edits of the definition do not change', () => {
      // Prepare
      const definition = baseDefinition();
      const graph = defineGraph(definition as GraphDefinition);

      // Act
      definition.entities.project.objects = [
        { kind: 'prefix', bucket: 'files', template: '{orgId}/' },
      ];

      // Assess
      expect(graph.entities.project?.objects[0]?.template).toBe('projects/{projectId}/');
      expect(Object.isFrozen(graph.entities.project?.objects[0])).toBe(true);
      expect(Object.isFrozen(graph.relations)).toBe(true);
    });

    it('accepts a loop that a set-null relation closes', () => {
      // Act
      const graph = defineGraph(cycleDefinition('set-null') as GraphDefinition);

      // Assess
      expect(graph.entities.a?.parents[0]?.onDelete).toBe('set-null');
    });
  });

  describe('with an invalid definition', () => {
    it('throws a GraphValidationError with code GRAPH_INVALID listing the problems', () => {
      // Prepare
      const definition = baseDefinition();
      definition.entities.project.table = 'missing';

      // Act & Assess
      expect(() => defineGraph(definition as GraphDefinition)).toThrowError(GraphValidationError);
      expect(() => defineGraph(definition as GraphDefinition)).toThrowError(
        /invalid deletion graph:\n {2}- entity "project": table "missing" is not a declared table/,
      );
    });

    it('throws when a parent entity is not declared', () => {
      // Prepare
      const definition = baseDefinition();
      definition.entities.project.parents = [
        { entity: 'organisation', attribute: 'orgId', index: 'byOrg', onDelete: 'cascade' },
      ];

      // Act
      const problems = problemsOf(definition);

      // Assess
      expect(problems).toEqual([
        'entity "project": parents[0].entity "organisation" is not a declared entity',
      ]);
    });

    it('throws when a relation has no index and its attribute is not the partition key', () => {
      // Prepare
      const definition = baseDefinition();
      definition.entities.project.parents = [
        { entity: 'org', attribute: 'orgId', onDelete: 'cascade' },
      ];

      // Act
      const problems = problemsOf(definition);

      // Assess
      expect(problems).toEqual([
        'entity "project": parents[0].attribute "orgId" is not the partition key of table "projects" ("projectId") and parents[0].index is not set; children must be found by a key or an index, no scans are allowed',
      ]);
    });

    it('throws when a relation names an index its table does not declare', () => {
      // Prepare
      const definition = baseDefinition();
      definition.entities.membership.parents = [
        { entity: 'org', attribute: 'orgId', index: 'byOrg', onDelete: 'cascade' },
      ];

      // Act
      const problems = problemsOf(definition);

      // Assess
      expect(problems).toEqual([
        'entity "membership": parents[0].index "byOrg" is not an index of table "members"; children must be found by a key or an index, no scans are allowed',
      ]);
    });

    it("throws when the index's partition key is not the relation's attribute", () => {
      // Prepare
      const definition = baseDefinition();
      definition.entities.project.parents = [
        { entity: 'org', attribute: 'orgId', index: 'byAge', onDelete: 'cascade' },
      ];

      // Act
      const problems = problemsOf(definition);

      // Assess
      expect(problems).toEqual([
        'entity "project": parents[0].index "byAge" has partition key "ageClass", not "orgId" (parents[0].attribute); children must be found by a key or an index, no scans are allowed',
      ]);
    });

    it('throws when set-null would clear a key attribute', () => {
      // Prepare
      const definition = baseDefinition();
      definition.entities.membership.parents = [
        { entity: 'org', attribute: 'orgId', onDelete: 'set-null' },
      ];

      // Act
      const problems = problemsOf(definition);

      // Assess
      expect(problems).toEqual([
        'entity "membership": parents[0].onDelete "set-null" cannot clear "orgId", a key attribute of table "members"',
      ]);
    });

    it('throws when cascade relations form a cycle, naming the entities in it', () => {
      // Act
      const problems = problemsOf(cycleDefinition('cascade'));

      // Assess
      expect(problems).toEqual([
        'entity "a": parents[0].entity "c" closes a cycle of cascade relations: a → b → c → a; cascades must not loop',
      ]);
    });

    it('throws when an entity cascades from itself', () => {
      // Prepare
      const definition = baseDefinition();
      definition.tables.projects = {
        name: 'test-projects',
        partitionKey: 'projectId',
        indexes: {
          byOrg: { partitionKey: 'orgId' },
          byParent: { partitionKey: 'parentProjectId' },
        },
      };
      definition.entities.project.parents?.push({
        entity: 'project',
        attribute: 'parentProjectId',
        index: 'byParent',
        onDelete: 'cascade',
      });

      // Act
      const problems = problemsOf(definition);

      // Assess
      expect(problems).toEqual([
        'entity "project": parents[1].entity "project" closes a cycle of cascade relations: project → project; cascades must not loop',
      ]);
    });

    it('throws when a key, prefix or manifest template names an undeclared attribute', () => {
      // Prepare
      const definition = baseDefinition();
      definition.entities.project.objects = [
        { kind: 'key', bucket: 'files', template: 'p/{projectId}/{fileId}.bin' },
        { kind: 'prefix', bucket: 'files', template: 'p/{ownerId}/' },
        {
          kind: 'manifest',
          bucket: 'files',
          template: 'm/{manifestId}.json',
          keysPath: 'images',
          itemTemplate: 'images/{value}',
        },
      ];

      // Act
      const problems = problemsOf(definition);

      // Assess
      const declared = '(declared: projectId, ageClass, orgId, createdAt)';
      expect(problems).toEqual([
        `entity "project": objects[0].template "p/{projectId}/{fileId}.bin" names {fileId}, which entity "project" does not declare ${declared}`,
        `entity "project": objects[1].template "p/{ownerId}/" names {ownerId}, which entity "project" does not declare ${declared}`,
        `entity "project": objects[2].template "m/{manifestId}.json" names {manifestId}, which entity "project" does not declare ${declared}`,
      ]);
    });

    it('accepts templates naming keys, parents, attributes, tenant and creation time', () => {
      // Prepare
      const definition = baseDefinition();
      definition.entities.membership.tenantAttribute = 'tenantId';
      definition.entities.membership.createdAtAttribute = 'joinedAt';
      definition.entities.membership.attributes = ['avatarHash'];
      definition.entities.membership.objects = [
        {
          kind: 'key',
          bucket: 'files',
          template: '{tenantId}/{orgId}/{userId}/{joinedAt}/{avatarHash}.png',
        },
      ];

      // Act
      const graph = defineGraph(definition as GraphDefinition);

      // Assess
      expect(graph.entities.membership?.objects).toHaveLength(1);
    });

    it('throws when an item template uses anything but {value}', () => {
      // Prepare
      const definition = baseDefinition();
      definition.entities.project.objects = [
        {
          kind: 'manifest',
          bucket: 'files',
          template: 'm/{projectId}.json',
          keysPath: 'images',
          itemTemplate: 'images/{projectId}/{hash}',
        },
        {
          kind: 'manifest',
          bucket: 'files',
          template: 'n/{projectId}.json',
          keysPath: 'images',
          itemTemplate: 'images/all',
        },
      ];

      // Act
      const problems = problemsOf(definition);

      // Assess
      expect(problems).toEqual([
        'entity "project": objects[0].itemTemplate "images/{projectId}/{hash}" names {projectId}; an item template may only use {value}',
        'entity "project": objects[0].itemTemplate "images/{projectId}/{hash}" names {hash}; an item template may only use {value}',
        'entity "project": objects[1].itemTemplate "images/all" must contain {value}',
      ]);
    });

    it('throws when a manifest keysPath has an empty segment', () => {
      // Prepare
      const definition = baseDefinition();
      definition.entities.project.objects = [
        {
          kind: 'manifest',
          bucket: 'files',
          template: 'm/{projectId}.json',
          keysPath: 'layers..digest',
          itemTemplate: 'images/{value}',
        },
      ];

      // Act
      const problems = problemsOf(definition);

      // Assess
      expect(problems).toEqual([
        'entity "project": objects[0].keysPath "layers..digest" has an empty path segment',
      ]);
    });

    it('treats names inherited from Object.prototype as undeclared', () => {
      // Prepare
      const definition = baseDefinition();
      definition.entities.membership.table = 'constructor';
      definition.entities.project.parents = [
        { entity: 'toString', attribute: 'orgId', index: 'hasOwnProperty', onDelete: 'cascade' },
      ];

      // Act
      const problems = problemsOf(definition);

      // Assess
      expect(problems).toEqual([
        'entity "project": parents[0].entity "toString" is not a declared entity',
        'entity "project": parents[0].index "hasOwnProperty" is not an index of table "projects"; children must be found by a key or an index, no scans are allowed',
        'entity "membership": table "constructor" is not a declared table',
      ]);
    });

    it('throws when a prefix template does not end with "/" or has no placeholder', () => {
      // Prepare
      const definition = baseDefinition();
      definition.entities.project.objects = [
        { kind: 'prefix', bucket: 'files', template: 'projects/{projectId}' },
        { kind: 'prefix', bucket: 'files', template: 'projects/' },
      ];

      // Act
      const problems = problemsOf(definition);

      // Assess
      expect(problems).toEqual([
        'entity "project": objects[0].template "projects/{projectId}" must end with "/" so that it matches only its own id',
        'entity "project": objects[1].template "projects/" must contain at least one {attribute} placeholder, or every row would delete the same prefix',
      ]);
    });

    it('throws when a key template has no placeholder or bad syntax', () => {
      // Prepare
      const definition = baseDefinition();
      definition.entities.project.objects = [
        { kind: 'key', bucket: 'files', template: 'settings.json' },
        { kind: 'key', bucket: 'files', template: 'p/{projectId' },
        { kind: 'key', bucket: 'files', template: 'p/{orgId}{projectId}' },
      ];

      // Act
      const problems = problemsOf(definition);

      // Assess
      expect(problems).toEqual([
        'entity "project": objects[0].template "settings.json" must contain at least one {attribute} placeholder, or every row would delete the same key',
        'entity "project": objects[1].template "p/{projectId" is invalid: "{" at position 2 is not closed',
        'entity "project": objects[2].template "p/{orgId}{projectId}" is invalid: placeholder "{projectId}" follows another placeholder; separate placeholders with literal text',
      ]);
    });

    it('throws when two entities use the same table', () => {
      // Prepare
      const definition = baseDefinition();
      definition.entities.owner = { table: 'orgs' };

      // Act
      const problems = problemsOf(definition);

      // Assess
      expect(problems).toEqual([
        'entity "owner": table "orgs" is already the table of entity "org"; an entity id is its table\'s partition key, so each entity needs its own table',
      ]);
    });

    it('throws when two tables or two buckets share a physical name', () => {
      // Prepare
      const definition = baseDefinition();
      definition.tables.orgsAgain = { name: 'test-orgs', partitionKey: 'orgId' };
      definition.buckets.filesAgain = { name: 'test-files' };
      definition.entities.owner = { table: 'orgsAgain' };

      // Act
      const problems = problemsOf(definition);

      // Assess
      expect(problems).toEqual([
        'table "orgsAgain": name "test-orgs" is already the name of table "orgs"',
        'bucket "filesAgain": name "test-files" is already the name of bucket "files"',
        'entity "owner": table "orgsAgain" is already the table of entity "org"; an entity id is its table\'s partition key, so each entity needs its own table',
      ]);
    });

    it('throws when a parent relation is declared twice', () => {
      // Prepare
      const definition = baseDefinition();
      definition.entities.membership.parents = [
        { entity: 'org', attribute: 'orgId', onDelete: 'cascade' },
        { entity: 'org', attribute: 'orgId', onDelete: 'restrict' },
      ];

      // Act
      const problems = problemsOf(definition);

      // Assess
      expect(problems).toEqual([
        'entity "membership": parents[1] repeats the relation to "org" by "orgId" (parents[0])',
      ]);
    });

    it('throws when a table or bucket is not declared', () => {
      // Prepare
      const definition = baseDefinition();
      definition.entities.membership.table = 'users';
      definition.entities.project.guards = { requireArchiveCopy: { bucket: 'cold' } };
      definition.entities.project.objects = [
        { kind: 'key', bucket: 'blobs', template: 'p/{projectId}' },
        {
          kind: 'manifest',
          bucket: 'files',
          template: 'm/{projectId}.json',
          keysPath: 'images',
          itemBucket: 'images',
          itemTemplate: 'images/{value}',
        },
      ];

      // Act
      const problems = problemsOf(definition);

      // Assess
      expect(problems).toEqual([
        'entity "project": objects[0].bucket "blobs" is not a declared bucket',
        'entity "project": objects[1].itemBucket "images" is not a declared bucket',
        'entity "project": guards.requireArchiveCopy.bucket "cold" is not a declared bucket',
        'entity "membership": table "users" is not a declared table',
      ]);
    });

    it('throws when the archive bucket is a bucket the entity deletes from', () => {
      // Prepare
      const definition = baseDefinition();
      definition.entities.project.guards = { requireArchiveCopy: { bucket: 'files' } };

      // Act
      const problems = problemsOf(definition);

      // Assess
      expect(problems).toEqual([
        'entity "project": guards.requireArchiveCopy.bucket "files" is also a bucket objects[0] deletes from; the archive must be another bucket',
      ]);
    });

    it('throws when the retention index is not declared on the table or has no sort key', () => {
      // Prepare
      const definition = baseDefinition();
      definition.entities.project.retention = {
        deleteAfterDays: 30,
        index: 'byCreation',
        partitionValue: 'all',
      };
      definition.entities.org.retention = {
        deleteAfterDays: 30,
        index: 'byOrg',
        partitionValue: 'all',
      };

      // Act
      const problems = problemsOf(definition);

      // Assess
      expect(problems).toEqual([
        'entity "org": retention.index "byOrg" is not an index of table "orgs"; retention queries it, no scans are allowed',
        'entity "project": retention.index "byCreation" is not an index of table "projects"; retention queries it, no scans are allowed',
      ]);
    });

    it('accepts a retention index with the time as sort key', () => {
      // Prepare
      const definition = baseDefinition();
      definition.entities.project.retention = {
        deleteAfterDays: 30,
        index: 'byAge',
        partitionValue: 'standard',
      };

      // Act
      const graph = defineGraph(definition as GraphDefinition);

      // Assess
      expect(graph.entities.project?.retention?.index).toBe('byAge');
    });

    it('throws when minRetentionDays is set without createdAtAttribute', () => {
      // Prepare
      const definition = baseDefinition();
      definition.entities.membership.guards = { minRetentionDays: 7 };

      // Act
      const problems = problemsOf(definition);

      // Assess
      expect(problems).toEqual([
        'entity "membership": guards.minRetentionDays needs createdAtAttribute to know how old an entity is',
      ]);
    });

    it('throws when a number of days is negative, zero for retention, or not finite', () => {
      // Prepare
      const definition = baseDefinition();
      definition.entities.org.guards = { minRetentionDays: -1 };
      definition.entities.project.retention = {
        deleteAfterDays: 0,
        index: 'byAge',
        partitionValue: 'standard',
      };
      definition.entities.membership.guards = { minRetentionDays: Number.POSITIVE_INFINITY };

      // Act
      const problems = problemsOf(definition);

      // Assess
      expect(problems).toEqual([
        'entity "org": guards.minRetentionDays must not be negative',
        'entity "project": retention.deleteAfterDays must be greater than 0',
        'entity "membership": guards.minRetentionDays must be a finite number of days',
      ]);
    });

    it('keeps an entity restore window of whole days from 0 to 3650, and refuses any other', () => {
      // Prepare
      const definition = baseDefinition();
      definition.entities.org.restoreWindowDays = 0;
      definition.entities.project.restoreWindowDays = 30;
      const bad = baseDefinition();
      bad.entities.org.restoreWindowDays = -1;
      bad.entities.project.restoreWindowDays = 1.5;
      bad.entities.membership.restoreWindowDays = 4000;

      // Act
      const graph = defineGraph(definition as GraphDefinition);
      const problems = problemsOf(bad);

      // Assess
      expect(graph.entities.org?.restoreWindowDays).toBe(0);
      expect(graph.entities.project?.restoreWindowDays).toBe(30);
      expect(graph.entities.membership?.restoreWindowDays).toBeUndefined();
      expect(problems).toEqual([
        'entity "org": restoreWindowDays must not be negative',
        'entity "project": restoreWindowDays must be a whole number of days',
        'entity "membership": restoreWindowDays must be at most 3650',
      ]);
    });

    it('throws when deadlineDays is not a positive number of days up to ten years', () => {
      // Prepare
      const definition = baseDefinition();
      definition.entities.org.deadlineDays = 0;
      definition.entities.project.deadlineDays = 3651;
      definition.entities.membership.deadlineDays = Number.NaN;

      // Act
      const problems = problemsOf(definition);

      // Assess
      expect(problems).toEqual([
        'entity "org": deadlineDays must be greater than 0',
        'entity "project": deadlineDays must be at most 3650 days',
        'entity "membership": deadlineDays must be a finite number of days',
      ]);
    });

    it('keeps an entity’s deadlineDays, fractions included, and leaves the others to the pipeline', () => {
      // Prepare
      const definition = baseDefinition();
      definition.entities.project.deadlineDays = 0.5;

      // Act
      const graph = defineGraph(definition as GraphDefinition);

      // Assess
      expect(graph.entities.project?.deadlineDays).toBe(0.5);
      expect(graph.entities.org?.deadlineDays).toBeUndefined();
    });

    it('throws when a name is empty', () => {
      // Prepare
      const definition = baseDefinition();
      definition.tables[''] = { name: 'test-empty', partitionKey: 'id' };
      definition.entities[''] = { table: 'orgs' };
      definition.entities.membership.attributes = [''];
      definition.entities.project.parents = [
        { entity: '', attribute: 'orgId', index: 'byOrg', onDelete: 'cascade' },
      ];
      definition.tables.orgs = { name: '', partitionKey: 'orgId' };

      // Act
      const problems = problemsOf(definition);

      // Assess
      expect(problems).toEqual([
        'table "orgs": name must not be empty',
        'table "": the name must not be empty',
        'entity "project": parents[0].entity must not be empty',
        'entity "membership": attributes[0] must not be empty',
        'entity "": the name must start with a letter and contain only letters, digits, "_" and "-"',
      ]);
    });

    it('throws when a field is missing, has the wrong type or is unknown', () => {
      // Prepare
      const definition = baseDefinition();
      const project: Record<string, unknown> = { ...definition.entities.project };
      project.parent = project.parents;
      project.parents = [{ entity: 'org', attribute: 'orgId', index: 'byOrg', onDelete: 'erase' }];
      project.guards = { predicate: 'yes' };
      project.objects = [{ kind: 'folder', bucket: 'files', template: 'p/{projectId}/' }];
      const definitionWithTypos: Record<string, unknown> = {
        ...definition,
        entities: { ...definition.entities, project, membership: { parents: 'org' } },
        bucket: {},
      };

      // Act
      const problems = problemsOf(definitionWithTypos);

      // Assess
      expect(problems).toEqual([
        'graph definition: "bucket" is not a known field',
        'entity "project": parents[0].onDelete must be one of "cascade", "set-null", "restrict", "none"',
        'entity "project": objects[0].kind must be one of "key", "prefix", "manifest"',
        'entity "project": guards.predicate must be a function',
        'entity "project": parent is not a known field',
        'entity "membership": table is required',
        'entity "membership": parents must be an array',
      ]);
    });

    it('throws when a physical name breaks the DynamoDB or S3 naming rules', () => {
      // Prepare
      const definition = baseDefinition();
      definition.tables.orgs = { name: 'orgs table', partitionKey: 'orgId' };
      definition.buckets.files = { name: 'Test_Files' };

      // Act
      const problems = problemsOf(definition);

      // Assess
      expect(problems).toEqual([
        'table "orgs": name must be a DynamoDB table name (3-255 characters: letters, digits, "_", "-", ".")',
        'bucket "files": name must be an S3 bucket name (3-63 characters: lowercase letters, digits, "-", ".")',
      ]);
    });

    it('throws when the definition is not an object or declares no entity', () => {
      // Act & Assess
      expect(problemsOf(undefined)).toEqual([
        'graph definition must be an object with "tables" and "entities"',
      ]);
      expect(problemsOf({ tables: {}, entities: {} })).toEqual([
        'graph definition: entities must declare at least one entity',
      ]);
    });

    it('reports every problem of a definition in one error', () => {
      // Prepare
      const definition = baseDefinition();
      definition.entities.org.guards = { minRetentionDays: -3 };
      definition.entities.membership.parents = [
        { entity: 'organisation', attribute: 'userId', onDelete: 'cascade' },
      ];
      definition.entities.project.objects = [
        { kind: 'prefix', bucket: 'missing', template: 'p/{fileId}' },
      ];

      // Act
      const problems = problemsOf(definition);

      // Assess
      expect(problems).toEqual([
        'entity "org": guards.minRetentionDays must not be negative',
        'entity "project": objects[0].bucket "missing" is not a declared bucket',
        'entity "project": objects[0].template "p/{fileId}" must end with "/" so that it matches only its own id',
        'entity "project": objects[0].template "p/{fileId}" names {fileId}, which entity "project" does not declare (declared: projectId, ageClass, orgId, createdAt)',
        'entity "membership": parents[0].entity "organisation" is not a declared entity',
        'entity "membership": parents[0].attribute "userId" is not the partition key of table "members" ("orgId") and parents[0].index is not set; children must be found by a key or an index, no scans are allowed',
      ]);
    });

    it('does not report a malformed entity as undeclared where others refer to it', () => {
      // Prepare
      const definition = baseDefinition();
      const org: Record<string, unknown> = { ...definition.entities.org, table: 42 };
      const definitionWithBadOrg = { ...definition, entities: { ...definition.entities, org } };

      // Act
      const problems = problemsOf(definitionWithBadOrg);

      // Assess
      expect(problems).toEqual(['entity "org": table must be a string']);
    });
  });
});
