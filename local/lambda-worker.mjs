// @ts-check
// One Lambda execution environment: a worker thread that loads a bundled handler once (the cold
// start) and then runs one invocation at a time with a Lambda-like context. Plain JavaScript so it
// runs as is in a Worker, whatever loader the parent uses.
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

const { entry, handlerName, functionName, memorySize, region, accountId, logGroupName } =
  workerData;

if (!parentPort) throw new Error('lambda-worker.mjs must run in a worker thread');
if (workerData.discardOutput) {
  // Nobody reads this environment's logs: drop them here rather than ship them to the parent.
  const discard = (_chunk, encoding, callback) => {
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') queueMicrotask(done);
    return true;
  };
  process.stdout.write = discard;
  process.stderr.write = discard;
}
const port = parentPort;

/** @type {Promise<(event: unknown, context: object) => unknown>} */
const init = (async () => {
  const started = performance.now();
  const module = await import(pathToFileURL(entry).href);
  const handler = module[handlerName];
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${entry} does not export a function named ${handlerName}`), {
      name: 'Runtime.HandlerNotFound',
    });
  }
  port.postMessage({ type: 'init', durationMs: performance.now() - started });
  return handler;
})();
// Reported on the first invocation, as Lambda reports an init error; not an unhandled rejection.
init.catch(() => {});

port.on(
  'message',
  async (
    /** @type {{ id: number, event: unknown, timeoutMs: number, requestId?: string }} */ message,
  ) => {
    const awsRequestId = message.requestId ?? randomUUID();
    // The function timeout runs from the end of init, as on Lambda (init has its own limit).
    let deadline = Date.now() + message.timeoutMs;
    const context = {
      awsRequestId,
      functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${functionName}`,
      memoryLimitInMB: String(memorySize),
      logGroupName,
      logStreamName: `local/[$LATEST]${workerData.environmentId}`,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    const started = performance.now();
    try {
      const handler = await init;
      deadline = Date.now() + message.timeoutMs;
      const result = await handler(message.event, context);
      port.postMessage({
        type: 'result',
        id: message.id,
        result,
        durationMs: performance.now() - started,
      });
    } catch (error) {
      const e = /** @type {Error} */ (error instanceof Error ? error : new Error(String(error)));
      port.postMessage({
        type: 'result',
        id: message.id,
        durationMs: performance.now() - started,
        error: {
          errorType: e.name || 'Error',
          errorMessage: e.message,
          stackTrace: String(e.stack ?? '').split('\n'),
        },
      });
    }
  },
);
