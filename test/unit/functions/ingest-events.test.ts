import type { DynamoDBRecord, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  entityOfTable,
  parseStreamRecord,
  requestFromEntityDeleted,
  requestFromQueueRecord,
  requestFromStreamRecord,
  TTL_REQUESTER,
} from '../../../functions/ingest-events.js';
import { exampleGraph, exampleGraphDefinition } from '../../../infra/example-graph.js';
import { defineGraph } from '../../../lib/graph/define-graph.js';

type StreamImage = NonNullable<NonNullable<DynamoDBRecord['dynamodb']>['Keys']>;

const graph = exampleGraph();

const event = (detail: unknown) => ({
  version: '0',
  id: 'c1d2e3f4-0000-4000-8000-000000000000',
  'detail-type': 'EntityDeleted',
  source: 'com.example.accounts',
  account: '123456789012',
  time: '2025-01-01T00:00:00Z',
  region: 'eu-west-1',
  resources: [],
  detail,
});

function stream(
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
  table: string,
  keys: StreamImage,
  newImage?: StreamImage,
): DynamoDBRecord {
  return {
    eventID: 'e1',
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'eu-west-1',
    eventSourceARN: `arn:aws:dynamodb:eu-west-1:123456789012:table/${table}/stream/2025-01-01T00:00:00.000`,
    dynamodb: {
      Keys: keys,
      ...(newImage ? { NewImage: newImage } : {}),
      SequenceNumber: '1',
      SizeBytes: 10,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

describe('Function: requestFromEntityDeleted', () => {
  it('turns the event into a request naming its source, with the event id as request id', () => {
    // Act
    const request = requestFromEntityDeleted(event({ entity: 'project', id: 'p-1' }));

    // Assess
    expect(request).toEqual({
      entity: 'project',
      id: 'p-1',
      requester: 'eventbridge:com.example.accounts',
      requestId: 'c1d2e3f4-0000-4000-8000-000000000000',
    });
  });

  it('accepts integer ids and keeps the given tenant and request ids', () => {
    // Act
    const request = requestFromEntityDeleted(
      event({ entity: 'project', id: 42, tenantId: 't', requestId: 'r' }),
    );

    // Assess
    expect(request).toMatchObject({ id: '42', tenantId: 't', requestId: 'r' });
  });

  it('refuses a numeric id JSON cannot carry exactly, asking for a string', () => {
    // Act
    const act = () => requestFromEntityDeleted(event({ entity: 'project', id: 2 ** 64 }));

    // Assess
    expect(act).toThrow(/detail\.id: .*send larger or decimal ids as strings/);
  });

  it('throws INVALID_EVENT listing what is wrong', () => {
    // Act
    const act = () =>
      requestFromEntityDeleted({ ...event({ id: '', deletedAt: 'yesterday' }), source: '' });

    // Assess
    expect(act).toThrow(
      /^invalid EntityDeleted event: source: .*detail\.entity: .*detail\.id: .*detail\.deletedAt: /,
    );
  });
});

describe('Function: requestFromQueueRecord', () => {
  const record = (body: string): SQSRecord =>
    ({
      messageId: 'm-1',
      body,
      eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:deletion-requests',
    }) as SQSRecord;

  it('reads a bare request and a wrapped EntityDeleted event', () => {
    // Assess
    expect(requestFromQueueRecord(record('{"entity":"project","id":"p"}'))).toEqual({
      entity: 'project',
      id: 'p',
      requester: 'sqs:deletion-requests',
      requestId: 'm-1',
    });
    expect(
      requestFromQueueRecord(record(JSON.stringify(event({ entity: 'project', id: 'q' })))),
    ).toMatchObject({ id: 'q', requester: 'eventbridge:com.example.accounts' });
  });

  it('throws on a body that is not JSON', () => {
    // Assess
    expect(() => requestFromQueueRecord(record('{'))).toThrow('message body is not valid JSON');
  });
});

describe('Function: requestFromStreamRecord', () => {
  it('turns a REMOVE of a root row into a request for its entity', () => {
    // Act
    const request = requestFromStreamRecord(
      graph,
      stream('REMOVE', 'lethe-example-organizations', { orgId: { S: 'o-1' } }),
      undefined,
    );

    // Assess
    expect(request).toEqual({
      entity: 'organization',
      id: 'o-1',
      requester: 'dynamodb-stream:lethe-example-organizations',
      requestId: 'e1',
    });
  });

  it('records a REMOVE made by DynamoDB TTL with the TTL requester', () => {
    // Prepare
    const record = {
      ...stream('REMOVE', 'lethe-example-organizations', { orgId: { S: 'o-ttl' } }),
      userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
    };

    // Act
    const request = requestFromStreamRecord(graph, record, undefined);

    // Assess
    expect(request).toMatchObject({
      entity: 'organization',
      id: 'o-ttl',
      requester: `${TTL_REQUESTER}:lethe-example-organizations`,
    });
    expect(TTL_REQUESTER).toBe('dynamodb-ttl');
  });

  it('skips a TTL removal when TTL removals are ignored, but not a writer’s delete', () => {
    // Prepare
    const removal = stream('REMOVE', 'lethe-example-organizations', { orgId: { S: 'o-1' } });
    const byTtl = {
      ...removal,
      userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
    };
    const byOtherService = {
      ...removal,
      userIdentity: { type: 'Service', principalId: 'other.amazonaws.com' },
    };

    // Assess
    expect(requestFromStreamRecord(graph, byTtl, undefined, 'ignore')).toBeUndefined();
    expect(requestFromStreamRecord(graph, removal, undefined, 'ignore')).toMatchObject({
      requester: 'dynamodb-stream:lethe-example-organizations',
    });
    expect(requestFromStreamRecord(graph, byOtherService, undefined, 'ignore')).toMatchObject({
      requester: 'dynamodb-stream:lethe-example-organizations',
    });
  });

  it('ignores changes that are not removals', () => {
    // Assess
    expect(
      requestFromStreamRecord(
        graph,
        stream('MODIFY', 'lethe-example-organizations', { orgId: { S: 'o-1' } }),
        undefined,
      ),
    ).toBeUndefined();
  });

  it('refuses a REMOVE from a table with a sort key: one item is not the entity', () => {
    // Act
    const act = () =>
      requestFromStreamRecord(
        graph,
        stream('REMOVE', 'lethe-example-memberships', { orgId: { S: 'o' }, userId: { S: 'u' } }),
        undefined,
      );

    // Assess
    expect(act).toThrow(/has a sort key/);
  });

  it('refuses keys that cannot be an id', () => {
    // Act
    const act = () =>
      requestFromStreamRecord(
        graph,
        stream('REMOVE', 'lethe-example-organizations', { orgId: { BOOL: true } as never }),
        undefined,
      );

    // Assess
    expect(act).toThrow(/no usable key orgId/);
  });

  describe('on a root table whose key is a Number', () => {
    const base = exampleGraphDefinition();
    const numbered = defineGraph({
      ...base,
      tables: {
        ...base.tables,
        organizations: { ...base.tables.organizations, keyTypes: { orgId: 'number' } },
        projects: { ...base.tables.projects, keyTypes: { orgId: 'number' } },
        memberships: { ...base.tables.memberships, keyTypes: { orgId: 'number' } },
      },
    } as Parameters<typeof defineGraph>[0]);

    it.each([
      ['7', '7'],
      ['007', '7'],
      ['1e2', '100'],
      // Past 2^53: the key's own text, not the digits a JS number would keep.
      ['12345678901234567891', '12345678901234567891'],
    ])('reads the key N %s as the id %s', (text, id) => {
      // Act
      const request = requestFromStreamRecord(
        numbered,
        stream('REMOVE', 'lethe-example-organizations', { orgId: { N: text } }),
        undefined,
      );

      // Assess
      expect(request?.id).toBe(id);
    });

    it('refuses a String key where the graph declares a Number', () => {
      // Act
      const act = () =>
        requestFromStreamRecord(
          numbered,
          stream('REMOVE', 'lethe-example-organizations', { orgId: { S: 'acme' } }),
          undefined,
        );

      // Assess
      expect(act).toThrow(/no usable key orgId: organization id \(orgId\) must be a number/);
    });
  });
});

describe('Function: parseStreamRecord', () => {
  it('unmarshalls the new image of a child row', () => {
    // Act
    const change = parseStreamRecord(
      graph,
      stream(
        'INSERT',
        'lethe-example-projects',
        { projectId: { S: 'p' } },
        { projectId: { S: 'p' }, orgId: { S: 'o' }, size: { N: '3' } },
      ),
      undefined,
    );

    // Assess
    expect(change.entity.name).toBe('project');
    expect(change.newImage).toEqual({ projectId: 'p', orgId: 'o', size: 3 });
  });
});

describe('Function: entityOfTable', () => {
  it('finds the entity stored in a table, among the entities the stream may carry', () => {
    // Assess
    expect(entityOfTable(graph, 'lethe-example-projects', undefined).name).toBe('project');
    expect(entityOfTable(graph, 'lethe-example-projects', ['project']).name).toBe('project');
    expect(() => entityOfTable(graph, 'lethe-example-projects', ['organization'])).toThrow(
      'no entity among organization is stored in table "lethe-example-projects"',
    );
    expect(() => entityOfTable(graph, 'other', undefined)).toThrow(/no entity/);
  });
});
