// A conditional update whose failed condition is an answer, not an error: "someone moved on
// first" (a twin settled it, the step advanced, the item changed since it was read).
import { ConditionFailedError } from '../errors.js';
import type { DocumentStore, UpdateSpec } from '../ports/document-store.js';

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
