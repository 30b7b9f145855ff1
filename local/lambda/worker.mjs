// @ts-check
// One Lambda execution environment: a worker thread of a runtime host (runtime-host-process.mjs) that
// loads a bundled handler once (the cold start) and then runs one invocation at a time with a
// Lambda-like context, following the rules of the function's runtime (nodejs24.x: no callback
// handlers). Plain JavaScript, so that it runs as is on the runtime's Node.
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { endLines, initStartLine, runtimeVersionOf, startLine } from './platform-log.mjs';
import { enableLazySourceMaps } from './source-maps.mjs';

const {
  entry,
  handlerName,
  functionName,
  memorySize,
  region,
  accountId,
  logGroupName,
  logStreamName,
} = workerData;
/** The Node major the function's runtime names (`nodejs24.x` -> 24). */
const runtimeMajor = Number(/^nodejs(\d+)\.x$/.exec(workerData.runtime ?? '')?.[1] ?? 0);
/** @type {import('./platform-log.mjs').LogFormat} */
const logFormat = workerData.logFormat === 'JSON' ? 'JSON' : 'Text';

if (!parentPort) throw new Error('worker.mjs must run in a worker thread');
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
// The function's NODE_OPTIONS asks for source-mapped stack traces: the same traces, with each map
// read on the first one instead of at load (see source-maps.mjs).
if (workerData.sourceMaps) enableLazySourceMaps();
// The worker started without that flag in its NODE_OPTIONS; the handler sees the template's value.
if (workerData.nodeOptions !== undefined) process.env.NODE_OPTIONS = workerData.nodeOptions;
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
/**
 * Init time of this environment, reported on the REPORT line of the invocation it was started
 * for (a cold start); an environment initialized ahead of its first invocation reports none.
 */
let initDurationMs;
/**
 * Peak memory of this environment, in bytes: what Lambda's Max Memory Used means (the sandbox's
 * peak RSS), as near as a worker thread can tell. The process's RSS is shared by every thread, so
 * this counts what the thread's isolate holds: heap pages actually in memory, V8's own malloc'd
 * memory, and memory outside the heap owned by its objects (Buffers, ArrayBuffers). Not counted:
 * the Node binary and the runtime's shared libraries, which a real sandbox pays for too, so
 * figures here read lower than Lambda's by about that much.
 */
let maxMemoryBytes = 0;
/** Lambda's platform lines go through stdout too, so they stay in order with the handler's. */
const platform = (line) => process.stdout.write(`${line}\n`);
/**
 * Samples the environment's memory and keeps the peak (at init and at each invocation's end);
 * returns the heap's used size, for the idle collection.
 */
const trackMemory = () => {
  const heap = getHeapStatistics();
  maxMemoryBytes = Math.max(
    maxMemoryBytes,
    heap.total_physical_size + heap.malloced_memory + heap.external_memory,
  );
  return heap.used_heap_size;
};

/**
 * Heap growth, in bytes, past what survived the last full collection, at which an idle
 * environment collects. V8 lets a small heap grow 8 MB past its live size before it does (a
 * fixed minimum step), so each environment committed far more than it held live; collecting
 * sooner, between invocations, keeps that slack down in every environment for a little more CPU.
 */
const IDLE_COLLECTION_GROWTH = 3 * MB;
/**
 * V8's full collection, as the engine exposes it: Lambda's Node.js runtime runs with
 * `--expose-gc` too, so handlers see a `gc` there as well. Taken before the handler loads, so
 * a handler that replaces it does not change what this does.
 */
const collect = typeof globalThis.gc === 'function' ? globalThis.gc : undefined;
/**
 * What the idle collection passes to `gc`. On Node 24 (V8 13.6), the heap pages a regular full
 * collection frees stay committed in a pool until a memory-reducing collection releases them
 * (Node 20's V8 returned them at once), so each environment held several MB of free pages over
 * its live heap. There the idle collection is V8's memory-reducing one (`last-resort`: all
 * available garbage, the pool released, the bytecode of functions not run lately flushed, such
 * as the handler module's initialization); it does not run the near-heap-limit callback, so it
 * never ends the environment as out of memory. Node 20's `gc` reads any options object as a
 * minor collection, so it gets none: a regular full one.
 */
const COLLECTION_OPTIONS =
  Number(process.versions.node.split('.')[0]) >= 24
    ? [{ type: 'major', execution: 'sync', flavor: 'last-resort' }]
    : [];
/** The heap's size after the last collection this environment ran. */
let collectedHeapBytes = 0;
/**
 * Collects once the heap (`usedBytes` used, as `trackMemory` last saw it) has grown enough since
 * the last time; the environment is idle then.
 */
const collectIfGrown = (/** @type {number} */ usedBytes) => {
  if (!collect || usedBytes < collectedHeapBytes + IDLE_COLLECTION_GROWTH) return;
  collect(...COLLECTION_OPTIONS);
  collectedHeapBytes = getHeapStatistics().used_heap_size;
};

/**
 * What Lambda's nodejs24.x runtime throws at init for a handler declaring three or more
 * parameters: callback-style handlers were removed in Node.js 24.
 */
const CALLBACK_HANDLER_REMOVED =
  'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.';

/** @type {Promise<(event: unknown, context: object) => unknown>} */
const init = (async () => {
  // A cold start names the runtime version of the Node that really runs it, as Lambda's does.
  platform(
    initStartLine(logFormat, { ...runtimeVersionOf(process.version, region), functionName }),
  );
  const started = performance.now();
  const module = await import(pathToFileURL(entry).href);
  const handler = module[handlerName];
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${entry} does not export a function named ${handlerName}`), {
      name: 'Runtime.HandlerNotFound',
    });
  }
  if (runtimeMajor >= 24 && handler.length >= 3) {
    throw Object.assign(new Error(CALLBACK_HANDLER_REMOVED), {
      name: 'Runtime.CallbackHandlerDeprecated',
    });
  }
  initDurationMs = performance.now() - started;
  collectedHeapBytes = trackMemory();
  port.postMessage({
    type: 'init',
    durationMs: initDurationMs,
    maxMemoryUsedMB: Math.ceil(maxMemoryBytes / MB),
  });
  return handler.length >= 3 ? withCallback(handler) : handler;
})();

/**
 * A callback-style handler (`(event, context, callback)`, runtimes before nodejs24.x) as one that
 * returns a promise: settled by the callback, or by the promise the handler returns.
 * @param {Function} handler
 */
function withCallback(handler) {
  return (/** @type {unknown} */ event, /** @type {object} */ context) =>
    new Promise((resolve, reject) => {
      const callback = (/** @type {unknown} */ error, /** @type {unknown} */ result) =>
        error ? reject(error) : resolve(result);
      const returned = handler(event, context, callback);
      if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
    });
}
// Reported on the first invocation, as Lambda reports an init error; not an unhandled rejection.
init.catch(() => {});

port.on(
  'message',
  async (
    /**
     * @type {{ id: number, event: unknown, timeoutMs: number, requestId?: string,
     *   coldStart?: boolean }}
     */ message,
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
      logStreamName,
      // nodejs24.x has no callbacks, so no callbackWaitsForEmptyEventLoop either.
      ...(runtimeMajor >= 24 ? {} : { callbackWaitsForEmptyEventLoop: true }),
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    platform(startLine(logFormat, awsRequestId));
    let started = performance.now();
    /** Ends the invocation as Lambda logs it: END, then REPORT (Init Duration after a cold start). */
    const finish = (
      /** @type {{ result?: unknown, error?: { errorType: string, errorMessage: string } }} */ outcome,
    ) => {
      const durationMs = performance.now() - started;
      const usedBytes = trackMemory();
      for (const line of endLines(logFormat, {
        requestId: awsRequestId,
        durationMs,
        memorySizeMB: memorySize,
        maxMemoryUsedMB: Math.ceil(maxMemoryBytes / MB),
        initDurationMs: message.coldStart ? initDurationMs : undefined,
        ...(outcome.error
          ? { status: 'error', errorType: outcome.error.errorType }
          : { status: 'success' }),
      }))
        platform(line);
      port.postMessage({
        type: 'result',
        id: message.id,
        durationMs,
        maxMemoryUsedMB: Math.ceil(maxMemoryBytes / MB),
        ...outcome,
      });
      // After the answer, so the invocation's duration does not include it.
      collectIfGrown(usedBytes);
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
