// Runs one synthesized function bundle the way the Lambda Node.js runtime does: a fresh
// process whose environment is exactly what the parent passes, the bundle imported by path
// (module-scope clients built from that environment), `handler(event, context)` awaited once.
// The parent sends { bundle, event, functionName, timeoutMs } over IPC and gets back
// { result } or { error }.
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';

function lambdaContext(functionName, timeoutMs) {
  const started = Date.now();
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'bundles-run',
    getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

process.once('message', async (request) => {
  let reply;
  try {
    const module = await import(pathToFileURL(request.bundle).href);
    if (typeof module.handler !== 'function') throw new Error('the bundle exports no handler');
    const result = await module.handler(
      request.event,
      lambdaContext(request.functionName, request.timeoutMs),
    );
    reply = { result: result ?? null };
  } catch (error) {
    reply = { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
  // The SDK clients keep sockets open: leave once the answer is out, as a frozen sandbox would.
  process.send(reply, () => process.exit(0));
});
