// What the local stack needs to exist for a graph: lethe's own state table and queues,
// and the graph's tables (with their indexes) and buckets.
import type { ResourcePlan, TablePlan } from '../lib/adapters/provision-resources.js';
import type { Graph } from '../lib/graph/graph-types.js';
import type { Settings } from '../lib/settings.js';

export const STATE_TABLE_INDEX = 'gsi1';

export function stateTablePlan(settings: Settings): TablePlan {
  return {
    name: settings.stateTableName,
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [{ name: STATE_TABLE_INDEX, partitionKey: 'gsi1pk', sortKey: 'gsi1sk' }],
    ttlAttribute: 'expiresAt',
    stream: true,
  };
}

export function localResourcePlan(graph: Graph, settings: Settings): ResourcePlan {
  const graphTables: TablePlan[] = Object.values(graph.tables).map((table) => ({
    name: table.name,
    partitionKey: table.partitionKey,
    sortKey: table.sortKey,
    indexes: Object.entries(table.indexes ?? {}).map(([name, index]) => ({
      name,
      partitionKey: index.partitionKey,
      sortKey: index.sortKey,
    })),
    // Declared types, so the local tables refuse a wrongly typed key exactly as AWS would.
    attributeTypes: Object.fromEntries(
      Object.entries(table.keyTypes ?? {}).map(([name, type]) => [
        name,
        type === 'number' ? 'N' : 'S',
      ]),
    ),
    // Off at creation: DynamoDB Local slows down with every stream record it keeps. The local
    // runtime switches child-table streams on when it follows them (enableStreams).
    stream: false,
  }));
  return {
    tables: [stateTablePlan(settings), ...graphTables],
    queues: [
      {
        name: settings.workQueueName,
        visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
        deadLetter: {
          name: settings.deadLetterQueueName,
          maxReceiveCount: settings.maxReceiveCount,
        },
      },
    ],
    buckets: [
      ...Object.values(graph.buckets).map((bucket) => ({
        name: bucket.name,
        versioned: bucket.versioned ?? false,
      })),
      // Where restore-log pages too large for a state item go, as the construct's restore bucket.
      ...(settings.restoreBucketName === undefined
        ? []
        : [{ name: settings.restoreBucketName, versioned: false }]),
      // Where large units' receipt leaves go, as the construct's receipt leaves bucket.
      ...(settings.receiptLeavesBucketName === undefined
        ? []
        : [{ name: settings.receiptLeavesBucketName, versioned: false }]),
    ],
  };
}
