import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import { endLines, isReportOf, type LogFormat } from './platform-log.mjs';

/** A function as the local cloud runs it, resolved from the template. */
export interface FunctionSpec {
  readonly logicalId: string;
  readonly name: string;
  /** Absolute path of the bundled module (the asset's `index.mjs`). */
  readonly entry: string;
  /** Export to call, from the template's `Handler` (`index.handler` -> `handler`). */
  readonly handlerName: string;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  readonly environment: Record<string, string>;
  /**
   * The template's `LoggingConfig.LogFormat`: with JSON the platform writes platform.start,
   * platform.runtimeDone and platform.report records instead of START, END and REPORT lines.
   * @default 'Text'
   */
  readonly logFormat?: LogFormat;
}

/** How an invocation ended, shaped like Lambda's Invoke response. */
export interface InvokeOutcome {
  readonly result?: unknown;
  readonly error?: { errorType: string; errorMessage: string };
  readonly durationMs: number;
  readonly coldStart: boolean;
  /** The request id the function saw (`context.awsRequestId`) and its START/END/REPORT lines name. */
  readonly requestId: string;
  /**
   * The invocation's log lines, START to REPORT, when the runner captures logs (it has a `log`
   * sink); what Invoke's `LogType: Tail` returns the end of.
   */
  readonly logs?: readonly string[];
}

/** Per-function counters for the cost model. */
export interface FunctionMetrics {
  invocations: number;
  errors: number;
  totalDurationMs: number;
  coldStarts: number;
  /**
   * Highest Max Memory Used (MB) any environment reported so far; see lambda-worker.mjs for what
   * a worker thread can measure of it.
   */
  maxMemoryUsedMB: number;
}

type RunOutcome = Omit<InvokeOutcome, 'coldStart'>;

interface Environment {
  readonly id: string;
  readonly worker: Worker;
  busy: boolean;
  /** Started from code that has since been replaced: discarded after its current invocation. */
  retired: boolean;
  pending?: {
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
  };
  initialized: boolean;
  /** The environment's peak memory as it last reported it, in MB. */
  maxMemoryUsedMB: number;
  /** Resolves once the handler has loaded (or the environment died trying). */
  readonly loaded: Promise<void>;
  markLoaded: () => void;
}

const WORKER = new URL('./lambda-worker.mjs', import.meta.url);
/**
 * The young generation of each environment's heap, in MB. With V8's default each busy environment
 * held about 37 MB of RSS, with this about 23 MB (16 environments run at once under load); the
 * price is more frequent, cheaper scavenges, which cost no measurable CPU. Young plus old
 * generation stay capped at the function's memory size, as on Lambda, whose Node.js runtime splits
 * the same total between them.
 */
const YOUNG_GENERATION_MB = 4;
/** Lambda gives the Init phase (loading the handler module) 10 s, apart from the function timeout. */
const INIT_TIMEOUT_MS = 10_000;

/**
 * Runs one function the way Lambda does: each execution environment is a worker thread with the
 * function's own environment variables and module state, handles one invocation at a time, and is
 * reused while warm. A new environment is started (a cold start) when all are busy. Loading the
 * handler has its own 10 s limit; the function timeout starts once it is loaded, as on Lambda. An
 * invocation that outlives either ends with `Sandbox.Timedout` and its environment is discarded, as
 * is one whose thread dies.
 */
export class FunctionRunner {
  readonly metrics: FunctionMetrics = {
    invocations: 0,
    errors: 0,
    totalDurationMs: 0,
    coldStarts: 0,
    maxMemoryUsedMB: 0,
  };
  private readonly environments = new Set<Environment>();
  private nextId = 1;
  private running = 0;
  private stopped = false;
  /** The bundle new environments load; {@link FunctionRunner.updateCode} replaces it. */
  private entry: string;

  private current: FunctionSpec;

  constructor(
    spec: FunctionSpec,
    private readonly context: {
      region: string;
      accountId: string;
      /** Environment added to the function's own (endpoints, credentials, Lambda variables). */
      environment: Record<string, string>;
      /** Where the function's stdout and stderr lines go; without it they are discarded at the source. */
      log?: (line: string) => void;
      /**
       * Debug mode: the function's one execution environment opens the Node inspector on this
       * 127.0.0.1 port; invocations take turns in it, and no timeout ends one paused at a
       * breakpoint. @default no inspector, environments as Lambda scales them
       */
      inspectPort?: number;
    },
  ) {
    this.current = spec;
    this.entry = spec.entry;
  }

  /** The function's configuration now (UpdateFunctionConfiguration replaces it). */
  get spec(): FunctionSpec {
    return this.current;
  }

  /**
   * Replaces the function's configuration (memory, timeout, environment, handler, log format), as
   * UpdateFunctionConfiguration does: invocations that start from now on run in new environments
   * with it; those in progress finish in theirs, which are then discarded. The code stays, unless
   * `spec.entry` names another bundle than the configuration before did (the template's asset
   * changed): then that bundle is loaded too.
   */
  async updateConfiguration(spec: FunctionSpec): Promise<void> {
    const entry = spec.entry === this.current.entry ? this.entry : spec.entry;
    this.current = spec;
    await this.updateCode(entry);
  }

  /** The bundle environments started from now on load. */
  get codeEntry(): string {
    return this.entry;
  }

  /**
   * Swaps the function's code, as UpdateFunctionCode does: invocations that start from now on run
   * in new environments loading `entry`; idle environments are discarded now, busy ones once
   * their invocation (on the old code) has finished.
   */
  async updateCode(entry: string): Promise<void> {
    this.entry = entry;
    const idle: Environment[] = [];
    for (const environment of this.environments) {
      environment.retired = true;
      if (!environment.busy) idle.push(environment);
    }
    await Promise.all(idle.map((e) => this.discard(e)));
    // In debug mode the new code's inspector opens at once, unless the old one still holds the port.
    if (this.context.inspectPort !== undefined && this.environments.size === 0) await this.warm();
  }

  /**
   * Starts an execution environment now if none is ready, so its init (and in debug mode its
   * inspector) does not wait for the first invocation.
   */
  async warm(): Promise<void> {
    if (this.stopped) return;
    const ready = [...this.environments].find((e) => !e.busy && !e.retired) ?? this.start();
    await ready.loaded;
  }

  /** Invocations in progress. */
  get active(): number {
    return this.running;
  }

  /**
   * Runs one invocation and resolves with its outcome; never rejects. `requestId` is the
   * context's `awsRequestId` (Lambda keeps it across its retries of an async invocation).
   * @default a new UUID per invocation
   */
  async invoke(event: unknown, requestId?: string): Promise<InvokeOutcome> {
    if (this.stopped) throw new Error(`${this.spec.name} is stopped`);
    if (this.context.inspectPort === undefined) return this.invokeNow(event, requestId);
    // One environment, so one inspector port a debugger can attach to: invocations take turns.
    const turn = this.turns.then(() => this.invokeNow(event, requestId));
    this.turns = turn.catch(() => {});
    return turn;
  }

  private turns: Promise<unknown> = Promise.resolve();

  private async invokeNow(event: unknown, requestId?: string): Promise<InvokeOutcome> {
    this.running += 1;
    try {
      let coldStart = false;
      let environment = [...this.environments].find((e) => !e.busy && !e.retired);
      if (!environment) {
        environment = this.start();
        coldStart = true;
      }
      environment.busy = true;
      const outcome = await this.run(environment, event, requestId);
      environment.busy = false;
      if (environment.retired) {
        // Its successor opens the same inspector port, so it must be gone first.
        if (this.context.inspectPort !== undefined) await this.discard(environment);
        else void this.discard(environment);
      }
      this.metrics.invocations += 1;
      this.metrics.totalDurationMs += outcome.durationMs;
      if (coldStart) this.metrics.coldStarts += 1;
      if (outcome.error) this.metrics.errors += 1;
      return { ...outcome, coldStart };
    } finally {
      this.running -= 1;
    }
  }

  /**
   * Kills every environment now, as a crash or an out-of-memory kill would: invocations in
   * progress end with `Runtime.ExitError`. Returns how many environments died.
   */
  async crash(): Promise<number> {
    const victims = [...this.environments];
    await Promise.all(victims.map((e) => this.discard(e)));
    return victims.length;
  }

  /** Terminates every environment. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.environments].map((e) => this.discard(e)));
  }

  private start(): Environment {
    const id = randomUUID().replaceAll('-', '');
    const { spec, context } = this;
    const worker = new Worker(WORKER, {
      workerData: {
        entry: this.entry,
        handlerName: spec.handlerName,
        functionName: spec.name,
        memorySize: spec.memorySize,
        region: context.region,
        accountId: context.accountId,
        logGroupName: `/aws/lambda/${spec.name}`,
        environmentId: id,
        // Shipping every log line to this thread only to drop it costs a good share of the CPU.
        discardOutput: !context.log,
        inspectPort: context.inspectPort,
        logFormat: spec.logFormat ?? 'Text',
      },
      env: {
        ...context.environment,
        ...spec.environment,
        AWS_LAMBDA_FUNCTION_NAME: spec.name,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memorySize),
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${spec.name}`,
        AWS_LAMBDA_LOG_STREAM_NAME: `local/[$LATEST]${id}`,
        AWS_REGION: context.region,
        AWS_DEFAULT_REGION: context.region,
      },
      // Lambda's memory setting caps the heap; a runaway handler fails here as it would there.
      resourceLimits: {
        maxYoungGenerationSizeMb: YOUNG_GENERATION_MB,
        maxOldGenerationSizeMb: spec.memorySize - YOUNG_GENERATION_MB,
      },
      execArgv: spec.environment.NODE_OPTIONS?.includes('--enable-source-maps')
        ? ['--enable-source-maps']
        : [],
      stdout: true,
      stderr: true,
    });
    const environment: Environment = {
      id,
      worker,
      busy: false,
      retired: false,
      initialized: false,
      maxMemoryUsedMB: 0,
      ...loadedSignal(),
    };
    this.environments.add(environment);
    const log = this.context.log;
    if (log) {
      for (const stream of [worker.stdout, worker.stderr]) {
        createInterface({ input: stream }).on('line', (line) => {
          log(line);
          const pending = environment.pending;
          if (!pending) return;
          pending.lines.push(line);
          if (isReportOf(line, pending.requestId)) {
            pending.reported = true;
            this.settle(environment);
          }
        });
      }
    }
    worker.on(
      'message',
      (message: {
        type: string;
        id?: number;
        durationMs: number;
        maxMemoryUsedMB?: number;
        result?: unknown;
        error?: InvokeOutcome['error'];
      }) => {
        if (message.maxMemoryUsedMB !== undefined) {
          environment.maxMemoryUsedMB = message.maxMemoryUsedMB;
          this.metrics.maxMemoryUsedMB = Math.max(
            this.metrics.maxMemoryUsedMB,
            message.maxMemoryUsedMB,
          );
        }
        if (message.type === 'init') {
          environment.initialized = true;
          environment.markLoaded();
          environment.pending?.onInit?.();
          return;
        }
        const pending = environment.pending;
        if (!pending || pending.id !== message.id) return;
        clearTimeout(pending.timer);
        pending.answer = {
          ...(message.error ? { error: message.error } : { result: message.result }),
          durationMs: message.durationMs,
          requestId: pending.requestId,
        };
        this.settle(environment);
      },
    );
    const died = (reason: string) => {
      this.environments.delete(environment);
      environment.markLoaded();
      const pending = environment.pending;
      if (!pending) return;
      clearTimeout(pending.timer);
      environment.pending = undefined;
      const errorMessage = `RequestId: ${pending.requestId} Error: Runtime exited: ${reason}`;
      pending.resolve({
        error: { errorType: 'Runtime.ExitError', errorMessage },
        durationMs: 0,
        requestId: pending.requestId,
        logs: this.endLines(environment, pending, 0, errorMessage, 'Runtime.ExitError'),
      });
    };
    worker.on('error', (error) => died(error.message));
    worker.on('exit', (code) => died(`exit status ${code}`));
    return environment;
  }

  /** Resolves the invocation once the worker has answered and (when captured) its REPORT arrived. */
  private settle(environment: Environment): void {
    const pending = environment.pending;
    if (!pending?.answer || (this.context.log && !pending.reported)) return;
    environment.pending = undefined;
    pending.resolve(this.context.log ? { ...pending.answer, logs: pending.lines } : pending.answer);
  }

  /**
   * The END and REPORT lines the platform writes for an invocation its environment did not finish
   * (a timeout, a crash), logged and added to its lines.
   */
  private endLines(
    environment: Environment,
    pending: NonNullable<Environment['pending']>,
    durationMs: number,
    message: string,
    errorType: 'Sandbox.Timedout' | 'Runtime.ExitError',
  ): string[] | undefined {
    const log = this.context.log;
    if (!log) return undefined;
    const { requestId } = pending;
    const lines = [
      `${new Date().toISOString()} ${requestId} ${message}`,
      ...endLines(this.spec.logFormat ?? 'Text', {
        requestId,
        durationMs,
        memorySizeMB: this.spec.memorySize,
        // The environment's last reported peak: it cannot report again.
        maxMemoryUsedMB: environment.maxMemoryUsedMB,
        status: errorType === 'Sandbox.Timedout' ? 'timeout' : 'error',
        errorType,
      }),
    ];
    for (const line of lines) log(line);
    return [...pending.lines, ...lines];
  }

  private run(
    environment: Environment,
    event: unknown,
    givenRequestId: string | undefined,
  ): Promise<RunOutcome> {
    // A debugger may hold an invocation at a breakpoint for as long as it likes.
    const timeoutMs =
      this.context.inspectPort === undefined ? this.spec.timeoutSeconds * 1000 : 2 ** 31 - 1;
    const id = this.nextId++;
    const requestId = givenRequestId ?? randomUUID();
    return new Promise((resolve) => {
      const timedOut = (message: string, durationMs: number) => {
        const pending = environment.pending;
        environment.pending = undefined;
        // Lambda throws the environment away after a timeout; so do we.
        void this.discard(environment);
        resolve({
          error: { errorType: 'Sandbox.Timedout', errorMessage: message },
          durationMs,
          requestId,
          logs: pending
            ? this.endLines(environment, pending, durationMs, message, 'Sandbox.Timedout')
            : undefined,
        });
      };
      const functionTimeout = () =>
        setTimeout(
          () =>
            timedOut(
              `Task timed out after ${this.spec.timeoutSeconds.toFixed(2)} seconds`,
              timeoutMs,
            ),
          timeoutMs,
        );
      if (environment.initialized) {
        environment.pending = {
          id,
          requestId,
          resolve,
          lines: [],
          reported: false,
          timer: functionTimeout(),
        };
      } else {
        const pending: NonNullable<Environment['pending']> = {
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
        environment.pending = pending;
      }
      environment.worker.postMessage({ id, event, timeoutMs, requestId });
    });
  }

  private async discard(environment: Environment): Promise<void> {
    this.environments.delete(environment);
    await environment.worker.terminate();
  }
}

/** A promise and the function that resolves it, for {@link Environment}'s `loaded`. */
function loadedSignal(): { loaded: Promise<void>; markLoaded: () => void } {
  let markLoaded: () => void = () => {};
  const loaded = new Promise<void>((resolve) => {
    markLoaded = resolve;
  });
  return { loaded, markLoaded };
}
