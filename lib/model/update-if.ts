// A conditional update or transaction whose failed condition is an answer, not an error:
// "someone moved on first" (a twin settled it, the step advanced, the item changed since it
// was read).
import { ConditionFailedError, TransactionCancelledError } from '../errors.js';
import type {
  DocumentStore,
  Expression,
  Item,
  TransactItem,
  UpdateSpec,
} from '../ports/document-store.js';

/**
 * Applies `spec` (its `condition` included); true when applied, false when the condition
 * failed. Any other error propagates.
 */
export async function updateIf(docs: DocumentStore, spec: UpdateSpec): Promise<boolean> {
  try {
    await docs.update(spec);
    return true;
  } catch (error) {
    if (error instanceof ConditionFailedError) return false;
    throw error;
  }
}

/**
 * Puts `item` into `table` only where `condition` holds; true when put, false when the
 * condition failed. Any other error propagates.
 */
export async function putIf(
  docs: DocumentStore,
  table: string,
  item: Item,
  condition: Expression,
): Promise<boolean> {
  try {
    await docs.put(table, item, condition);
    return true;
  } catch (error) {
    if (error instanceof ConditionFailedError) return false;
    throw error;
  }
}

/**
 * Commits `items` as one transaction; true when committed, false when it was cancelled
 * because the condition of `items[guard]` (the first by default) failed. Any other
 * cancellation or error propagates.
 */
export async function transactIf(
  docs: DocumentStore,
  items: readonly TransactItem[],
  guard = 0,
): Promise<boolean> {
  try {
    await docs.transact(items);
    return true;
  } catch (error) {
    if (
      error instanceof TransactionCancelledError &&
      error.reasons[guard] === 'ConditionalCheckFailed'
    ) {
      return false;
    }
    throw error;
  }
}
