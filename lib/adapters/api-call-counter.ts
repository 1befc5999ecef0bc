// Counts the API calls SDK clients make, by service and command (`dynamodb:BatchWriteItem`),
// through client middleware: the demo's report and the benchmarks read it.
import type { AwsClients } from './aws-clients.js';

export interface ApiCallCounter {
  readonly counts: Map<string, number>;
  /** DynamoDB items written by Put/Update/Delete/BatchWrite/TransactWrite calls. */
  readonly dynamodbItemsWritten: { value: number };
  /** SQS payload bytes sent, for 64 KB request billing. */
  readonly sqsBytesSent: { value: number };
  snapshot(): Record<string, number>;
}

interface MiddlewareClient {
  middlewareStack: {
    add(
      middleware: (
        next: (args: { input?: unknown }) => Promise<unknown>,
        context: { commandName?: string },
      ) => (args: { input?: unknown }) => Promise<unknown>,
      options: { step: 'initialize'; name: string },
    ): void;
  };
}

export function countApiCalls(clients: AwsClients): ApiCallCounter {
  const counts = new Map<string, number>();
  const dynamodbItemsWritten = { value: 0 };
  const sqsBytesSent = { value: 0 };
  const services: [string, MiddlewareClient][] = [
    ['dynamodb', clients.dynamodb as unknown as MiddlewareClient],
    ['dynamodbstreams', clients.dynamodbStreams as unknown as MiddlewareClient],
    ['s3', clients.s3 as unknown as MiddlewareClient],
    ['sqs', clients.sqs as unknown as MiddlewareClient],
    ['events', clients.eventbridge as unknown as MiddlewareClient],
  ];
  for (const [service, client] of services) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const name = `${service}:${(context.commandName ?? 'Unknown').replace(/Command$/, '')}`;
        counts.set(name, (counts.get(name) ?? 0) + 1);
        const input = (args.input ?? {}) as Record<string, unknown>;
        if (service === 'dynamodb') dynamodbItemsWritten.value += itemsWritten(name, input);
        if (service === 'sqs') sqsBytesSent.value += Buffer.byteLength(JSON.stringify(input));
        return next(args);
      },
      { step: 'initialize', name: 'letheApiCallCounter' },
    );
  }
  return {
    counts,
    dynamodbItemsWritten,
    sqsBytesSent,
    snapshot: () => Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b))),
  };
}

function itemsWritten(name: string, input: Record<string, unknown>): number {
  switch (name) {
    case 'dynamodb:PutItem':
    case 'dynamodb:UpdateItem':
    case 'dynamodb:DeleteItem':
      return 1;
    case 'dynamodb:BatchWriteItem':
      return Object.values((input.RequestItems ?? {}) as Record<string, unknown[]>).reduce(
        (n, r) => n + r.length,
        0,
      );
    case 'dynamodb:TransactWriteItems':
      // Transactions cost two write units per item.
      return 2 * ((input.TransactItems as unknown[] | undefined)?.length ?? 0);
    default:
      return 0;
  }
}
