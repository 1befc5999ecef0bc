// Errors the CLI reports as one line, and how any error becomes that line.
import { LetheError } from '../lib/errors.js';

export class CliError extends LetheError {
  constructor(message: string) {
    super('CLI', message);
    this.name = 'CliError';
  }
}

/** Bad or missing arguments: exit 2, like the parser's own errors. */
export class CliUsageError extends CliError {
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}

function connectionProblem(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current instanceof Error && !seen.has(current)) {
    seen.add(current);
    const code = (current as { code?: string }).code;
    if (
      code === 'ECONNREFUSED' ||
      code === 'ENOTFOUND' ||
      code === 'ETIMEDOUT' ||
      code === 'EHOSTUNREACH'
    ) {
      return code;
    }
    if (current instanceof AggregateError) current = current.errors[0];
    else current = current.cause;
  }
  return undefined;
}

/** One line, no stack: what went wrong and, where it helps, what to do. */
export function describeError(error: unknown, endpoint?: string): string {
  const connection = connectionProblem(error);
  if (connection) {
    return `cannot reach ${endpoint ?? 'the AWS endpoint'} (${connection}); is \`lethe local\` running, or are --endpoint and --region right?`;
  }
  if (error instanceof LetheError) return error.message.split('\n').join(' ');
  if (error instanceof Error) {
    const name = error.name && error.name !== 'Error' ? `${error.name}: ` : '';
    return `${name}${error.message}`.split('\n')[0] ?? 'unknown error';
  }
  return String(error);
}
