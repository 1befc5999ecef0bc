// The example stack: the example graph's tables (with streams, so deletions can start from a
// root table's REMOVE records and late children are caught) and a DeletionPipeline over the
// example graph. The buckets are imported by the names the graph declares.

import { fileURLToPath } from 'node:url';
import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import type { TableDefinition } from '../lib/graph/graph-types.js';
import { tableKeyType } from '../lib/graph/key-types.js';
import { DeletionPipeline } from './deletion-pipeline.js';
import { graph } from './example-graph-module.js';
import { shipsHandler } from './handler-entry.js';

/** The example graph module, bundled into the functions. */
export const EXAMPLE_GRAPH_MODULE = fileURLToPath(
  new URL('./example-graph-module.ts', import.meta.url),
);

/** A key attribute's CDK type, as the graph declares it (String unless keyTypes says Number). */
function attributeType(table: TableDefinition, attribute: string): dynamodb.AttributeType {
  return tableKeyType(table, attribute) === 'number'
    ? dynamodb.AttributeType.NUMBER
    : dynamodb.AttributeType.STRING;
}

export class LetheExampleStack extends Stack {
  public readonly pipeline: DeletionPipeline;
  public readonly tables: Readonly<Record<string, dynamodb.Table>>;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);
    const tables: Record<string, dynamodb.Table> = {};
    for (const [key, table] of Object.entries(graph.tables)) {
      const created = new dynamodb.Table(this, `Table-${key}`, {
        tableName: table.name,
        partitionKey: { name: table.partitionKey, type: attributeType(table, table.partitionKey) },
        ...(table.sortKey
          ? { sortKey: { name: table.sortKey, type: attributeType(table, table.sortKey) } }
          : {}),
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        // Example data: removed with the stack.
        removalPolicy: RemovalPolicy.DESTROY,
      });
      for (const [indexName, index] of Object.entries(table.indexes ?? {})) {
        created.addGlobalSecondaryIndex({
          indexName,
          partitionKey: {
            name: index.partitionKey,
            type: attributeType(table, index.partitionKey),
          },
          ...(index.sortKey
            ? { sortKey: { name: index.sortKey, type: attributeType(table, index.sortKey) } }
            : {}),
        });
      }
      tables[key] = created;
    }
    this.tables = tables;

    this.pipeline = new DeletionPipeline(this, 'Deletions', {
      graph,
      graphModule: EXAMPLE_GRAPH_MODULE,
      tables,
      rootStreams: ['organization'],
      // Every child table, so rows written after their parent's tombstone are caught.
      childStreams: shipsHandler('stream-consumer')
        ? ['membership', 'project', 'artifact', 'snapshot', 'alert']
        : [],
    });
  }
}
