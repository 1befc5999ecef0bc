// StreamReader on DynamoDB Streams (DynamoDB Local included): finds the table's stream,
// follows every shard from LATEST and hands back records shaped like Lambda's.
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import type { StreamReader } from '../ports/stream-reader.js';
import type { AwsClients } from './aws-clients.js';

function toLambdaRecord(record: _Record, streamArn: string, region: string): DynamoDBRecord {
  const change = record.dynamodb;
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    eventSourceARN: streamArn,
    dynamodb: {
      ...(change?.Keys ? { Keys: change.Keys as never } : {}),
      ...(change?.NewImage ? { NewImage: change.NewImage as never } : {}),
      ...(change?.OldImage ? { OldImage: change.OldImage as never } : {}),
      SequenceNumber: change?.SequenceNumber,
      SizeBytes: change?.SizeBytes,
      StreamViewType: change?.StreamViewType as 'NEW_AND_OLD_IMAGES',
      ApproximateCreationDateTime: change?.ApproximateCreationDateTime
        ? Math.floor(change.ApproximateCreationDateTime.getTime() / 1000)
        : undefined,
    },
  };
}

export function createDynamoDbStreamReader(clients: AwsClients): StreamReader {
  const streams = clients.dynamodbStreams;
  async function iteratorOf(streamArn: string, shardId: string, type: 'LATEST' | 'TRIM_HORIZON') {
    const { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ShardIteratorType: type,
      }),
    );
    return ShardIterator;
  }

  async function iteratorsFor(
    streamArn: string,
    known: ReadonlyMap<string, string>,
    closed: ReadonlySet<string>,
    first: boolean,
  ) {
    const { StreamDescription } = await streams.send(
      new DescribeStreamCommand({ StreamArn: streamArn }),
    );
    const iterators = new Map(known);
    for (const shard of StreamDescription?.Shards ?? []) {
      if (!shard.ShardId || iterators.has(shard.ShardId) || closed.has(shard.ShardId)) continue;
      // Shards that appear later are read from their start: nothing in them is missed.
      const iterator = await iteratorOf(
        streamArn,
        shard.ShardId,
        first ? 'LATEST' : 'TRIM_HORIZON',
      );
      if (iterator) iterators.set(shard.ShardId, iterator);
    }
    return iterators;
  }

  return {
    async open(tableName) {
      const { Table } = await clients.dynamodb.send(
        new DescribeTableCommand({ TableName: tableName }),
      );
      const streamArn = Table?.LatestStreamArn;
      if (!streamArn) return undefined;
      return {
        streamArn,
        iterators: await iteratorsFor(streamArn, new Map(), new Set(), true),
        closed: new Set(),
      };
    },
    async read(position, region) {
      const records: DynamoDBRecord[] = [];
      const next = new Map<string, string>();
      const closed = new Set(position.closed);
      for (const [shardId, iterator] of position.iterators) {
        try {
          const result = await streams.send(
            new GetRecordsCommand({ ShardIterator: iterator, Limit: 100 }),
          );
          for (const record of result.Records ?? [])
            records.push(toLambdaRecord(record, position.streamArn, region));
          if (result.NextShardIterator) next.set(shardId, result.NextShardIterator);
          else closed.add(shardId);
        } catch (error) {
          const name = error instanceof Error ? error.name : '';
          if (name !== 'TrimmedDataAccessException' && name !== 'ExpiredIteratorException')
            throw error;
          // The iterator fell behind the stream's trim horizon or expired: resume at the oldest record.
          const fresh = await iteratorOf(position.streamArn, shardId, 'TRIM_HORIZON');
          if (fresh) next.set(shardId, fresh);
        }
      }
      return {
        records,
        next: {
          streamArn: position.streamArn,
          iterators: await iteratorsFor(position.streamArn, next, closed, false),
          closed,
        },
      };
    },
  };
}
