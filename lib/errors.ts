// The domain error hierarchy. Every error lethe raises on purpose extends LetheError,
// carries a stable `code` for machines and says whether retrying can help.

export interface LetheErrorOptions {
  readonly cause?: unknown;
  readonly retryable?: boolean;
}

/** Base of every error lethe raises on purpose: a stable `code` and whether a retry can help. */
export class LetheError extends Error {
  readonly code: string;
  readonly retryable: boolean;

  constructor(code: string, message: string, options: LetheErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LetheError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** A graph definition that cannot be used; lists every problem found, not just the first. */
export class GraphValidationError extends LetheError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(
      'GRAPH_INVALID',
      `invalid deletion graph:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'GraphValidationError';
    this.problems = problems;
  }
}

/** A template value that would render outside its template: `/`, `..`, `*`, control chars… */
export class UnsafeKeyValueError extends LetheError {
  readonly template: string;
  readonly attribute: string;

  constructor(template: string, attribute: string, reason: string) {
    super('UNSAFE_KEY_VALUE', `unsafe value for {${attribute}} in "${template}": ${reason}`);
    this.name = 'UnsafeKeyValueError';
    this.template = template;
    this.attribute = attribute;
  }
}

/** The local stack cannot start: missing Java, emulator that does not answer… */
export class LocalStackError extends LetheError {
  constructor(message: string, options: LetheErrorOptions = {}) {
    super('LOCAL_STACK', message, options);
    this.name = 'LocalStackError';
  }
}

/** A transaction was cancelled; `reasons` has one code per item, in order. */
export class TransactionCancelledError extends LetheError {
  readonly reasons: readonly string[];

  constructor(reasons: readonly string[], options: { cause?: unknown } = {}) {
    super('TRANSACTION_CANCELLED', `transaction cancelled: ${reasons.join(', ')}`, {
      ...options,
      retryable: reasons.some((r) => r === 'TransactionConflict' || r === 'ThrottlingError'),
    });
    this.name = 'TransactionCancelledError';
    this.reasons = reasons;
  }
}

export class ConditionFailedError extends LetheError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('CONDITION_FAILED', message, options);
    this.name = 'ConditionFailedError';
  }
}

/**
 * The pause switch could not stop or start a consumer: the event source mapping or rule does
 * not exist, the caller may not change it, or it is busy changing state. `resource` names it
 * (a mapping UUID, a function, a rule) and `awsError` the AWS error name, when there was one.
 */
export class PipelineSwitchError extends LetheError {
  readonly resource: string;
  readonly awsError: string | undefined;

  constructor(
    message: string,
    details: { resource: string; awsError?: string | undefined },
    options: LetheErrorOptions = {},
  ) {
    super('PIPELINE_SWITCH', message, options);
    this.name = 'PipelineSwitchError';
    this.resource = details.resource;
    this.awsError = details.awsError;
  }
}

/**
 * DynamoDB refused a request as invalid (`ValidationException`): a key of the wrong type, an
 * attribute or index the table does not have. The same request fails the same way every time,
 * so it is not retryable: a unit that meets it is settled as failed with this message rather
 * than walked to the DLQ. `table` and `operation` say where; `awsError` is the AWS error name.
 */
export class DynamoDbRequestRefusedError extends LetheError {
  readonly table: string;
  readonly index: string | undefined;
  readonly operation: string;
  readonly awsError: string;

  constructor(
    details: {
      table: string;
      index?: string | undefined;
      operation: string;
      awsError: string;
      reason: string;
    },
    options: { cause?: unknown } = {},
  ) {
    const where = `${details.index === undefined ? '' : `index "${details.index}" of `}table "${details.table}"`;
    super(
      'DYNAMODB_REQUEST_REFUSED',
      `DynamoDB refused ${details.operation} on ${where}: ${details.awsError}: ${details.reason}; no retry can fix this: check that the graph matches the table (key names, index names, and key types declared in keyTypes)`,
      options,
    );
    this.name = 'DynamoDbRequestRefusedError';
    this.table = details.table;
    this.index = details.index;
    this.operation = details.operation;
    this.awsError = details.awsError;
  }
}
