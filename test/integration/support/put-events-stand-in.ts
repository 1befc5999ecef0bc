// A stand-in for EventBridge's PutEvents on 127.0.0.1, for bundles that run outside the local
// runtime (which gives the engine an in-memory bus instead). Neither emulator speaks
// EventBridge; this answers the one call lethe makes (AWS JSON 1.1, `AWSEvents.PutEvents`)
// and keeps every entry, so a test can read what the functions emitted.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PutEventsEntry {
  readonly Source?: string;
  readonly DetailType?: string;
  readonly Detail?: string;
  readonly EventBusName?: string;
}

export interface PutEventsStandIn {
  /** `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL_EVENTBRIDGE`. */
  readonly endpoint: string;
  /** Every entry accepted so far, in arrival order. */
  readonly entries: readonly PutEventsEntry[];
  close(): Promise<void>;
}

/** Starts the stand-in on a free port. Any other operation answers 400 `UnknownOperation`. */
export async function startPutEventsStandIn(): Promise<PutEventsStandIn> {
  const entries: PutEventsEntry[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      response.setHeader('content-type', 'application/x-amz-json-1.1');
      if (request.headers['x-amz-target'] !== 'AWSEvents.PutEvents') {
        response.statusCode = 400;
        response.end(JSON.stringify({ __type: 'UnknownOperation', message: 'PutEvents only' }));
        return;
      }
      const batch = (JSON.parse(body) as { Entries?: PutEventsEntry[] }).Entries ?? [];
      entries.push(...batch);
      response.end(
        JSON.stringify({
          FailedEntryCount: 0,
          Entries: batch.map(() => ({ EventId: randomUUID() })),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    entries,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
