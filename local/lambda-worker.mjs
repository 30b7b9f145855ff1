// @ts-check
// One Lambda execution environment: a worker thread that loads a bundled handler once (the cold
// start) and then runs one invocation at a time with a Lambda-like context. Plain JavaScript so it
// runs as is in a Worker, whatever loader the parent uses.
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { getHeapStatistics } from 'node:v8';
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
if (workerData.inspectPort !== undefined) {
  // Debug mode: this thread's own inspector (a worker's is not reachable through the main
  // process's --inspect in every debugger). Opened before the handler loads, so a debugger
  // attached early sees the bundle's script and source map as they are parsed.
  const inspector = await import('node:inspector');
  try {
    inspector.open(workerData.inspectPort, '127.0.0.1', false);
  } catch (error) {
    process.stderr.write(
      `${JSON.stringify({ level: 'WARN', source: 'local-cloud', message: `Could not open the inspector on port ${workerData.inspectPort}: ${error instanceof Error ? error.message : String(error)}` })}\n`,
    );
  }
}
const MB = 1024 * 1024;
/** Init time of this environment, reported on its first REPORT line only (as a cold start). */
let initDurationMs;
let reportedInit = false;
/** Highest heap seen: the thread's share of memory, since the process's RSS is shared by all. */
let maxMemoryBytes = 0;
/** Lambda's platform lines go through stdout too, so they stay in order with the handler's. */
const platform = (line) => process.stdout.write(`${line}\n`);
const trackMemory = () => {
  const heap = getHeapStatistics();
  maxMemoryBytes = Math.max(maxMemoryBytes, heap.total_heap_size + heap.external_memory);
};

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
  initDurationMs = performance.now() - started;
  port.postMessage({ type: 'init', durationMs: initDurationMs });
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
    platform(`START RequestId: ${awsRequestId} Version: $LATEST`);
    let started = performance.now();
    /** Ends the invocation as Lambda logs it: END, then REPORT (Init Duration after a cold start). */
    const finish = (/** @type {object} */ outcome) => {
      const durationMs = performance.now() - started;
      trackMemory();
      platform(`END RequestId: ${awsRequestId}`);
      platform(
        `REPORT RequestId: ${awsRequestId}\tDuration: ${durationMs.toFixed(2)} ms\tBilled Duration: ${Math.max(1, Math.ceil(durationMs))} ms\tMemory Size: ${memorySize} MB\tMax Memory Used: ${Math.ceil(maxMemoryBytes / MB)} MB` +
          (initDurationMs !== undefined && !reportedInit
            ? `\tInit Duration: ${initDurationMs.toFixed(2)} ms`
            : ''),
      );
      reportedInit = true;
      port.postMessage({ type: 'result', id: message.id, durationMs, ...outcome });
    };
    try {
      const handler = await init;
      // Duration excludes init, which REPORT shows apart, as Lambda does.
      started = performance.now();
      deadline = Date.now() + message.timeoutMs;
      const result = await handler(message.event, context);
      finish({ result });
    } catch (error) {
      const e = /** @type {Error} */ (error instanceof Error ? error : new Error(String(error)));
      const failure = {
        errorType: e.name || 'Error',
        errorMessage: e.message,
        stackTrace: String(e.stack ?? '').split('\n'),
      };
      // What the Node runtime logs for an unhandled error, in the JSON log format.
      platform(
        JSON.stringify({
          timestamp: new Date().toISOString(),
          level: 'ERROR',
          requestId: awsRequestId,
          message: 'Invoke Error',
          ...failure,
        }),
      );
      finish({ error: failure });
    }
  },
);
