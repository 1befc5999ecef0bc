// The port through which units of work are sent to the work queue.
import { LetheError } from '../errors.js';

export interface OutgoingMessage {
  /** Unique within one batch; the unit id is a good choice. */
  readonly id: string;
  readonly body: string;
  readonly delaySeconds?: number;
}

export interface WorkQueue {
  /**
   * Sends with SendMessageBatch, 10 a call. Resolves only when the queue accepted every
   * message; otherwise throws once every batch has been tried — a {@link SendFailedError}
   * naming the messages it did not accept when it knows them, any error when it does not
   * (then none counts as sent).
   */
  send(messages: readonly OutgoingMessage[]): Promise<void>;
}

/**
 * Some messages were not accepted by the queue (their batch entries kept failing, or their
 * whole call failed). `unsent` holds their `id`s; every other message of the send was
 * accepted. Retryable: the queue refused, the messages themselves were fine to send.
 */
export class SendFailedError extends LetheError {
  readonly unsent: readonly string[];

  constructor(unsent: readonly string[], options: { cause?: unknown } = {}) {
    super('SEND_FAILED', `${unsent.length} messages could not be sent`, {
      ...options,
      retryable: true,
    });
    this.name = 'SendFailedError';
    this.unsent = unsent;
  }
}

/**
 * The ids of `messages` the queue accepted in a send that threw `error`: those a
 * {@link SendFailedError} does not name, or none for any other error.
 */
export function acceptedDespite(
  messages: readonly OutgoingMessage[],
  error: unknown,
): OutgoingMessage[] {
  if (!(error instanceof SendFailedError)) return [];
  const unsent = new Set(error.unsent);
  return messages.filter((m) => !unsent.has(m.id));
}
