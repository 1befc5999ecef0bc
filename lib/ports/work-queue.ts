// The port through which units of work are sent to the work queue.

export interface OutgoingMessage {
  /** Unique within one batch; the unit id is a good choice. */
  readonly id: string;
  readonly body: string;
  readonly delaySeconds?: number;
}

export interface WorkQueue {
  /** Sends with SendMessageBatch, 10 a call; throws if any message could not be sent. */
  send(messages: readonly OutgoingMessage[]): Promise<void>;
}
