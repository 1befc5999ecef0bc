// The port through which the engine reads and writes DynamoDB items. Expressions are plain
// DynamoDB expression strings; values are native JS values (the adapter marshals them).

export type Item = Record<string, unknown>;
export type Key = Record<string, string | number>;

export interface Expression {
  readonly expression: string;
  readonly names?: Record<string, string>;
  readonly values?: Record<string, unknown>;
}

export interface QuerySpec {
  readonly table: string;
  readonly index?: string | undefined;
  readonly keyCondition: Expression;
  readonly filter?: Expression;
  readonly limit?: number;
  readonly startKey?: Key | undefined;
  readonly consistent?: boolean;
  readonly descending?: boolean;
}

export interface QueryPage {
  readonly items: Item[];
  readonly lastKey: Key | undefined;
}

export type TransactItem =
  | {
      readonly kind: 'put';
      readonly table: string;
      readonly item: Item;
      readonly condition?: Expression;
    }
  | {
      readonly kind: 'update';
      readonly table: string;
      readonly key: Key;
      readonly update: Expression;
      readonly condition?: Expression;
    }
  | {
      readonly kind: 'delete';
      readonly table: string;
      readonly key: Key;
      readonly condition?: Expression;
    }
  | {
      readonly kind: 'check';
      readonly table: string;
      readonly key: Key;
      readonly condition: Expression;
    };

export interface UpdateSpec {
  readonly table: string;
  readonly key: Key;
  readonly update: Expression;
  readonly condition?: Expression;
}

export interface DocumentStore {
  get(table: string, key: Key, consistent?: boolean): Promise<Item | undefined>;
  put(table: string, item: Item, condition?: Expression): Promise<void>;
  /** Returns the item's attributes after the update. */
  update(spec: UpdateSpec): Promise<Item>;
  delete(table: string, key: Key, condition?: Expression): Promise<void>;
  query(spec: QuerySpec): Promise<QueryPage>;
  /**
   * All-or-nothing write. Items may name one item more than once: they are merged into one
   * operation per item first (checks ANDed into its write, two updates into one), and a pair
   * that cannot be one operation throws TransactionConflictError before anything is sent.
   * Throws TransactionCancelledError with one reason per given item
   * ('ConditionalCheckFailed', 'TransactionConflict', 'None', …) when cancelled.
   */
  transact(items: readonly TransactItem[]): Promise<void>;
  /**
   * Reads keys with strongly consistent BatchGetItem, 100 a call, several in flight,
   * unprocessed keys retried. Returns the items found, in no particular order; keys not
   * found are absent. With `attributes`, items hold only those (name the keys too).
   */
  batchGet(table: string, keys: readonly Key[], attributes?: readonly string[]): Promise<Item[]>;
  /** Deletes keys with BatchWriteItem, 25 a call, several in flight, unprocessed retried. */
  batchDelete(table: string, keys: readonly Key[]): Promise<void>;
  /** Puts whole items with BatchWriteItem, 25 a call, unprocessed retried. */
  batchPut(table: string, items: readonly Item[]): Promise<void>;
}
