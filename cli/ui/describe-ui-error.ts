// What the status page says when it cannot show something: one sentence that names what is
// wrong and what to do — never a stack trace. The stack that went away and the table the
// credentials cannot read are the usual causes on a page left open, so they get their own
// words; anything else falls back to the CLI's one-line description.
import { describeError } from '../cli-error.js';

/** AWS error names meaning "these credentials may not do this". */
const DENIED = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'CredentialsProviderError',
]);

export interface UiProblem {
  /** Stable, for the page: `unreachable`, `denied`, `missing`, `error`. */
  readonly code: 'unreachable' | 'denied' | 'missing' | 'error';
  readonly message: string;
}

function awsName(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current instanceof Error && !seen.has(current)) {
    seen.add(current);
    if (DENIED.has(current.name) || current.name === 'ResourceNotFoundException')
      return current.name;
    current = current.cause;
  }
  return undefined;
}

export function describeUiError(
  error: unknown,
  where: { readonly endpoint: string; readonly stateTable: string },
): UiProblem {
  const line = describeError(error, where.endpoint);
  if (line.startsWith('cannot reach ')) {
    return {
      code: 'unreachable',
      message: `cannot reach ${where.endpoint}: the stack went away or is not running (start it with \`lethe local\`, or check --endpoint and --region). The page retries every few seconds.`,
    };
  }
  const name = awsName(error);
  if (name === 'ResourceNotFoundException') {
    return {
      code: 'missing',
      message: `the state table "${where.stateTable}" (or a queue) does not exist at ${where.endpoint}: the stack went away, or --state-table names another one.`,
    };
  }
  if (name !== undefined) {
    return {
      code: 'denied',
      message: `the credentials in use cannot read the state table "${where.stateTable}" (${name}): they need dynamodb:GetItem and dynamodb:Query on the table and its indexes, and sqs:GetQueueAttributes on the dead-letter queue. ${line}`,
    };
  }
  return { code: 'error', message: line };
}
