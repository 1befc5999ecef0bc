// The local stand-in for EventBridge: keeps what was published so tests and the demo can
// read it, and lets listeners wait for an event.
import type { EventBus, LetheEvent } from '../lib/ports/event-bus.js';

/** An event bus that keeps every published event; `onEvent` returns an unsubscribe function. */
export interface InMemoryEventBus extends EventBus {
  readonly events: readonly LetheEvent[];
  onEvent(listener: (event: LetheEvent) => void): () => void;
}

/** The local stand-in for EventBridge: lethe's `DeletionCompleted`/`DeletionStalled` land here. */
export function createInMemoryEventBus(): InMemoryEventBus {
  const events: LetheEvent[] = [];
  const listeners = new Set<(event: LetheEvent) => void>();
  return {
    events,
    async publish(event) {
      events.push(event);
      for (const listener of listeners) listener(event);
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
