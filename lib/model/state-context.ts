// What every state-store function needs: the document store port, the state table's name
// and a clock (injected so tests can move time).
import type { DocumentStore } from '../ports/document-store.js';

export interface StateContext {
  readonly docs: DocumentStore;
  readonly table: string;
  readonly now: () => Date;
}
