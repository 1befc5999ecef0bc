// QueueConsumer on SQS: ReceiveMessage, DeleteMessageBatch, visibility changes, depth.
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import type { QueueConsumer } from '../ports/queue-consumer.js';
import { chunk } from '../retry.js';
import type { AwsClients } from './aws-clients.js';

export function createSqsQueueConsumer(clients: AwsClients): QueueConsumer {
  const sqs = clients.sqs;
  return {
    async receive(queueUrl, { max, waitSeconds, visibilityTimeoutSeconds }) {
      const result = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: max,
          WaitTimeSeconds: waitSeconds,
          ...(visibilityTimeoutSeconds === undefined
            ? {}
            : { VisibilityTimeout: visibilityTimeoutSeconds }),
          MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
        }),
      );
      return (result.Messages ?? []).flatMap((m) =>
        m.MessageId && m.ReceiptHandle && m.Body !== undefined
          ? [
              {
                messageId: m.MessageId,
                receiptHandle: m.ReceiptHandle,
                body: m.Body,
                receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? '1'),
                sentTimestamp: Number(m.Attributes?.SentTimestamp ?? Date.now()),
                md5OfBody: m.MD5OfBody ?? '',
              },
            ]
          : [],
      );
    },
    async deleteBatch(queueUrl, receiptHandles) {
      for (const batch of chunk(receiptHandles, 10)) {
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((handle, i) => ({ Id: `d${i}`, ReceiptHandle: handle })),
          }),
        );
      }
    },
    async changeVisibility(queueUrl, receiptHandle, seconds) {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: receiptHandle,
          VisibilityTimeout: seconds,
        }),
      );
    },
    async depth(queueUrl) {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
      );
      return {
        visible: Number(Attributes?.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
        delayed: Number(Attributes?.ApproximateNumberOfMessagesDelayed ?? 0),
      };
    },
    async queueArn(queueUrl) {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
      );
      return Attributes?.QueueArn ?? '';
    },
  };
}
