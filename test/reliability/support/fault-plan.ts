// A fault plan: a seeded decision, per request, whether to inject a fault, installed as SDK
// middleware on the real clients the product uses (never by replacing a client or a port).
// Two placements: faults of one attempt sit inside the SDK's retry loop, so the SDK's own
// back-off sees a real-shaped service exception; faults of a whole call sit outside it and
// look like what the caller gets once the SDK has given up. Every injected fault is counted.
import {
  type BatchWriteItemCommandInput,
  type BatchWriteItemCommandOutput,
  ProvisionedThroughputExceededException,
  ThrottlingException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  type DeleteObjectsCommandInput,
  type DeleteObjectsCommandOutput,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import {
  type SendMessageBatchCommandInput,
  type SendMessageBatchCommandOutput,
  SQSServiceException,
} from '@aws-sdk/client-sqs';
import type { AwsClients } from '../../../lib/adapters/aws-clients.js';
import type { CrashPoint } from '../../../lib/engine/engine-context.js';
import { InjectedCrash, markInjected, processCrashed } from './injected.js';
import { createPrng, type Prng } from './prng.js';

export const CRASH_POINTS: readonly CrashPoint[] = [
  'after-tombstone',
  'after-intent',
  'mid-page',
  'after-rows',
  'after-objects',
  'after-commit',
  'mid-watermark',
];

/**
 * A restore's crash points (its units run on the workers; a crash kills the invocation and
 * the queue brings its batch back). Apart from CRASH_POINTS so that a seed's deletion faults
 * stay those it always drew; `restore-after-advance` last, for the same reason.
 */
export const RESTORE_CRASH_POINTS: readonly CrashPoint[] = [
  'restore-after-lift',
  'restore-mid-entry',
  'restore-after-finish',
  'restore-after-advance',
];

export const FAULT_KINDS = [
  /** One attempt of any DynamoDB call throttled (ProvisionedThroughputExceeded / Throttling). */
  'dynamodb.throttle',
  /** A whole DynamoDB call throttled past the SDK's retries. */
  'dynamodb.outage',
  /** BatchWriteItem leaves part of its requests in UnprocessedItems. */
  'dynamodb.unprocessed',
  /** TransactWriteItems cancelled with TransactionConflict or ThrottlingError on one item. */
  'dynamodb.txCancelled',
  /** One attempt of any S3 call answered 503 SlowDown. */
  's3.slowdown',
  /** A whole S3 call answered SlowDown past the SDK's retries. */
  's3.outage',
  /** DeleteObjects answers some keys in Errors (InternalError, SlowDown) and keeps them. */
  's3.keyErrors',
  /** One attempt of SendMessage(Batch) answered 503. */
  'sqs.sendError',
  /** A whole SendMessage(Batch) call failed past the SDK's retries. */
  'sqs.sendOutage',
  /** SendMessageBatch answers some entries in Failed. */
  'sqs.partialBatch',
  ...CRASH_POINTS.map((point) => `crash.${point}` as const),
  /**
   * Every SendMessage(Batch) fails for a while (a window, see {@link SendBlackout}): workers
   * and the sweeper alike. Last in the list, and not drawn per request, so adding it changed
   * no other kind's decisions up to the window.
   */
  'sqs.sendBlackout',
  /** A restore's unit dies at one of its crash points (only seeds that restore reach them). */
  ...RESTORE_CRASH_POINTS.map((point) => `crash.${point}` as const),
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

/** Whether only a run that restores can inject `kind` (the restore's crash points). */
export function isRestoreFault(kind: FaultKind): boolean {
  return RESTORE_CRASH_POINTS.some((point) => kind === `crash.${point}`);
}

/** Probability per opportunity (a request, a call, a key, a crash point reached). */
export type FaultRates = Partial<Record<FaultKind, number>>;

export interface FaultSample {
  readonly kind: FaultKind;
  readonly where: string;
  readonly detail: string;
}

const DATA_COMMANDS = {
  dynamodb: new Set([
    'GetItemCommand',
    'PutItemCommand',
    'UpdateItemCommand',
    'DeleteItemCommand',
    'QueryCommand',
    'BatchWriteItemCommand',
    'TransactWriteItemsCommand',
  ]),
  s3: new Set([
    'ListObjectsV2Command',
    'GetObjectCommand',
    'HeadObjectCommand',
    'DeleteObjectsCommand',
    // Receipt leaves (and large restore-log pages): a lost upload after a pin committed.
    'PutObjectCommand',
  ]),
  sqs: new Set(['SendMessageCommand', 'SendMessageBatchCommand']),
};

type CallArgs = { input: unknown };
type CallHandler = (args: CallArgs) => Promise<{ output: unknown; response: unknown }>;

/** The part of an SDK client's middleware stack a fault plan uses. */
interface ClientStack {
  add(
    middleware: (next: CallHandler, context: { commandName?: string }) => CallHandler,
    options: { step: 'initialize' | 'finalizeRequest'; priority?: 'low'; name: string },
  ): void;
}

/** Where and how one service fails. */
interface ServiceFaults {
  /** Names the middlewares: `chaos<name>Call-<where>`, `chaos<name>Attempt-<where>`. */
  readonly name: string;
  readonly commands: ReadonlySet<string>;
  /** A whole call fails past the SDK's retries with `outageError`. */
  readonly outage: FaultKind;
  readonly outageError: (command: string) => Error;
  /** One attempt fails with `attemptError`; the SDK retries it. */
  readonly attempt: FaultKind;
  readonly attemptError: (command: string) => Error;
  /** A window in which every call of `commands` fails whole with `outageError`, as `kind`. */
  readonly blackout?: { readonly kind: FaultKind; readonly on: (command: string) => boolean };
  /**
   * Fails part of a call (a transaction cancelled, part of a batch answered as failed) and
   * returns the output; undefined lets the call through.
   */
  readonly partial?: (
    command: string,
    input: unknown,
    send: (input: unknown) => Promise<unknown>,
  ) => Promise<unknown>;
}

/** A per-key error DeleteObjects answers with; both pass with time, so the adapter retries. */
const KEY_ERROR_CODES = ['InternalError', 'SlowDown'] as const;

/** A window in which SQS refuses every send: from the `afterCalls`-th send call on, for `ms`. */
export interface SendBlackout {
  /** Send calls (SendMessage, SendMessageBatch) let through, while armed, before it starts. */
  readonly afterCalls: number;
  /** How long it lasts once started, in ms of real time. */
  readonly ms: number;
}

export interface FaultPlanOptions {
  readonly seed: number;
  readonly rates: FaultRates;
  /** Share of a BatchWriteItem left unprocessed, or of a DeleteObjects/SendMessageBatch failed. */
  readonly partialShare?: number;
  /**
   * Kinds injected for certain at their n-th opportunity (1-based) if chance has not injected
   * them by then, so that a run covers every kind it names.
   */
  readonly ensure?: Partial<Record<FaultKind, number>>;
  /** A window in which every SQS send fails; none when absent. */
  readonly blackout?: SendBlackout;
}

export class FaultPlan {
  readonly seed: number;
  readonly rates: FaultRates;
  /** Faults injected, by kind. */
  readonly injected: Partial<Record<FaultKind, number>> = {};
  /** Opportunities seen, by kind (the denominator of each rate). */
  readonly opportunities: Partial<Record<FaultKind, number>> = {};
  /** The first few faults of each kind, for the report. */
  readonly samples: FaultSample[] = [];
  private readonly prng: Prng;
  private readonly partialShare: number;
  private readonly ensure: Partial<Record<FaultKind, number>>;
  private readonly blackout: SendBlackout | undefined;
  /** Send calls seen while armed (the blackout's clock until it starts). */
  private sendCalls = 0;
  /** When the blackout started and ends (ms since the epoch), once it has started. */
  private blackoutWindow: { readonly from: number; readonly until: number } | undefined;
  private armed = false;

  constructor(options: FaultPlanOptions) {
    this.seed = options.seed;
    this.rates = options.rates;
    this.prng = createPrng(options.seed).fork('faults');
    this.partialShare = options.partialShare ?? 0.3;
    this.ensure = options.ensure ?? {};
    this.blackout = options.blackout;
  }

  /** Where the send blackout stands now: not yet started, on, or over (also when there is none). */
  blackoutState(): 'before' | 'during' | 'after' {
    if (!this.blackout) return 'after';
    if (!this.blackoutWindow) return 'before';
    return Date.now() < this.blackoutWindow.until ? 'during' : 'after';
  }

  /**
   * Decides one send call against the blackout: true while it is on. Draws nothing from the
   * plan's random stream, so the other kinds' decisions are those the seed always made.
   */
  private blackedOut(where: string, command: string): boolean {
    if (!this.armed || !this.blackout) return false;
    this.sendCalls++;
    if (!this.blackoutWindow && this.sendCalls > this.blackout.afterCalls) {
      const from = Date.now();
      this.blackoutWindow = { from, until: from + this.blackout.ms };
    }
    if (this.blackoutState() !== 'during') return false;
    this.opportunities['sqs.sendBlackout'] = (this.opportunities['sqs.sendBlackout'] ?? 0) + 1;
    this.record('sqs.sendBlackout', where, command);
    return true;
  }

  /** Faults are injected only while armed: seeding and provisioning run clean. */
  arm(): void {
    this.armed = true;
  }

  disarm(): void {
    this.armed = false;
  }

  get total(): number {
    return Object.values(this.injected).reduce((sum, n) => sum + (n ?? 0), 0);
  }

  /** Decides one opportunity of `kind`, and records the fault when there is one. */
  decide(kind: FaultKind, where: string, detail = ''): boolean {
    const rate = this.rates[kind] ?? 0;
    const ensureAt = this.ensure[kind];
    if (!this.armed || (rate <= 0 && ensureAt === undefined)) return false;
    const seen = (this.opportunities[kind] ?? 0) + 1;
    this.opportunities[kind] = seen;
    const due = ensureAt !== undefined && seen >= ensureAt && !this.injected[kind];
    if (!this.prng.chance(rate) && !due) return false;
    this.record(kind, where, detail);
    return true;
  }

  private record(kind: FaultKind, where: string, detail: string): void {
    this.injected[kind] = (this.injected[kind] ?? 0) + 1;
    if (this.samples.filter((s) => s.kind === kind).length < 5)
      this.samples.push({ kind, where, detail: detail.slice(0, 200) });
  }

  /** The engine's crash-point hook: throws where the plan says the process dies. */
  readonly crashPoint = (point: CrashPoint, detail: string): void => {
    // A process that died is dead for every record it was still working on.
    if (processCrashed()) throw new InjectedCrash(point, detail, true);
    if (this.decide(`crash.${point}`, 'engine', detail)) throw new InjectedCrash(point, detail);
  };

  /** Installs the plan on a set of clients (one "process" of the product). */
  install(clients: AwsClients, where: string): void {
    this.installDynamoDb(clients, where);
    this.installS3(clients, where);
    this.installSqs(clients, where);
  }

  private pickSome<T>(items: readonly T[]): Set<number> {
    const chosen = new Set<number>();
    for (let i = 0; i < items.length; i++) if (this.prng.chance(this.partialShare)) chosen.add(i);
    if (chosen.size === 0 && items.length > 0) chosen.add(this.prng.int(0, items.length - 1));
    return chosen;
  }

  /**
   * Two middlewares on one client: faults of a whole call (an outage, or part of a batch
   * answered as failed) outside the SDK's retries, and faults of one attempt inside them.
   * Decisions are taken in the same order on every run, so a seed replays.
   */
  private installService(stack: ClientStack, where: string, faults: ServiceFaults): void {
    stack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? '';
        if (!faults.commands.has(command)) return next(args);
        if (faults.blackout?.on(command)) {
          throw markInjected(faults.outageError(command), faults.blackout.kind);
        }
        if (this.decide(faults.outage, where, command)) {
          throw markInjected(faults.outageError(command), faults.outage);
        }
        const send = async (input: unknown) => (await next({ ...args, input })).output;
        const output = await faults.partial?.(command, args.input, send);
        return output === undefined ? next(args) : { output, response: {} };
      },
      { step: 'initialize', name: `chaos${faults.name}Call-${where}` },
    );
    stack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? '';
        if (faults.commands.has(command) && this.decide(faults.attempt, where, command)) {
          throw markInjected(faults.attemptError(command), faults.attempt);
        }
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: `chaos${faults.name}Attempt-${where}` },
    );
  }

  private installDynamoDb(clients: AwsClients, where: string): void {
    const throttled = (message: string, attempts?: number) => ({
      message,
      $metadata: { httpStatusCode: 400, ...(attempts ? { attempts } : {}) },
    });
    this.installService(clients.dynamodb.middlewareStack as ClientStack, where, {
      name: 'DynamoDb',
      commands: DATA_COMMANDS.dynamodb,
      outage: 'dynamodb.outage',
      outageError: (command) =>
        new ProvisionedThroughputExceededException(
          throttled(`injected: ${command} throttled past the SDK's retries`, 8),
        ),
      attempt: 'dynamodb.throttle',
      attemptError: (command) => {
        const options = throttled(`injected: ${command} throttled (one attempt)`);
        return this.prng.chance(0.5)
          ? new ProvisionedThroughputExceededException(options)
          : new ThrottlingException(options);
      },
      partial: async (command, input, send) => {
        if (command === 'TransactWriteItemsCommand') {
          const items = (input as { TransactItems?: unknown[] }).TransactItems ?? [];
          if (items.length > 0 && this.decide('dynamodb.txCancelled', where, command)) {
            const victim = this.prng.int(0, items.length - 1);
            const code = this.prng.chance(0.5) ? 'TransactionConflict' : 'ThrottlingError';
            const reasons = items.map((_, i) => ({ Code: i === victim ? code : 'None' }));
            throw markInjected(
              new TransactionCanceledException({
                message: `injected: Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
                CancellationReasons: reasons,
                $metadata: { httpStatusCode: 400 },
              }),
              'dynamodb.txCancelled',
            );
          }
        }
        if (command !== 'BatchWriteItemCommand') return undefined;
        const batch = input as BatchWriteItemCommandInput;
        const [table, requests] = Object.entries(batch.RequestItems ?? {})[0] ?? [];
        if (!table || !requests || !this.decide('dynamodb.unprocessed', where, table)) {
          return undefined;
        }
        const withheld = this.pickSome(requests);
        const sent = requests.filter((_, i) => !withheld.has(i));
        const kept = requests.filter((_, i) => withheld.has(i));
        const output =
          sent.length === 0
            ? ({ $metadata: {} } as BatchWriteItemCommandOutput)
            : ((await send({
                ...batch,
                RequestItems: { [table]: sent },
              })) as BatchWriteItemCommandOutput);
        const unprocessed = [...(output.UnprocessedItems?.[table] ?? []), ...kept];
        return { ...output, UnprocessedItems: { [table]: unprocessed } };
      },
    });
  }

  private installS3(clients: AwsClients, where: string): void {
    const slowDown = (message: string, attempts?: number) =>
      new S3ServiceException({
        name: 'SlowDown',
        $fault: 'server',
        message,
        $metadata: { httpStatusCode: 503, ...(attempts ? { attempts } : {}) },
      });
    this.installService(clients.s3.middlewareStack as ClientStack, where, {
      name: 'S3',
      commands: DATA_COMMANDS.s3,
      outage: 's3.outage',
      outageError: (command) =>
        slowDown(`injected: ${command} slowed down past the SDK's retries`, 8),
      attempt: 's3.slowdown',
      attemptError: (command) => slowDown(`injected: ${command} SlowDown (one attempt)`),
      partial: async (command, input, send) => {
        if (command !== 'DeleteObjectsCommand') return undefined;
        const request = input as DeleteObjectsCommandInput;
        const objects = request.Delete?.Objects ?? [];
        if (objects.length === 0 || !this.decide('s3.keyErrors', where, request.Bucket ?? '')) {
          return undefined;
        }
        const failing = this.pickSome(objects);
        const errors = objects
          .filter((_, i) => failing.has(i))
          .map((object) => ({
            Key: object.Key,
            Code: this.prng.pick(KEY_ERROR_CODES),
            Message: 'injected: per-key error',
          }));
        const sent = objects.filter((_, i) => !failing.has(i));
        const output =
          sent.length === 0
            ? ({ Deleted: [], $metadata: {} } as DeleteObjectsCommandOutput)
            : ((await send({
                ...request,
                Delete: { ...request.Delete, Objects: sent },
              })) as DeleteObjectsCommandOutput);
        return { ...output, Errors: [...(output.Errors ?? []), ...errors] };
      },
    });
  }

  private installSqs(clients: AwsClients, where: string): void {
    const unavailable = (message: string, attempts?: number) =>
      new SQSServiceException({
        name: 'ServiceUnavailable',
        $fault: 'server',
        message,
        $metadata: { httpStatusCode: 503, ...(attempts ? { attempts } : {}) },
      });
    this.installService(clients.sqs.middlewareStack as ClientStack, where, {
      name: 'Sqs',
      commands: DATA_COMMANDS.sqs,
      outage: 'sqs.sendOutage',
      outageError: (command) =>
        unavailable(`injected: ${command} failed past the SDK's retries`, 8),
      attempt: 'sqs.sendError',
      attemptError: (command) => unavailable(`injected: ${command} 503 (one attempt)`),
      blackout: { kind: 'sqs.sendBlackout', on: (command) => this.blackedOut(where, command) },
      partial: async (command, input, send) => {
        if (command !== 'SendMessageBatchCommand') return undefined;
        const batch = input as SendMessageBatchCommandInput;
        const entries = batch.Entries ?? [];
        if (entries.length === 0 || !this.decide('sqs.partialBatch', where, command)) {
          return undefined;
        }
        const failing = this.pickSome(entries);
        const sent = entries.filter((_, i) => !failing.has(i));
        const output =
          sent.length === 0
            ? ({ Successful: [], $metadata: {} } as unknown as SendMessageBatchCommandOutput)
            : ((await send({ ...batch, Entries: sent })) as SendMessageBatchCommandOutput);
        const failed = entries
          .filter((_, i) => failing.has(i))
          .map((entry) => ({
            Id: entry.Id,
            SenderFault: false,
            Code: 'InternalError',
            Message: 'injected: entry not sent',
          }));
        return { ...output, Failed: [...(output.Failed ?? []), ...failed] };
      },
    });
  }
}
