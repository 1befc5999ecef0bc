// The port through which the local runtime reads a table's change stream, the way a Lambda
// DynamoDB event source mapping does. Records come in the Lambda event shape.
import type { DynamoDBRecord } from 'aws-lambda';

export interface StreamPosition {
  readonly streamArn: string;
  /** Shard iterators by shard id. */
  readonly iterators: ReadonlyMap<string, string>;
  /** Shards read to their end: never opened again. */
  readonly closed: ReadonlySet<string>;
}

export interface StreamReader {
  /** Opens the table's stream at its latest position (only changes from now on). */
  open(tableName: string): Promise<StreamPosition | undefined>;
  read(
    position: StreamPosition,
    region: string,
  ): Promise<{ records: DynamoDBRecord[]; next: StreamPosition }>;
}
