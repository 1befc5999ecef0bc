// DynamoDB refuses a transaction that names one item twice ("Transaction request cannot
// include multiple operations on one item"), and lethe's transactions can: two parent
// relations to the same parent, a self-reference, a check on an item the same transaction
// writes. Every transaction goes through this merge first, so each item gets one operation.
import { LetheError } from '../errors.js';
import type { Expression, Item, Key, TransactItem } from '../ports/document-store.js';

/** Two operations on one item that cannot be one operation (a put beside an update…). */
export class TransactionConflictError extends LetheError {
  constructor(message: string) {
    super('TRANSACTION_CONFLICT', message);
    this.name = 'TransactionConflictError';
  }
}

export interface MergedTransaction {
  /** One operation per item, in the order each item first appears. */
  readonly items: readonly TransactItem[];
  /** For each given item, the index in `items` of the operation that carries it. */
  readonly origin: readonly number[];
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** JSON with sorted object keys: equal values give equal strings. */
function canonical(value: unknown): string {
  if (value instanceof Uint8Array) return `b:${Buffer.from(value).toString('base64')}`;
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value instanceof Set) return `set:${canonical([...value].map(canonical).sort())}`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

function keyOf(item: TransactItem): Key | undefined {
  return item.kind === 'put' ? undefined : item.key;
}

/**
 * The identity of the item an operation names. A put carries no key of its own: it is the
 * item of any keyed operation on the same table whose key attributes it holds with the same
 * values (DynamoDB only accepts a table's full primary key, so those attribute names are the
 * key). A put nothing else names is only the same as an identical put.
 */
function identities(items: readonly TransactItem[]): string[] {
  const keyNames = new Map<string, string[][]>();
  for (const item of items) {
    const key = keyOf(item);
    if (!key) continue;
    const names = Object.keys(key).sort();
    const known = keyNames.get(item.table) ?? [];
    if (!known.some((k) => canonical(k) === canonical(names))) known.push(names);
    keyNames.set(item.table, known);
  }
  return items.map((item) => {
    const key = keyOf(item);
    if (key) return `${item.table}\u0000${canonical(key)}`;
    const put = item as { item: Item };
    for (const names of keyNames.get(item.table) ?? []) {
      if (names.every((name) => put.item[name] !== undefined)) {
        return `${item.table}\u0000${canonical(Object.fromEntries(names.map((n) => [n, put.item[n]])))}`;
      }
    }
    return `${item.table}\u0000put:${canonical(put.item)}`;
  });
}

const NAME = /#[A-Za-z0-9_]+/g;
const VALUE = /:[A-Za-z0-9_]+/g;

interface Parts {
  update?: Expression | undefined;
  condition?: Expression | undefined;
}

/**
 * Renames the placeholders of `source` that `target` already uses for something else, so both
 * can live in one operation (an update and its condition share one set of placeholders).
 */
function renameApart(target: Parts, source: Parts): Parts {
  const takenNames = { ...target.update?.names, ...target.condition?.names };
  const takenValues = { ...target.update?.values, ...target.condition?.values };
  const names = { ...source.update?.names, ...source.condition?.names };
  const values = { ...source.update?.values, ...source.condition?.values };
  const renames = new Map<string, string>();
  const pick = (placeholder: string, taken: Record<string, unknown>, value: unknown) => {
    if (!(placeholder in taken) || canonical(taken[placeholder]) === canonical(value)) return;
    let n = 1;
    while (
      `${placeholder}_${n}` in taken ||
      `${placeholder}_${n}` in names ||
      `${placeholder}_${n}` in values
    )
      n++;
    renames.set(placeholder, `${placeholder}_${n}`);
  };
  for (const [placeholder, value] of Object.entries(names)) pick(placeholder, takenNames, value);
  for (const [placeholder, value] of Object.entries(values)) pick(placeholder, takenValues, value);
  const rename = (e: Expression | undefined): Expression | undefined => {
    if (!e) return undefined;
    const swap = (token: string) => renames.get(token) ?? token;
    const renamed = (record: Record<string, unknown> | undefined) =>
      record && Object.fromEntries(Object.entries(record).map(([k, v]) => [swap(k), v]));
    return {
      expression: e.expression.replace(NAME, swap).replace(VALUE, swap),
      ...(e.names ? { names: renamed(e.names) as Record<string, string> } : {}),
      ...(e.values ? { values: renamed(e.values) } : {}),
    };
  };
  return { update: rename(source.update), condition: rename(source.condition) };
}

function both(a: Expression | undefined, b: Expression | undefined): Expression | undefined {
  if (!a) return b;
  if (!b || a.expression === b.expression) return a;
  return {
    expression: `(${a.expression}) AND (${b.expression})`,
    names: { ...a.names, ...b.names },
    values: { ...a.values, ...b.values },
  };
}

const CLAUSE = /\b(SET|REMOVE|ADD|DELETE)\b/gi;
const CLAUSE_ORDER = ['SET', 'REMOVE', 'ADD', 'DELETE'] as const;

/** Splits on commas outside parentheses: `a = if_not_exists(a, :z), b = :b` → two actions. */
function splitActions(body: string): string[] {
  const actions: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      actions.push(body.slice(start, i).trim());
      start = i + 1;
    }
  }
  actions.push(body.slice(start).trim());
  return actions.filter((a) => a !== '');
}

interface Action {
  readonly kind: (typeof CLAUSE_ORDER)[number];
  /** The attribute path with name placeholders resolved: how two actions are compared. */
  readonly path: string;
  readonly text: string;
  /** What follows the path: `= <operand>` for SET, the value for ADD and DELETE. */
  readonly operand: string;
}

function actionsOf(e: Expression): Action[] {
  const marks = [...e.expression.matchAll(CLAUSE)];
  const resolve = (path: string) => path.trim().replace(NAME, (token) => e.names?.[token] ?? token);
  return marks.flatMap((mark, i) => {
    const start = (mark.index ?? 0) + mark[0].length;
    const body = e.expression.slice(start, marks[i + 1]?.index ?? e.expression.length);
    const kind = mark[0].toUpperCase() as Action['kind'];
    return splitActions(body).map((text) => {
      const at = kind === 'SET' ? text.indexOf('=') : kind === 'REMOVE' ? -1 : text.search(/\s/);
      const path = at < 0 ? text : text.slice(0, at);
      return { kind, path: resolve(path), text, operand: at < 0 ? '' : text.slice(at).trim() };
    });
  });
}

/**
 * One update that does `a` and then `b`. Actions on different paths are all kept; on one
 * path: two ADDs of numbers are summed, a SET of `b` replaces `a`'s when its operand does not
 * read that path, two REMOVEs are one. Anything else cannot be one update.
 */
function combineUpdates(a: Expression, b: Expression, target: string): Expression {
  const values: Record<string, unknown> = { ...a.values, ...b.values };
  const actions = actionsOf(a);
  for (const action of actionsOf(b)) {
    const index = actions.findIndex((x) => x.path === action.path);
    const earlier = actions[index];
    if (earlier === undefined) {
      actions.push(action);
      continue;
    }
    const resolvedOperand = action.operand.replace(NAME, (t) => b.names?.[t] ?? t);
    if (earlier.kind === 'REMOVE' && action.kind === 'REMOVE') continue;
    if (earlier.kind === 'SET' && action.kind === 'SET' && !resolvedOperand.includes(action.path)) {
      actions[index] = action;
      continue;
    }
    const left = values[earlier.operand];
    const right = values[action.operand];
    if (
      earlier.kind === 'ADD' &&
      action.kind === 'ADD' &&
      typeof left === 'number' &&
      typeof right === 'number'
    ) {
      let n = 1;
      while (`:merged${n}` in values) n++;
      values[`:merged${n}`] = left + right;
      const path = earlier.text.slice(0, earlier.text.length - earlier.operand.length).trim();
      actions[index] = { ...earlier, text: `${path} :merged${n}`, operand: `:merged${n}` };
      continue;
    }
    throw new TransactionConflictError(
      `one transaction updates ${action.path} of the same item twice in ways that cannot be one update (${earlier.kind} and ${action.kind}; ${target})`,
    );
  }
  const expression = CLAUSE_ORDER.flatMap((kind) => {
    const texts = actions.filter((x) => x.kind === kind).map((x) => x.text);
    return texts.length === 0 ? [] : [`${kind} ${texts.join(', ')}`];
  }).join(' ');
  return { expression, names: { ...a.names, ...b.names }, values };
}

/** Drops placeholders no expression of the operation uses any more: DynamoDB refuses them. */
function prune(update: Expression, condition: Expression | undefined): Parts {
  const used = `${update.expression} ${condition?.expression ?? ''}`;
  const tokens = new Set([...(used.match(NAME) ?? []), ...(used.match(VALUE) ?? [])]);
  const keep = <T>(record: Record<string, T> | undefined) =>
    record && Object.fromEntries(Object.entries(record).filter(([k]) => tokens.has(k)));
  const trim = (e: Expression): Expression => {
    const names = keep(e.names);
    const values = keep(e.values);
    return {
      expression: e.expression,
      ...(names && Object.keys(names).length > 0 ? { names } : {}),
      ...(values && Object.keys(values).length > 0 ? { values } : {}),
    };
  };
  return { update: trim(update), condition: condition && trim(condition) };
}

function describeTarget(item: TransactItem): string {
  const key = keyOf(item);
  return `${item.table} ${key ? canonical(key) : '(put item)'}`;
}

/** One operation that does what `a` and then `b` ask of the same item, or a conflict. */
function combine(a: TransactItem, b: TransactItem): TransactItem {
  // Two equal updates still both apply (ADD twice adds twice): only other kinds are idempotent.
  if (a.kind !== 'update' && canonical(a) === canonical(b)) return a;
  if (b.kind === 'check' || a.kind === 'check') {
    const [write, check] = b.kind === 'check' ? [a, b] : [b, a];
    const parts = renameApart(
      { update: write.kind === 'update' ? write.update : undefined, condition: write.condition },
      { condition: check.condition },
    );
    const condition = both(write.condition, parts.condition);
    const merged: Writable<TransactItem> = { ...write };
    if (condition) merged.condition = condition;
    return merged as TransactItem;
  }
  if (a.kind === 'update' && b.kind === 'update') {
    const parts = renameApart(a, b);
    const pruned = prune(
      combineUpdates(a.update, parts.update ?? b.update, describeTarget(a)),
      both(a.condition, parts.condition),
    );
    return {
      kind: 'update',
      table: a.table,
      key: a.key,
      update: pruned.update ?? a.update,
      ...(pruned.condition ? { condition: pruned.condition } : {}),
    };
  }
  throw new TransactionConflictError(
    `one transaction asks for a ${a.kind} and a ${b.kind} of the same item (${describeTarget(a.kind === 'put' ? b : a)}); they cannot be one operation`,
  );
}

/**
 * Merges the operations of a transaction that name the same item into one: condition checks
 * are ANDed into the item's write (or into each other), two updates become one update whose
 * clauses and conditions are both kept, identical puts, deletes and checks are kept once. Placeholders are
 * renamed where the two use the same one differently.
 * @throws TransactionConflictError when two operations on one item cannot be combined (a put
 *   or delete beside a different write of the same item); nothing has been sent then.
 */
export function mergeTransactItems(items: readonly TransactItem[]): MergedTransaction {
  const ids = identities(items);
  const merged: TransactItem[] = [];
  const slotOf = new Map<string, number>();
  const origin = items.map((item, i) => {
    const id = ids[i] ?? '';
    const slot = slotOf.get(id);
    if (slot === undefined) {
      slotOf.set(id, merged.length);
      merged.push(item);
      return merged.length - 1;
    }
    const current = merged[slot];
    if (current) merged[slot] = combine(current, item);
    return slot;
  });
  return { items: merged, origin };
}
