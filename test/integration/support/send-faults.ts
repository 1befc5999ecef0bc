// Faults on the real SDK clients a test's engine uses, switched on and off by the test:
// SQS sends refused (a whole SendMessageBatch call failing past the SDK's retries, or chosen
// entries answered as Failed), and DynamoDB writes that carry a chosen item failing once.
import { InternalServerError } from '@aws-sdk/client-dynamodb';
import {
  type SendMessageBatchCommandInput,
  type SendMessageBatchCommandOutput,
  SQSServiceException,
} from '@aws-sdk/client-sqs';
import type { AwsClients } from '../../../lib/adapters/aws-clients.js';

type Handler = (args: { input: unknown }) => Promise<{ output: unknown; response: unknown }>;
interface Stack {
  add(
    middleware: (next: Handler, context: { commandName?: string }) => Handler,
    options: { step: 'initialize'; name: string },
  ): void;
}

export interface SendFaults {
  /** While true, every SendMessageBatch call fails with a 503 past the SDK's retries. */
  failing: boolean;
  /** Entries whose body contains one of these strings are answered as Failed, always. */
  readonly refusedBodies: Set<string>;
  /** SendMessageBatch calls refused so far. */
  refused: number;
}

export function injectSendFaults(clients: AwsClients): SendFaults {
  const faults: SendFaults = { failing: false, refusedBodies: new Set(), refused: 0 };
  (clients.sqs.middlewareStack as unknown as Stack).add(
    (next, context) => async (args) => {
      if (context.commandName !== 'SendMessageBatchCommand') return next(args);
      if (faults.failing) {
        faults.refused++;
        throw new SQSServiceException({
          name: 'ServiceUnavailable',
          $fault: 'server',
          message: 'injected: SendMessageBatch failed past the SDK retries',
          $metadata: { httpStatusCode: 503, attempts: 3 },
        });
      }
      const batch = args.input as SendMessageBatchCommandInput;
      const entries = batch.Entries ?? [];
      const refused = (body: string | undefined) =>
        [...faults.refusedBodies].some((part) => body?.includes(part));
      if (!entries.some((e) => refused(e.MessageBody))) return next(args);
      const accepted = entries.filter((e) => !refused(e.MessageBody));
      const sent =
        accepted.length === 0
          ? ({ Successful: [], $metadata: {} } as unknown as SendMessageBatchCommandOutput)
          : ((await next({ ...args, input: { ...batch, Entries: accepted } }))
              .output as SendMessageBatchCommandOutput);
      const failed = entries
        .filter((e) => refused(e.MessageBody))
        .map((e) => ({ Id: e.Id, SenderFault: false, Code: 'InternalError', Message: 'injected' }));
      return { output: { ...sent, Failed: [...(sent.Failed ?? []), ...failed] }, response: {} };
    },
    { step: 'initialize', name: 'testSendFaults' },
  );
  return faults;
}

/**
 * Fails, once, the next DynamoDB write whose request mentions `marker` (an item's sort key,
 * say), whatever command carries it; resolves `failed` to true once it has.
 */
export function failNextWriteOf(clients: AwsClients, marker: string): { failed: boolean } {
  const state = { failed: false };
  (clients.dynamodb.middlewareStack as unknown as Stack).add(
    (next, context) => async (args) => {
      const write = /Put|Update|TransactWrite|BatchWrite/.test(context.commandName ?? '');
      if (!state.failed && write && JSON.stringify(args.input).includes(marker)) {
        state.failed = true;
        throw new InternalServerError({
          message: `injected: a write of ${marker} failed`,
          $metadata: { httpStatusCode: 500, attempts: 3 },
        });
      }
      return next(args);
    },
    { step: 'initialize', name: `testFailWrite-${marker}` },
  );
  return state;
}
