// The dead-letter queue, for operators: list what is there (without consuming it) and
// redrive it to the work queue. A redriven unit is safe to run again: units settle once.
import type { QueueConsumer } from '../ports/queue-consumer.js';
import type { WorkQueue } from '../ports/work-queue.js';

export interface DeadLetter {
  readonly messageId: string;
  readonly receiveCount: number;
  readonly sentAt: string;
  readonly body: string;
}

export async function listDeadLetters(
  consumer: QueueConsumer,
  dlqUrl: string,
  max = 100,
): Promise<DeadLetter[]> {
  const seen = new Map<string, { letter: DeadLetter; handle: string }>();
  for (let round = 0; round < Math.ceil(max / 10) + 2 && seen.size < max; round++) {
    const received = await consumer.receive(dlqUrl, {
      max: 10,
      waitSeconds: 0,
      visibilityTimeoutSeconds: 30,
    });
    if (received.length === 0) break;
    for (const m of received) {
      seen.set(m.messageId, {
        handle: m.receiptHandle,
        letter: {
          messageId: m.messageId,
          receiveCount: m.receiveCount,
          sentAt: new Date(m.sentTimestamp).toISOString(),
          body: m.body,
        },
      });
    }
  }
  // Put them back: listing must not hide anything from the next look or a redrive.
  await Promise.all([...seen.values()].map((s) => consumer.changeVisibility(dlqUrl, s.handle, 0)));
  return [...seen.values()].map((s) => s.letter);
}

export async function redriveDeadLetters(
  consumer: QueueConsumer,
  dlqUrl: string,
  work: WorkQueue,
): Promise<number> {
  let moved = 0;
  for (;;) {
    const received = await consumer.receive(dlqUrl, {
      max: 10,
      waitSeconds: 0,
      visibilityTimeoutSeconds: 60,
    });
    if (received.length === 0) return moved;
    await work.send(received.map((m) => ({ id: m.messageId, body: m.body })));
    await consumer.deleteBatch(
      dlqUrl,
      received.map((m) => m.receiptHandle),
    );
    moved += received.length;
  }
}
