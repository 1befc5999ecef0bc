// The port through which the local runtime receives work the way a Lambda event source
// mapping does, and inspects or redrives the dead-letter queue.

export interface ReceivedMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly receiveCount: number;
  readonly sentTimestamp: number;
  readonly md5OfBody: string;
}

export interface QueueConsumer {
  receive(
    queueUrl: string,
    options: { max: number; waitSeconds: number; visibilityTimeoutSeconds?: number },
  ): Promise<ReceivedMessage[]>;
  deleteBatch(queueUrl: string, receiptHandles: readonly string[]): Promise<void>;
  changeVisibility(queueUrl: string, receiptHandle: string, seconds: number): Promise<void>;
  /** Approximate visible and in-flight counts. */
  depth(queueUrl: string): Promise<{ visible: number; inFlight: number; delayed: number }>;
  queueArn(queueUrl: string): Promise<string>;
}
