// A second count, taken inside the SDK: a middleware on the run's clients counts every
// attempt by command name. For runners that use `env.clients` it must agree with the proxy;
// a disagreement means the proxy named a request wrongly, and the report says so.
import type { AwsClients } from '../lib/adapters/aws-clients.js';

export type SdkTally = Record<string, number>;

export function attachSdkCounter(clients: AwsClients): SdkTally {
  const tally: SdkTally = {};
  const count = (service: string) => (commandName: string | undefined) => {
    const key = `${service}:${(commandName ?? 'Unknown').replace(/Command$/, '')}`;
    tally[key] = (tally[key] ?? 0) + 1;
  };
  const countS3 = count('s3');
  const countDynamo = count('dynamodb');
  const countSqs = count('sqs');
  // The deserialize step runs inside the retry middleware: once per attempt, like the wire.
  clients.s3.middlewareStack.add(
    (next, context) => (args) => {
      countS3(context.commandName);
      return next(args);
    },
    { step: 'deserialize', name: 'benchSdkCounter' },
  );
  clients.dynamodb.middlewareStack.add(
    (next, context) => (args) => {
      countDynamo(context.commandName);
      return next(args);
    },
    { step: 'deserialize', name: 'benchSdkCounter' },
  );
  clients.sqs.middlewareStack.add(
    (next, context) => (args) => {
      countSqs(context.commandName);
      return next(args);
    },
    { step: 'deserialize', name: 'benchSdkCounter' },
  );
  return tally;
}

/** Lines naming each action the SDK and the proxy counted differently. */
export function crossCheck(
  sdk: Readonly<SdkTally>,
  proxy: Readonly<Record<string, number>>,
): string[] {
  const problems: string[] = [];
  for (const [action, count] of Object.entries(sdk)) {
    const seen = proxy[action] ?? 0;
    if (seen !== count) {
      problems.push(`${action}: SDK sent ${count}, proxy counted ${seen}`);
    }
  }
  return problems;
}
