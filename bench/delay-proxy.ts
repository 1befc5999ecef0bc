// An HTTP proxy on 127.0.0.1 in front of one emulator: it holds every request for a fixed
// delay before forwarding it (a stand-in for the network between a client and AWS) and names
// and counts each request as it passes. Working per HTTP request, not per TCP connection,
// is what makes the delay apply to each request on a keep-alive connection.
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { consumesCapacity } from '../lib/cost/cost-model.js';
import { classifyRequest, type RequestCounter } from './request-counter.js';

export interface DelayProxyOptions {
  /** The emulator to forward to, e.g. `http://127.0.0.1:4566`. */
  readonly upstream: string;
  /** @default 0 */
  readonly delayMs?: number;
  readonly counter?: RequestCounter;
  /**
   * Ask DynamoDB to report the capacity each call consumed (`ReturnConsumedCapacity: TOTAL`),
   * so costs use DynamoDB's own arithmetic, GSI writes included.
   * @default true
   */
  readonly reportConsumedCapacity?: boolean;
}

export interface DelayProxy {
  readonly endpoint: string;
  readonly delayMs: number;
  setDelay(ms: number): void;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  // The body is already buffered: no need for the upstream to agree to receive it.
  'expect',
]);

function forwardedHeaders(headers: IncomingHttpHeaders, bodyLength: number): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  if (bodyLength > 0 || headers['content-length'] !== undefined) {
    out['content-length'] = String(bodyLength);
  }
  return out;
}

function responseHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function withConsumedCapacity(body: Buffer): Buffer {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return body;
    const current = (parsed as Record<string, unknown>).ReturnConsumedCapacity;
    if (current === 'TOTAL' || current === 'INDEXES') return body;
    return Buffer.from(JSON.stringify({ ...parsed, ReturnConsumedCapacity: 'TOTAL' }));
  } catch {
    return body;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface UpstreamResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export async function startDelayProxy(options: DelayProxyOptions): Promise<DelayProxy> {
  const upstream = new URL(options.upstream);
  const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  let delayMs = options.delayMs ?? 0;
  const reportCapacity = options.reportConsumedCapacity ?? true;

  function send(
    method: string,
    path: string,
    headers: OutgoingHttpHeaders,
    body: Buffer,
  ): Promise<UpstreamResponse> {
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        {
          agent,
          host: upstream.hostname,
          port: upstream.port,
          method,
          path,
          headers,
        },
        (response) => {
          readAll(response).then(
            (responseBody) =>
              resolve({
                status: response.statusCode ?? 502,
                headers: response.headers,
                body: responseBody,
              }),
            reject,
          );
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  async function forward(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const method = incoming.method ?? 'GET';
    const path = incoming.url ?? '/';
    let body = await readAll(incoming);
    const classified = classifyRequest(method, path, incoming.headers);
    if (
      reportCapacity &&
      classified.service === 'dynamodb' &&
      consumesCapacity(classified.action)
    ) {
      body = withConsumedCapacity(body);
    }
    if (delayMs > 0) await sleep(delayMs);
    const headers = forwardedHeaders(incoming.headers, body.length);
    let response: UpstreamResponse | undefined;
    for (let attempt = 0; response === undefined; attempt++) {
      try {
        response = await send(method, path, headers, body);
      } catch (error) {
        // A pooled keep-alive socket the emulator closed meanwhile: retry on a fresh one.
        const code = (error as NodeJS.ErrnoException).code;
        if (attempt >= 2 || (code !== 'ECONNRESET' && code !== 'EPIPE')) throw error;
      }
    }
    options.counter?.record({
      request: classified,
      requestBody: body,
      responseBody: response.body,
      responseBytes: response.body.length,
    });
    outgoing.writeHead(response.status, responseHeaders(response.headers));
    outgoing.end(response.body);
  }

  const server = createServer((incoming, outgoing) => {
    options.counter?.begin();
    outgoing.once('close', () => options.counter?.end());
    forward(incoming, outgoing).catch((error: unknown) => {
      if (outgoing.headersSent) {
        outgoing.destroy();
        return;
      }
      outgoing.writeHead(502, { 'content-type': 'text/plain' });
      outgoing.end(`delay-proxy: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    get delayMs() {
      return delayMs;
    },
    setDelay(ms: number) {
      if (!(ms >= 0)) throw new RangeError(`delay must be ≥ 0 ms, got ${ms}`);
      delayMs = ms;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
