// EventBus on EventBridge: lethe's events go out with source "lethe".
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { LetheError } from '../errors.js';
import type { EventBus } from '../ports/event-bus.js';
import type { AwsClients } from './aws-clients.js';

export const EVENT_SOURCE = 'lethe';

export function createEventBridgeEventBus(clients: AwsClients, eventBusName = 'default'): EventBus {
  return {
    async publish(event) {
      const result = await clients.eventbridge.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: eventBusName,
              Source: EVENT_SOURCE,
              DetailType: event.detailType,
              Detail: JSON.stringify(event.detail),
            },
          ],
        }),
      );
      if ((result.FailedEntryCount ?? 0) > 0) {
        throw new LetheError('PUBLISH_FAILED', `could not publish ${event.detailType}`, {
          retryable: true,
        });
      }
    },
  };
}
