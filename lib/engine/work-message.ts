// The messages on the work queue: typed, versioned, validated at the boundary. A message
// names a unit of work by entity, id and relation only; keys and prefixes acted on are always
// re-derived from the graph or read from the state table, never taken from a message.
import * as z from 'zod';
import { LetheError } from '../errors.js';
import { plainString } from '../plain-text.js';

export const WORK_MESSAGE_VERSION = 1;
const MAX_MESSAGE_BYTES = 64 * 1024;

// Names and ids are plain text: a hidden character would make a forged unit look like a real one.
const name = plainString(1, 128);
const entityId = plainString(1, 512);
const jobId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "_" and "-"');
const cursor = z.record(z.string().max(256), z.union([z.string().max(2048), z.number()]));

const base = { v: z.literal(WORK_MESSAGE_VERSION), jobId };

export const cascadeMessage = z.strictObject({
  ...base,
  type: z.literal('cascade'),
  entity: name,
  id: entityId,
  /** The relation the entity was reached through; absent for the job's root. */
  via: name.optional(),
  /**
   * The job whose tombstone the entity already carried when this job's cascade reached it:
   * this unit defers to that job (defer-to-owner.ts) instead of deleting the entity twice.
   */
  owner: jobId.optional(),
});

export const rowsMessage = z.strictObject({
  ...base,
  type: z.literal('rows'),
  relation: name,
  parentId: entityId,
  page: z.number().int().min(0),
  cursor: cursor.optional(),
});

export const finalizeMessage = z.strictObject({
  ...base,
  type: z.literal('finalize'),
  entity: name,
  id: entityId,
  via: name.optional(),
});

export const prefixMessage = z.strictObject({
  ...base,
  type: z.literal('prefix'),
  entity: name,
  id: entityId,
  /** Index of the prefix in the intent that planned it. */
  part: z.number().int().min(0),
  page: z.number().int().min(0),
  /** The last key the previous unit of this prefix pinned: this unit lists after it. */
  after: z.string().min(1).max(1024).optional(),
  via: name.optional(),
});

/**
 * One unit of a restore (handle-restore-message.ts): `step` is `lift` (the job's tombstones)
 * or the index of a rank group of the job's restore log; `entry` names the log entry (its
 * sort key; for a group of delete markers, the first entry's) — absent, the message asks
 * for the step's unsettled entries to be sent again (the sweeper's re-send, a resumed start).
 */
export const restoreMessage = z.strictObject({
  ...base,
  type: z.literal('restore'),
  step: z.union([z.literal('lift'), z.number().int().min(0).max(10_000)]),
  entry: plainString(1, 1024).optional(),
});

/** The messages of a deletion's units. */
export const workMessage = z.discriminatedUnion('type', [
  cascadeMessage,
  rowsMessage,
  finalizeMessage,
  prefixMessage,
]);

/** Everything the work queue carries: a deletion's units and a restore's. */
export const queueMessage = z.discriminatedUnion('type', [
  cascadeMessage,
  rowsMessage,
  finalizeMessage,
  prefixMessage,
  restoreMessage,
]);

export type CascadeMessage = z.infer<typeof cascadeMessage>;
export type RowsMessage = z.infer<typeof rowsMessage>;
export type FinalizeMessage = z.infer<typeof finalizeMessage>;
export type PrefixMessage = z.infer<typeof prefixMessage>;
export type RestoreMessage = z.infer<typeof restoreMessage>;
export type WorkMessage = z.infer<typeof workMessage>;
export type QueueMessage = z.infer<typeof queueMessage>;

/** A message that can never succeed: retrying will not help, the reason says why. */
export class InvalidMessageError extends LetheError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('INVALID_MESSAGE', message, options);
    this.name = 'InvalidMessageError';
  }
}

export function parseWorkMessage(body: string): WorkMessage {
  return parseWith(workMessage, body);
}

/**
 * Parses anything the work queue carries: a deletion's unit or a restore's.
 *
 * @throws InvalidMessageError for a message no retry can make valid
 */
export function parseQueueMessage(body: string): QueueMessage {
  return parseWith(queueMessage, body);
}

function parseWith<T>(schema: z.ZodType<T>, body: string): T {
  if (Buffer.byteLength(body, 'utf8') > MAX_MESSAGE_BYTES) {
    throw new InvalidMessageError(`message is larger than ${MAX_MESSAGE_BYTES} bytes`);
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new InvalidMessageError('message is not valid JSON', { cause: error });
  }
  if (typeof json === 'object' && json !== null && 'v' in json && json.v !== WORK_MESSAGE_VERSION) {
    throw new InvalidMessageError(
      `unknown message version ${JSON.stringify(json.v)} (this worker reads version ${WORK_MESSAGE_VERSION})`,
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`);
    throw new InvalidMessageError(`malformed work message: ${issues.join('; ')}`);
  }
  return parsed.data;
}

/** Deterministic unit ids: re-running a unit re-plans exactly the same units. */
export function unitIdOf(message: WorkMessage): string {
  switch (message.type) {
    case 'cascade':
      return `cascade|${message.entity}|${message.id}`;
    case 'finalize':
      return `finalize|${message.entity}|${message.id}`;
    case 'rows':
      return `rows|${message.relation}|${message.page}|${message.parentId}`;
    case 'prefix':
      return `prefix|${message.entity}|${message.part}|${message.page}|${message.id}`;
  }
}

/**
 * The message as SQS can carry it, in printable ASCII. A prefix message holds an S3 key
 * (`after`), and a key may hold any character, while SQS accepts only XML 1.0 characters
 * (and fauxqs, the local emulator, refuses every character beyond U+FFFF too). JSON.stringify
 * escapes U+0000–U+001F; every other character outside printable ASCII is written here as a
 * JSON `\uXXXX` escape, which JSON.parse reads back to the same key.
 */
export function encodeWorkMessage(message: QueueMessage): string {
  return JSON.stringify(message).replace(
    /[^\u0020-\u007e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
