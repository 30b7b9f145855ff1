// @ts-check
// The runtime host: a Node process on the Node a function's runtime names (Node 24 for
// nodejs24.x), holding that runtime's execution environments, one worker thread each
// (worker.mjs). The engine (runtime-host.ts) starts it and drives it over the IPC channel: it
// starts, messages and terminates threads; the host passes back each thread's messages, output
// lines, errors and exit. Plain JavaScript, run by a Node that has no TypeScript loader.
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';

const WORKER = new URL('./worker.mjs', import.meta.url);

if (!process.send) throw new Error('runtime-host-process.mjs must be started with an IPC channel');
/** @type {(message: object) => void} */
const send = (message) => {
  // The engine went away: nothing to report to, and the disconnect handler ends this process.
  if (process.connected) process.send?.(message);
};

/** The threads by the engine's id for them. */
const threads = new Map();

/**
 * Output lines of each thread waiting to go to the engine: sent once per turn of the event
 * loop, not one IPC message per line.
 * @type {Map<number, string[]>}
 */
const pendingLines = new Map();
let flushScheduled = false;
function flushLines() {
  flushScheduled = false;
  for (const [id, lines] of pendingLines) send({ op: 'lines', id, lines });
  pendingLines.clear();
}

/** @param {number} id @param {string} line */
function queueLine(id, line) {
  const lines = pendingLines.get(id);
  if (lines) lines.push(line);
  else pendingLines.set(id, [line]);
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushLines);
  }
}

/**
 * Starts a thread as the engine describes it: what it loads and its environment (`workerData`,
 * `env`), its heap limits, and whether its output is read.
 * @param {number} id
 * @param {{ workerData: unknown, env: Record<string, string>, resourceLimits: object, captureOutput: boolean }} options
 */
function start(id, options) {
  const worker = new Worker(WORKER, {
    workerData: options.workerData,
    env: options.env,
    resourceLimits: options.resourceLimits,
    execArgv: [],
    stdout: options.captureOutput,
    stderr: options.captureOutput,
  });
  threads.set(id, worker);
  if (options.captureOutput) {
    for (const stream of [worker.stdout, worker.stderr]) {
      createInterface({ input: stream }).on('line', (line) => queueLine(id, line));
    }
  }
  worker.on('message', (message) => send({ op: 'message', id, message }));
  worker.on('error', (/** @type {Error & { code?: string }} */ error) =>
    send({ op: 'error', id, error: { message: error.message, code: error.code } }),
  );
  worker.on('exit', (code) => {
    threads.delete(id);
    // Lines still queued belong before the exit.
    flushLines();
    send({ op: 'exit', id, code });
  });
}

process.on(
  'message',
  (/** @type {{ op: string, id: number, options?: any, message?: unknown }} */ command) => {
    // start, post and terminate a thread; usage: this process's peak resident memory.
    if (command.op === 'start') start(command.id, command.options);
    else if (command.op === 'post') threads.get(command.id)?.postMessage(command.message);
    else if (command.op === 'usage')
      send({ op: 'usage', id: command.id, maxRssKb: process.resourceUsage().maxRSS });
    else if (command.op === 'terminate') {
      const worker = threads.get(command.id);
      if (worker) void worker.terminate();
      else send({ op: 'exit', id: command.id, code: 1 });
    }
  },
);
// The engine stopped or died: the environments go with it.
process.on('disconnect', () => process.exit(0));
send({ op: 'ready', version: process.version, arch: process.arch, platform: process.platform });
