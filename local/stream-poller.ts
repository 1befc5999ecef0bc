// Follows the change streams of some tables and hands their records to a handler in
// batches, like a Lambda DynamoDB event source mapping. Reported failures are retried by
// handing the same records again (bounded), as Lambda does before moving on.
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import type { StreamPosition, StreamReader } from '../lib/ports/stream-reader.js';
import { sleep } from '../lib/retry.js';

export type StreamBatchHandler = (
  records: DynamoDBRecord[],
) => Promise<DynamoDBBatchResponse | undefined | undefined>;

export interface StreamPoller {
  readonly stats: { records: number; failed: number };
  stop(): Promise<void>;
  /** Resolves once every change made before the call has been read and handled. */
  drain(): Promise<void>;
}

export async function startStreamPoller(options: {
  readonly reader: StreamReader;
  readonly tables: readonly string[];
  readonly region: string;
  readonly handler: StreamBatchHandler;
  readonly intervalMs?: number;
  readonly maxRetries?: number;
  readonly onError?: (error: unknown) => void;
}): Promise<StreamPoller> {
  const positions: StreamPosition[] = [];
  for (const table of options.tables) {
    const position = await options.reader.open(table);
    if (position) positions.push(position);
  }
  const stats = { records: 0, failed: 0 };
  let stopped = false;
  let rounds = 0;

  async function deliver(records: DynamoDBRecord[]): Promise<void> {
    let pending = records;
    for (let attempt = 0; pending.length > 0 && attempt <= (options.maxRetries ?? 3); attempt++) {
      try {
        const response = await options.handler(pending);
        const failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
        pending = pending.filter((r) => failed.has(r.dynamodb?.SequenceNumber ?? ''));
      } catch (error) {
        options.onError?.(error);
      }
    }
    stats.records += records.length;
    stats.failed += pending.length;
  }

  const loop = (async () => {
    while (!stopped) {
      for (let i = 0; i < positions.length; i++) {
        const position = positions[i];
        if (!position) continue;
        try {
          const { records, next } = await options.reader.read(position, options.region);
          positions[i] = next;
          if (records.length > 0) await deliver(records);
        } catch (error) {
          options.onError?.(error);
        }
      }
      rounds++;
      await sleep(options.intervalMs ?? 200);
    }
  })();

  return {
    stats,
    async stop() {
      stopped = true;
      await loop;
    },
    async drain() {
      const target = rounds + 2;
      while (!stopped && rounds < target) await sleep(50);
    },
  };
}
