import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { ListQueuesCommand } from '@aws-sdk/client-sqs';
import { describe, expect, inject, it } from 'vitest';
import { createAwsClients, destroyAwsClients } from '../../lib/adapters/aws-clients.js';
import { isPidAlive, startLocalStack } from '../../local/start-local-stack.js';

async function waitUntil(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (predicate()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return predicate();
}

async function startHolder(): Promise<{ child: ReturnType<typeof spawn>; pids: number[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/hold-local-stack.ts'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  const { pids } = JSON.parse(line.toString()) as { pids: number[] };
  return { child, pids };
}

/** The processes this test process has started and that still run. */
function ownChildren(): number[] {
  try {
    const out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], {
      encoding: 'utf8',
    });
    return out
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter(([pid, command]) => Number(pid) > 0 && command !== 'ps')
      .map(([pid]) => Number(pid));
  } catch {
    return []; // ps exits 1 when there are none
  }
}

describe('Function: startLocalStack', () => {
  it('serves DynamoDB, SQS and S3 on loopback through the real SDK clients', async () => {
    // Prepare
    const { endpoints, region } = inject('localStack');
    const clients = createAwsClients({ region, endpoints });

    // Act
    const [tables, queues, buckets] = await Promise.all([
      clients.dynamodb.send(new ListTablesCommand({})),
      clients.sqs.send(new ListQueuesCommand({})),
      clients.s3.send(new ListBucketsCommand({})),
    ]);
    destroyAwsClients(clients);

    // Assess
    expect(endpoints.dynamodb).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(endpoints.sqs).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(tables.TableNames).toBeInstanceOf(Array);
    expect(queues.$metadata.httpStatusCode).toBe(200);
    expect(buckets.$metadata.httpStatusCode).toBe(200);
  });

  it('runs beside another stack on other ports and leaves no process behind on stop', async () => {
    // Prepare
    const stack = await startLocalStack();

    // Act
    const alive = stack.pids.every(isPidAlive);
    await stack.stop();

    // Assess
    expect(stack.endpoints.dynamodb).not.toBe(inject('localStack').endpoints.dynamodb);
    expect(stack.pids.length).toBeGreaterThanOrEqual(3);
    expect(alive).toBe(true);
    expect(stack.pids.filter(isPidAlive)).toEqual([]);
  });

  it('refuses a DynamoDB port that another server answers on, instead of taking it for DynamoDB', async () => {
    // Prepare: the shared stack's fauxqs holds this port.
    const taken = Number(new URL(inject('localStack').endpoints.sqs).port);

    // Act
    const started = startLocalStack({ dynamodbPort: taken, startTimeoutMs: 20_000 });

    // Assess
    await expect(started).rejects.toThrow(`port ${taken} answers, but not as DynamoDB Local`);
  });

  it('stops a DynamoDB Local that is still starting when fauxqs fails', async () => {
    // Prepare: the shared stack's DynamoDB Local holds the port fauxqs is given.
    const taken = Number(new URL(inject('localStack').endpoints.dynamodb).port);
    const before = ownChildren();

    // Act
    const started = startLocalStack({ fauxqsPort: taken, startTimeoutMs: 20_000 });

    // Assess
    await expect(started).rejects.toThrow('fauxqs exited early');
    const left = () => ownChildren().filter((pid) => !before.includes(pid));
    expect(await waitUntil(() => left().length === 0, 10_000)).toBe(true);
  });

  it('stops its emulators when the process that started them is killed outright', async () => {
    // Prepare
    const { child, pids } = await startHolder();
    expect(pids.every(isPidAlive)).toBe(true);

    // Act
    child.kill('SIGKILL');

    // Assess
    expect(await waitUntil(() => !pids.some(isPidAlive), 15_000)).toBe(true);
  });

  it('stops its emulators when the process that started them gets Ctrl-C', async () => {
    // Prepare
    const { child, pids } = await startHolder();

    // Act
    child.kill('SIGINT');

    // Assess
    expect(await waitUntil(() => !pids.some(isPidAlive), 15_000)).toBe(true);
  });
});
