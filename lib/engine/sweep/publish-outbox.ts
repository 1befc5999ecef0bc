// Events left in the outbox (a publisher that crashed after the commit, stall reports) are
// published and removed — removed only once the bus accepted them. A refused publish leaves
// the event for the next run and ends this step, not the sweep.
import { stateIndex } from '../../model/state-keys.js';
import type { LetheEvent } from '../../ports/event-bus.js';
import { publishOutboxEvent } from '../publish-completion.js';
import type { SweepContext } from './sweep-context.js';

export async function publishOutbox(sweep: SweepContext): Promise<number> {
  const { engine } = sweep;
  const page = await engine.docs.query({
    table: engine.state.table,
    index: stateIndex.name,
    keyCondition: { expression: 'gsi1pk = :pk', values: { ':pk': stateIndex.outbox() } },
    limit: 50,
  });
  let published = 0;
  for (const event of page.items) {
    try {
      await publishOutboxEvent(
        engine,
        String(event.jobId),
        event.detailType as LetheEvent['detailType'],
        event.detail as Record<string, unknown>,
      );
    } catch {
      sweep.sends.failed++;
      break;
    }
    published++;
  }
  return published;
}
