// Watches the product's DynamoDB clients for the one write that completes a job (the
// conditional update from `running` to `completed`) and counts the ones DynamoDB accepted.
// It reads requests on the wire, not lethe's state, so "completed exactly once" is observed.
import type { AwsClients } from '../../../lib/adapters/aws-clients.js';

interface TransactUpdate {
  Update?: { Key?: Record<string, unknown>; UpdateExpression?: string };
}

export class CompletionObserver {
  /** jobId → completion writes that succeeded. */
  readonly completions = new Map<string, number>();

  install(clients: AwsClients): void {
    clients.dynamodb.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'TransactWriteItemsCommand') {
          const items = (args.input as { TransactItems?: TransactUpdate[] }).TransactItems ?? [];
          for (const item of items) {
            const key = item.Update?.Key;
            if (
              key?.sk === 'JOB' &&
              typeof key.pk === 'string' &&
              key.pk.startsWith('JOB#') &&
              item.Update?.UpdateExpression?.includes('= :completed')
            ) {
              const jobId = key.pk.slice('JOB#'.length);
              this.completions.set(jobId, (this.completions.get(jobId) ?? 0) + 1);
            }
          }
        }
        return result;
      },
      { step: 'initialize', name: 'observeCompletions' },
    );
  }

  count(jobId: string): number {
    return this.completions.get(jobId) ?? 0;
  }
}
