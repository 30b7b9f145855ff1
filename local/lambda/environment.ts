/**
 * One Lambda execution environment: a worker thread in the runtime host of its function's Node
 * (runtime-host.ts), with the function's environment variables and module state, running one
 * invocation at a time under the init and function timeouts, and writing the platform's END and
 * REPORT lines for an invocation it could not finish. `FunctionRunner` (runtime.ts) keeps the
 * pool of them.
 */
import { randomUUID } from 'node:crypto';
import { basename, dirname, extname } from 'node:path';
import { type FunctionSpec, type InvokeOutcome, logGroupOfSpec } from './function-spec';
import type { NodeBinary } from './node-binary';
import { endLines, isReportOf } from './platform-log.mjs';
import {
  type HostedThread,
  runtimeHosts,
  type ThreadError,
  type ThreadOptions,
} from './runtime-host';

/** An invocation's outcome as its environment knows it (the runner adds `coldStart`). */
export type RunOutcome = Omit<InvokeOutcome, 'coldStart'>;

/** The invocation an environment is running. */
interface Pending {
  readonly id: number;
  readonly requestId: string;
  readonly resolve: (outcome: RunOutcome) => void;
  /** Log lines of this invocation so far (only when logs are captured). */
  readonly lines: string[];
  /** The worker's answer, held until its REPORT line has arrived too. */
  answer?: RunOutcome;
  reported: boolean;
  /** The init limit while the environment loads, then the function timeout. */
  timer: NodeJS.Timeout;
  /** Starts the function timeout once the environment has loaded the handler. */
  onInit?: () => void;
}

/** What an environment needs from its function's runner. */
export interface EnvironmentContext {
  /** The function's configuration now (it may change while the environment lives). */
  readonly spec: () => FunctionSpec;
  /** The bundle to load. */
  readonly entry: string;
  readonly region: string;
  readonly accountId: string;
  /** Environment added to the function's own (endpoints, credentials, Lambda variables). */
  readonly environment: Record<string, string>;
  /** Where the function's stdout and stderr lines go; without it they are discarded at the source. */
  readonly log?: (line: string) => void;
  /** Debug mode: the Node inspector's 127.0.0.1 port, and no function timeout. */
  readonly inspectPort?: number;
  /** The Node whose runtime host runs the environment. */
  readonly node: NodeBinary;
  /** Told each peak memory the environment reports, in MB. */
  readonly onMemoryUsed: (mb: number) => void;
  /** Told once the environment is gone (discarded, or its thread died). */
  readonly onGone: (environment: ExecutionEnvironment) => void;
}

/**
 * The young generation of each environment's heap, in MB. With V8's default each busy environment
 * held far more memory, and many run at once under load; the price of a smaller one is more
 * frequent, cheaper scavenges, and below this size the memory saved no longer paid for the extra
 * CPU. Young plus old generation stay capped at the function's memory size, as on Lambda, whose
 * Node.js runtime splits the same total between them.
 */
const YOUNG_GENERATION_MB = 2;
/** Lambda gives the Init phase (loading the handler module) 10 s, apart from the function timeout. */
const INIT_TIMEOUT_MS = 10_000;

/** What the worker posts: `init` once its handler has loaded, then each invocation's answer. */
interface WorkerMessage {
  readonly type: string;
  readonly id?: number;
  readonly durationMs: number;
  readonly maxMemoryUsedMB?: number;
  readonly result?: unknown;
  readonly error?: InvokeOutcome['error'];
}

/**
 * The worker thread of one environment: what it loads and how it logs (`workerData`), the
 * function's environment variables with those Lambda sets, and a heap capped at its memory size.
 */
function threadOptions(context: EnvironmentContext, environmentId: string): ThreadOptions {
  const spec = context.spec();
  const nodeOptions = spec.environment.NODE_OPTIONS;
  // Node applies a worker's NODE_OPTIONS to the worker itself: without this flag in it, the
  // worker maps stack traces itself, reading the map only when one is formatted
  // (source-maps.mjs). The handler still sees NODE_OPTIONS as the template sets it.
  const sourceMaps = /(^|\s)--enable-source-maps(?=\s|$)/.test(nodeOptions ?? '');
  const logStreamName = `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${environmentId}`;
  return {
    workerData: {
      entry: context.entry,
      handlerName: spec.handlerName,
      functionName: spec.name,
      memorySize: spec.memorySize,
      region: context.region,
      accountId: context.accountId,
      logGroupName: logGroupOfSpec(spec),
      logStreamName,
      runtime: spec.runtime,
      // Shipping every log line to this thread only to drop it costs a good share of the CPU.
      discardOutput: !context.log,
      inspectPort: context.inspectPort,
      logFormat: spec.logFormat ?? 'Text',
      sourceMaps,
      nodeOptions,
    },
    env: {
      ...context.environment,
      ...spec.environment,
      ...lambdaVariables(context, spec, logStreamName),
      ...(sourceMaps && nodeOptions
        ? { NODE_OPTIONS: nodeOptions.replaceAll(/(^|\s)--enable-source-maps(?=\s|$)/g, '') }
        : {}),
    },
    // Lambda's memory setting caps the heap; a runaway handler fails here as it would there.
    resourceLimits: {
      maxYoungGenerationSizeMb: YOUNG_GENERATION_MB,
      maxOldGenerationSizeMb: spec.memorySize - YOUNG_GENERATION_MB,
    },
    captureOutput: context.log !== undefined,
  };
}

/**
 * The variables Lambda's runtime sets for a function, over its own (they are reserved). Not set:
 * `AWS_LAMBDA_RUNTIME_API` (there is no Runtime API locally) and `NODE_OPTIONS`, which Lambda
 * leaves as the function's configuration has it (its own Node flags go on the command line).
 */
function lambdaVariables(
  context: EnvironmentContext,
  spec: FunctionSpec,
  logStreamName: string,
): Record<string, string> {
  return {
    AWS_EXECUTION_ENV: `AWS_Lambda_${spec.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: spec.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memorySize),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: logGroupOfSpec(spec),
    AWS_LAMBDA_LOG_STREAM_NAME: logStreamName,
    ...(spec.logFormat === 'JSON' ? { AWS_LAMBDA_LOG_FORMAT: 'JSON' } : {}),
    AWS_REGION: context.region,
    AWS_DEFAULT_REGION: context.region,
    _HANDLER: `${basename(context.entry, extname(context.entry))}.${spec.handlerName}`,
    LAMBDA_TASK_ROOT: dirname(context.entry),
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
  };
}

/**
 * A worker thread that loads the handler at once and then runs the invocations it is given, one
 * at a time. An invocation that outlives the init limit or the function timeout ends with
 * `Sandbox.Timedout` and the environment is discarded, as is one whose thread dies
 * (`Runtime.ExitError`) or whose heap outgrows the function's memory size (`Runtime.OutOfMemory`).
 */
export class ExecutionEnvironment {
  readonly id = randomUUID().replaceAll('-', '');
  readonly worker: HostedThread;
  busy = false;
  /** Started from code that has since been replaced: discarded after its current invocation. */
  retired = false;
  initialized = false;
  /** The environment's peak memory as it last reported it, in MB. */
  maxMemoryUsedMB = 0;
  /** Resolves once the handler has loaded (or the environment died trying). */
  readonly loaded: Promise<void>;
  private markLoaded: () => void = () => {};
  private pending?: Pending;
  private nextId = 1;

  constructor(private readonly context: EnvironmentContext) {
    this.loaded = new Promise<void>((resolve) => {
      this.markLoaded = resolve;
    });
    this.worker = runtimeHosts
      .host(context.node.execPath)
      .startThread(threadOptions(context, this.id));
    if (context.log) this.followOutput(context.log);
    this.worker.on('message', (message: WorkerMessage) => this.received(message));
    this.worker.on('error', (error: ThreadError) =>
      // The heap reached the function's memory size (the worker's resourceLimits).
      this.died(error.message, error.code === 'ERR_WORKER_OUT_OF_MEMORY'),
    );
    // The thread exited, or its runtime host died with it.
    this.worker.on('exit', (reason: string) => this.died(reason));
    this.limitInit();
  }

  /**
   * Lambda's init limit for an environment started ahead of any invocation: one still loading
   * its handler after 10 s with nothing waiting on it is discarded (an invocation that waits has
   * its own limit). A debugger may hold the init at a breakpoint, so debug mode has none.
   */
  private limitInit(): void {
    if (this.context.inspectPort !== undefined) return;
    const timer = setTimeout(() => {
      if (!this.initialized && !this.pending) void this.discard();
    }, INIT_TIMEOUT_MS);
    timer.unref();
    void this.loaded.then(() => clearTimeout(timer));
  }

  /** Whether an invocation given it now waits for its init: it is that invocation's cold start. */
  get waitsForInit(): boolean {
    // No invocation has been given it yet: each takes the next id.
    return this.nextId === 1 && !this.initialized;
  }

  /**
   * Runs one invocation; resolves with its outcome, never rejects. `coldStart`: the invocation
   * waits for the environment's init (started for it, or started ahead and still loading), so its
   * REPORT gives the Init Duration.
   */
  run(event: unknown, givenRequestId: string | undefined, coldStart = false): Promise<RunOutcome> {
    const spec = this.context.spec();
    // A debugger may hold an invocation at a breakpoint for as long as it likes.
    const timeoutMs =
      this.context.inspectPort === undefined ? spec.timeoutSeconds * 1000 : 2 ** 31 - 1;
    const id = this.nextId++;
    const requestId = givenRequestId ?? randomUUID();
    return new Promise((resolve) => {
      const timedOut = (message: string, durationMs: number) => {
        const pending = this.pending;
        this.pending = undefined;
        // Lambda throws the environment away after a timeout; so do we.
        void this.discard();
        resolve({
          error: { errorType: 'Sandbox.Timedout', errorMessage: message },
          durationMs,
          requestId,
          logs: pending
            ? this.endLines(pending, durationMs, message, 'Sandbox.Timedout')
            : undefined,
        });
      };
      const functionTimeout = () =>
        setTimeout(
          () =>
            timedOut(
              `Task timed out after ${this.context.spec().timeoutSeconds.toFixed(2)} seconds`,
              timeoutMs,
            ),
          timeoutMs,
        );
      if (this.initialized) {
        this.pending = {
          id,
          requestId,
          resolve,
          lines: [],
          reported: false,
          timer: functionTimeout(),
        };
      } else {
        const pending: Pending = {
          id,
          requestId,
          resolve,
          lines: [],
          reported: false,
          timer: setTimeout(
            () =>
              timedOut(
                `Init timed out after ${(INIT_TIMEOUT_MS / 1000).toFixed(2)} seconds`,
                INIT_TIMEOUT_MS,
              ),
            INIT_TIMEOUT_MS,
          ),
          onInit: () => {
            clearTimeout(pending.timer);
            pending.timer = functionTimeout();
            pending.onInit = undefined;
          },
        };
        this.pending = pending;
      }
      this.worker.postMessage({ id, event, timeoutMs, requestId, coldStart });
    });
  }

  /** Takes the environment out of service and terminates its thread. */
  async discard(): Promise<void> {
    this.context.onGone(this);
    await this.worker.terminate();
  }

  /** Passes the worker's stdout and stderr lines to `log`; a REPORT line completes its invocation. */
  private followOutput(log: (line: string) => void): void {
    this.worker.on('line', (line: string) => {
      log(line);
      const pending = this.pending;
      if (!pending) return;
      pending.lines.push(line);
      if (isReportOf(line, pending.requestId)) {
        pending.reported = true;
        this.settle();
      }
    });
  }

  /** Takes a message from the worker: its handler loaded, or an invocation's answer. */
  private received(message: WorkerMessage): void {
    if (message.maxMemoryUsedMB !== undefined) {
      this.maxMemoryUsedMB = message.maxMemoryUsedMB;
      this.context.onMemoryUsed(message.maxMemoryUsedMB);
    }
    if (message.type === 'init') {
      this.initialized = true;
      this.markLoaded();
      this.pending?.onInit?.();
      return;
    }
    const pending = this.pending;
    if (!pending || pending.id !== message.id) return;
    clearTimeout(pending.timer);
    pending.answer = {
      ...(message.error ? { error: message.error } : { result: message.result }),
      durationMs: message.durationMs,
      requestId: pending.requestId,
    };
    this.settle();
  }

  /** The thread is gone: the environment leaves service and fails the invocation it was running. */
  private died(reason: string, outOfMemory = false): void {
    this.context.onGone(this);
    this.markLoaded();
    const pending = this.pending;
    if (!pending) return;
    clearTimeout(pending.timer);
    this.pending = undefined;
    // Lambda kills a sandbox that outgrows its memory size and says so apart from other exits.
    const errorType = outOfMemory ? 'Runtime.OutOfMemory' : 'Runtime.ExitError';
    const errorMessage = outOfMemory
      ? `RequestId: ${pending.requestId} Error: Runtime exited with error: signal: killed`
      : `RequestId: ${pending.requestId} Error: Runtime exited with error: ${reason}`;
    pending.resolve({
      error: { errorType, errorMessage },
      durationMs: 0,
      requestId: pending.requestId,
      logs: this.endLines(pending, 0, errorMessage, errorType),
    });
  }

  /** Resolves the invocation once the worker has answered and (when captured) its REPORT arrived. */
  private settle(): void {
    const pending = this.pending;
    const log = this.context.log;
    if (!pending?.answer || (log && !pending.reported)) return;
    this.pending = undefined;
    pending.resolve(log ? { ...pending.answer, logs: pending.lines } : pending.answer);
  }

  /**
   * The END and REPORT lines the platform writes for an invocation its environment did not finish
   * (a timeout, a crash, its memory exhausted), logged and added to its lines.
   */
  private endLines(
    pending: Pending,
    durationMs: number,
    message: string,
    errorType: 'Sandbox.Timedout' | 'Runtime.ExitError' | 'Runtime.OutOfMemory',
  ): string[] | undefined {
    const log = this.context.log;
    if (!log) return undefined;
    const spec = this.context.spec();
    const { requestId } = pending;
    const lines = [
      `${new Date().toISOString()} ${requestId} ${message}`,
      ...endLines(spec.logFormat ?? 'Text', {
        requestId,
        durationMs,
        memorySizeMB: spec.memorySize,
        // The environment's last reported peak: it cannot report again. One killed for its
        // memory used all of it, as Lambda's REPORT then says.
        maxMemoryUsedMB:
          errorType === 'Runtime.OutOfMemory' ? spec.memorySize : this.maxMemoryUsedMB,
        status: errorType === 'Sandbox.Timedout' ? 'timeout' : 'error',
        errorType,
      }),
    ];
    for (const line of lines) log(line);
    return [...pending.lines, ...lines];
  }
}
