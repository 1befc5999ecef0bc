import { describe, expect, it } from 'vitest';
import {
  addUsage,
  costOf,
  costPerMillionItems,
  diffUsage,
  emptyUsage,
  estimatedCapacityUnits,
  lambdaGbSeconds,
  reportedCapacityUnits,
  s3PriceClass,
  sqsBilledRequests,
  totalRequests,
  type Usage,
} from '../../../lib/cost/cost-model.js';
import { PRICES, type Prices } from '../../../lib/cost/prices.js';

function usage(overrides: Partial<Usage>): Usage {
  return { ...emptyUsage(), ...overrides };
}

describe('Function: s3PriceClass', () => {
  it('prices DeleteObject and DeleteObjects as free DELETE requests', () => {
    // Act & Assess
    expect(s3PriceClass('DeleteObject')).toBe('delete');
    expect(s3PriceClass('DeleteObjects')).toBe('delete');
    expect(s3PriceClass('AbortMultipartUpload')).toBe('delete');
  });

  it('puts listing, writes and copies on the PUT/COPY/POST/LIST line', () => {
    // Act & Assess
    for (const action of [
      'ListObjectsV2',
      'ListObjects',
      'PutObject',
      'CopyObject',
      'CreateBucket',
    ]) {
      expect(s3PriceClass(action)).toBe('put-copy-post-list');
    }
  });

  it('puts reads and anything unlisted on the GET-and-other line', () => {
    // Act & Assess
    expect(s3PriceClass('GetObject')).toBe('get-and-other');
    expect(s3PriceClass('HeadObject')).toBe('get-and-other');
    expect(s3PriceClass('SomethingNew')).toBe('get-and-other');
  });
});

describe('Function: costOf', () => {
  it('prices S3 requests by class, per 1,000', () => {
    // Prepare
    const counted = usage({
      requests: {
        's3:ListObjectsV2': 1000,
        's3:DeleteObjects': 1000,
        's3:DeleteObject': 1_000_000,
        's3:GetObject': 10_000,
      },
    });

    // Act
    const cost = costOf(counted);

    // Assess: 1,000 lists at $0.005/1,000 and 10,000 GETs at $0.0004/1,000; deletes are free
    expect(cost.s3).toBeCloseTo(0.005 + 0.004, 10);
    expect(cost.total).toBeCloseTo(cost.s3, 10);
  });

  it('prices SQS by billed request, DynamoDB by unit, Lambda by request and GB-second', () => {
    // Prepare
    const counted = usage({
      requests: { 'sqs:SendMessageBatch': 2_000_000 },
      sqsBilledRequests: 2_000_000,
      dynamodbWriteUnits: 4_000_000,
      dynamodbReadUnits: 8_000_000,
      lambdaInvocations: 5_000_000,
      lambdaGbSeconds: 100_000,
      eventBridgeEvents: 3_000_000,
    });

    // Act
    const cost = costOf(counted);

    // Assess
    expect(cost.sqs).toBeCloseTo(0.8, 10);
    expect(cost.dynamodb).toBeCloseTo(4 * 0.625 + 8 * 0.125, 10);
    expect(cost.lambda).toBeCloseTo(5 * 0.2 + 100_000 * 0.0000133334, 10);
    expect(cost.eventbridge).toBeCloseTo(3, 10);
    expect(cost.total).toBeCloseTo(cost.sqs + cost.dynamodb + cost.lambda + cost.eventbridge, 10);
  });

  it('ignores SQS and DynamoDB request counts themselves: only billed requests and units cost', () => {
    // Prepare
    const counted = usage({ requests: { 'sqs:ReceiveMessage': 1e6, 'dynamodb:Query': 1e6 } });

    // Act & Assess
    expect(costOf(counted).total).toBe(0);
  });

  it('uses the prices it is given', () => {
    // Prepare
    const doubled: Prices = {
      ...PRICES,
      dynamodb: { perMillionWriteRequestUnits: 1.25, perMillionReadRequestUnits: 0.25 },
    };

    // Act
    const cost = costOf(usage({ dynamodbWriteUnits: 1e6 }), doubled);

    // Assess
    expect(cost.dynamodb).toBeCloseTo(1.25, 10);
  });
});

describe('Function: costPerMillionItems', () => {
  it('scales the cost of a run to a million items', () => {
    // Prepare: 10,000 rows deleted one DeleteItem each, 2 WRU a row (table + GSI)
    const counted = usage({ dynamodbWriteUnits: 20_000 });

    // Act
    const perMillion = costPerMillionItems(counted, 10_000);

    // Assess: 2 million WRU at $0.625 per million
    expect(perMillion.dynamodb).toBeCloseTo(1.25, 10);
    expect(perMillion.total).toBeCloseTo(1.25, 10);
  });

  it('throws when no items were deleted', () => {
    // Act & Assess
    expect(() => costPerMillionItems(emptyUsage(), 0)).toThrow(RangeError);
  });
});

describe('Function: lambdaGbSeconds', () => {
  it('multiplies memory in GB by billed seconds, rounding the duration up to the millisecond', () => {
    // Act & Assess
    expect(lambdaGbSeconds(1024, 1000)).toBe(1);
    expect(lambdaGbSeconds(512, 200.2)).toBeCloseTo(0.5 * 0.201, 12);
  });

  it('throws on memory that is not positive', () => {
    // Act & Assess
    expect(() => lambdaGbSeconds(0, 10)).toThrow(RangeError);
  });
});

describe('Function: sqsBilledRequests', () => {
  it('bills at least one request per call', () => {
    // Act & Assess
    expect(sqsBilledRequests(0, 0)).toBe(1);
    expect(sqsBilledRequests(200, 300)).toBe(1);
  });

  it('bills every started 64 KB of the larger payload', () => {
    // Act & Assess
    expect(sqsBilledRequests(64 * 1024, 0)).toBe(1);
    expect(sqsBilledRequests(64 * 1024 + 1, 0)).toBe(2);
    expect(sqsBilledRequests(100, 256 * 1024)).toBe(4);
  });
});

describe('Function: reportedCapacityUnits', () => {
  it('reads a single ConsumedCapacity as writes for write operations', () => {
    // Act
    const units = reportedCapacityUnits('DeleteItem', {
      ConsumedCapacity: { TableName: 't', CapacityUnits: 2 },
    });

    // Assess
    expect(units).toEqual({ read: 0, write: 2 });
  });

  it('reads a single ConsumedCapacity as reads for read operations', () => {
    // Act
    const units = reportedCapacityUnits('Query', {
      ConsumedCapacity: { TableName: 't', CapacityUnits: 49.5 },
    });

    // Assess
    expect(units).toEqual({ read: 49.5, write: 0 });
  });

  it('sums one entry per table, preferring the read/write split when present', () => {
    // Act
    const units = reportedCapacityUnits('TransactWriteItems', {
      ConsumedCapacity: [
        { TableName: 'a', CapacityUnits: 4 },
        { TableName: 'b', CapacityUnits: 3, ReadCapacityUnits: 1, WriteCapacityUnits: 2 },
      ],
    });

    // Assess
    expect(units).toEqual({ read: 1, write: 6 });
  });

  it('returns undefined when the response reports nothing', () => {
    // Act & Assess
    expect(reportedCapacityUnits('DeleteItem', {})).toBeUndefined();
    expect(reportedCapacityUnits('DeleteItem', undefined)).toBeUndefined();
  });
});

describe('Function: estimatedCapacityUnits', () => {
  it('counts one write unit per item of a BatchWriteItem, more for large puts', () => {
    // Prepare
    const request = {
      RequestItems: {
        rows: [
          { DeleteRequest: { Key: { id: { S: '1' } } } },
          { DeleteRequest: { Key: { id: { S: '2' } } } },
          { PutRequest: { Item: { id: { S: '3' }, blob: { S: 'x'.repeat(1500) } } } },
        ],
      },
    };

    // Act
    const units = estimatedCapacityUnits('BatchWriteItem', request, 0);

    // Assess
    expect(units).toEqual({ read: 0, write: 1 + 1 + 2 });
  });

  it('doubles transactional writes', () => {
    // Prepare
    const request = {
      TransactItems: [{ Update: {} }, { ConditionCheck: {} }, { Delete: {} }],
    };

    // Act & Assess
    expect(estimatedCapacityUnits('TransactWriteItems', request, 0)).toEqual({ read: 0, write: 6 });
  });

  it('estimates reads per started 4 KB of response, halved unless consistent', () => {
    // Act & Assess
    expect(estimatedCapacityUnits('Query', {}, 10_000)).toEqual({ read: 1.5, write: 0 });
    expect(estimatedCapacityUnits('GetItem', { ConsistentRead: true }, 10)).toEqual({
      read: 1,
      write: 0,
    });
  });

  it('charges nothing for control-plane calls', () => {
    // Act & Assess
    expect(estimatedCapacityUnits('DescribeTable', {}, 5000)).toEqual({ read: 0, write: 0 });
  });
});

describe('Function: diffUsage', () => {
  it('returns what happened between two snapshots, dropping actions that did not change', () => {
    // Prepare
    const before = usage({
      requests: { 's3:ListObjectsV2': 3, 's3:PutObject': 10 },
      sqsBilledRequests: 2,
    });
    const after = usage({
      requests: { 's3:ListObjectsV2': 5, 's3:PutObject': 10, 's3:DeleteObjects': 2 },
      sqsBilledRequests: 7,
    });

    // Act
    const window = diffUsage(after, before);

    // Assess
    expect(window.requests).toEqual({ 's3:ListObjectsV2': 2, 's3:DeleteObjects': 2 });
    expect(window.sqsBilledRequests).toBe(5);
  });

  it('is undone by addUsage', () => {
    // Prepare
    const before = usage({ requests: { 'sqs:ReceiveMessage': 4 }, dynamodbWriteUnits: 3 });
    const after = usage({
      requests: { 'sqs:ReceiveMessage': 9, 'dynamodb:Query': 1 },
      dynamodbWriteUnits: 8,
      lambdaGbSeconds: 1.5,
    });

    // Act
    const rebuilt = addUsage(before, diffUsage(after, before));

    // Assess
    expect(rebuilt).toEqual(after);
  });
});

describe('Function: totalRequests', () => {
  it('sums every request, or one service', () => {
    // Prepare
    const counted = usage({
      requests: { 's3:DeleteObjects': 10, 's3:ListObjectsV2': 10, 'sqs:SendMessageBatch': 3 },
    });

    // Act & Assess
    expect(totalRequests(counted)).toBe(23);
    expect(totalRequests(counted, 's3')).toBe(20);
    expect(totalRequests(counted, 'dynamodb')).toBe(0);
  });
});

describe('Constant: PRICES', () => {
  it('names a source for every service it prices and the day it was recorded', () => {
    // Assess
    expect(PRICES.recordedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const services = PRICES.sources.map((s) => s.service);
    for (const service of ['S3', 'SQS', 'Lambda', 'DynamoDB', 'EventBridge']) {
      expect(services.some((name) => name.includes(service))).toBe(true);
    }
    for (const source of PRICES.sources)
      expect(source.url).toMatch(/^https:\/\/aws\.amazon\.com\//);
  });
});
