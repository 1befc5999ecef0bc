// Key attribute types: a graph declares which key attributes are DynamoDB Numbers (default:
// String). Inside lethe an entity id is always a string — in messages, tombstones, job ids —
// and a Number id is kept in one canonical form, so `007`, `7.0` and `7e0` are the same id.
// It becomes a number again only at the DynamoDB boundary, through `keyValue`.
import { LetheError } from '../errors.js';
import type { Entity, KeyAttributeType, TableDefinition } from './graph-types.js';

export type { KeyAttributeType } from './graph-types.js';

export const KEY_ATTRIBUTE_TYPES: readonly KeyAttributeType[] = ['string', 'number'];

/** A value that cannot be a key of its declared type: the request or unit is refused. */
export class InvalidKeyValueError extends LetheError {
  constructor(message: string) {
    super('INVALID_KEY_VALUE', message);
    this.name = 'InvalidKeyValueError';
  }
}

// DynamoDB's limits for a Number: 38 significant digits, magnitude 1E-130 to 9.99…E+125.
const MAX_DIGITS = 38;
const MIN_EXPONENT = -130;
const MAX_EXPONENT = 125;
const NUMBER_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,6}))?$/;

/**
 * The canonical text of a DynamoDB Number, as DynamoDB itself normalises it: plain decimal
 * notation, no leading or trailing zeros, no `+`, no exponent, `0` for any zero (`007` → `7`,
 * `1e2` → `100`, `-1.50` → `-1.5`, `-0` → `0`). Undefined when the text is not a number
 * DynamoDB can store (more than 38 significant digits, outside 1E-130 … 9.99E+125, or no
 * number at all).
 */
export function canonicalNumber(text: string): string | undefined {
  const match = NUMBER_TEXT.exec(text);
  if (!match) return undefined;
  const [, sign = '', whole = '', fraction = '', exponentText = '0'] = match;
  if (whole === '' && fraction === '') return undefined;
  let digits = `${whole}${fraction}`.replace(/^0+/, '');
  if (digits === '') return '0';
  // value = digits × 10^exponent
  let exponent = Number(exponentText) - fraction.length;
  const trimmed = digits.replace(/0+$/, '');
  exponent += digits.length - trimmed.length;
  digits = trimmed;
  if (digits.length > MAX_DIGITS) return undefined;
  const magnitude = exponent + digits.length - 1;
  if (magnitude < MIN_EXPONENT || magnitude > MAX_EXPONENT) return undefined;
  let plain: string;
  if (exponent >= 0) {
    plain = digits + '0'.repeat(exponent);
  } else {
    const point = digits.length + exponent;
    plain =
      point > 0
        ? `${digits.slice(0, point)}.${digits.slice(point)}`
        : `0.${'0'.repeat(-point)}${digits}`;
  }
  return sign === '-' ? `-${plain}` : plain;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

/**
 * The id lethe uses for a key value of the given type: a non-empty string as it is for a
 * String key; the canonical decimal text for a Number key, from a number, a bigint or numeric
 * text. Throws InvalidKeyValueError (`INVALID_KEY_VALUE`, not retryable) otherwise; `what`
 * names the attribute in the message (e.g. `organization id (accountId)`).
 */
export function canonicalId(type: KeyAttributeType, value: unknown, what: string): string {
  if (type === 'string') {
    if (typeof value === 'string' && value !== '') return value;
    throw new InvalidKeyValueError(
      `${what} must be a non-empty string (its key type is String), got ${describeValue(value)}`,
    );
  }
  const text =
    typeof value === 'number' && Number.isFinite(value)
      ? String(value)
      : typeof value === 'bigint' || typeof value === 'string'
        ? String(value)
        : undefined;
  const canonical = text === undefined ? undefined : canonicalNumber(text);
  if (canonical === undefined) {
    throw new InvalidKeyValueError(
      `${what} must be a number (its key type is Number: decimal digits, at most 38 significant, magnitude 1E-130 to 9.99E+125), got ${describeValue(value)}`,
    );
  }
  return canonical;
}

/**
 * The canonical id for a value, or undefined when the value is absent or cannot be an id of
 * this type: for attributes that may or may not point at a parent.
 */
export function canonicalIdOrUndefined(type: KeyAttributeType, value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  try {
    return canonicalId(type, value, 'id');
  } catch (error) {
    if (error instanceof InvalidKeyValueError) return undefined;
    throw error;
  }
}

/**
 * The value to send to DynamoDB for an id of the given type: the string itself for a String
 * key, a JS number for a Number key. Number ids must survive a JS number exactly (integers up
 * to 2^53 - 1 and decimals a double holds exactly): lethe carries cursors and messages as
 * JSON, where a larger number cannot travel. Throws InvalidKeyValueError otherwise.
 */
export function keyValue(type: KeyAttributeType, id: string, what: string): string | number {
  if (type === 'string') return id;
  const canonical = canonicalId('number', id, what);
  const value = Number(canonical);
  // The SDK refuses to marshal a JS number past 2^53 - 1, and a double that does not give back
  // the same text would name another item.
  if (Math.abs(value) > Number.MAX_SAFE_INTEGER || canonicalNumber(String(value)) !== canonical) {
    throw new InvalidKeyValueError(
      `${what} ${canonical} is a Number lethe cannot carry exactly: Number ids must be integers within ±(2^53 - 1) or decimals a double holds exactly; store larger ids as strings`,
    );
  }
  return value;
}

/** The declared type of one of a table's key attributes (table or index key); String by default. */
export function tableKeyType(table: TableDefinition, attribute: string): KeyAttributeType {
  const types = table.keyTypes;
  return types !== undefined && Object.hasOwn(types, attribute)
    ? (types[attribute] ?? 'string')
    : 'string';
}

/** The declared type of a key attribute of an entity's table (String when it is not a key). */
export function entityKeyType(entity: Entity, attribute: string): KeyAttributeType {
  return Object.hasOwn(entity.keyTypes, attribute)
    ? (entity.keyTypes[attribute] ?? 'string')
    : 'string';
}

/** An entity's id from a value of its partition key (a row's, an event's, a stream key's). */
export function entityIdOf(entity: Entity, value: unknown): string {
  return canonicalId(entity.idType, value, `${entity.name} id (${entity.partitionKey})`);
}

/** The value of an entity's partition key for an id, typed as its table declares it. */
export function entityKeyValue(entity: Entity, id: string): string | number {
  return keyValue(entity.idType, id, `${entity.name} id (${entity.partitionKey})`);
}
