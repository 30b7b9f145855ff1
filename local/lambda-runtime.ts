import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';

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
}

/** How an invocation ended, shaped like Lambda's Invoke response. */
export interface InvokeOutcome {
  readonly result?: unknown;
  readonly error?: { errorType: string; errorMessage: string };
  readonly durationMs: number;
  readonly coldStart: boolean;
}

/** Per-function counters for the cost model. */
export interface FunctionMetrics {
  invocations: number;
  errors: number;
  totalDurationMs: number;
  coldStarts: number;
}

interface Environment {
  readonly id: string;
  readonly worker: Worker;
  busy: boolean;
  pending?: {
    readonly id: number;
    readonly resolve: (outcome: Omit<InvokeOutcome, 'coldStart'>) => void;
    /** The init limit while the environment loads, then the function timeout. */
    timer: NodeJS.Timeout;
    /** Starts the function timeout once the environment has loaded the handler. */
    onInit?: () => void;
  };
  initialized: boolean;
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
  };
  private readonly environments = new Set<Environment>();
  private nextId = 1;
  private running = 0;
  private stopped = false;

  constructor(
    readonly spec: FunctionSpec,
    private readonly context: {
      region: string;
      accountId: string;
      /** Environment added to the function's own (endpoints, credentials, Lambda variables). */
      environment: Record<string, string>;
      /** Where the function's stdout and stderr lines go; without it they are discarded at the source. */
      log?: (line: string) => void;
    },
  ) {}

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
    this.running += 1;
    try {
      let coldStart = false;
      let environment = [...this.environments].find((e) => !e.busy);
      if (!environment) {
        environment = this.start();
        coldStart = true;
      }
      environment.busy = true;
      const outcome = await this.run(environment, event, requestId);
      environment.busy = false;
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
        entry: spec.entry,
        handlerName: spec.handlerName,
        functionName: spec.name,
        memorySize: spec.memorySize,
        region: context.region,
        accountId: context.accountId,
        logGroupName: `/aws/lambda/${spec.name}`,
        environmentId: id,
        // Shipping every log line to this thread only to drop it costs a good share of the CPU.
        discardOutput: !context.log,
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
    const environment: Environment = { id, worker, busy: false, initialized: false };
    this.environments.add(environment);
    const log = this.context.log;
    if (log) {
      for (const stream of [worker.stdout, worker.stderr]) {
        createInterface({ input: stream }).on('line', log);
      }
    }
    worker.on(
      'message',
      (message: {
        type: string;
        id?: number;
        durationMs: number;
        result?: unknown;
        error?: InvokeOutcome['error'];
      }) => {
        if (message.type === 'init') {
          environment.initialized = true;
          environment.pending?.onInit?.();
          return;
        }
        const pending = environment.pending;
        if (!pending || pending.id !== message.id) return;
        clearTimeout(pending.timer);
        environment.pending = undefined;
        pending.resolve({
          ...(message.error ? { error: message.error } : { result: message.result }),
          durationMs: message.durationMs,
        });
      },
    );
    const died = (reason: string) => {
      this.environments.delete(environment);
      const pending = environment.pending;
      if (!pending) return;
      clearTimeout(pending.timer);
      environment.pending = undefined;
      pending.resolve({
        error: {
          errorType: 'Runtime.ExitError',
          errorMessage: `RequestId: ${pending.id} Error: Runtime exited: ${reason}`,
        },
        durationMs: 0,
      });
    };
    worker.on('error', (error) => died(error.message));
    worker.on('exit', (code) => died(`exit status ${code}`));
    return environment;
  }

  private run(
    environment: Environment,
    event: unknown,
    requestId: string | undefined,
  ): Promise<Omit<InvokeOutcome, 'coldStart'>> {
    const timeoutMs = this.spec.timeoutSeconds * 1000;
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timedOut = (message: string, durationMs: number) => {
        environment.pending = undefined;
        this.context.log?.(
          JSON.stringify({
            level: 'ERROR',
            source: 'local-cloud',
            function: this.spec.name,
            message,
          }),
        );
        // Lambda throws the environment away after a timeout; so do we.
        void this.discard(environment);
        resolve({ error: { errorType: 'Sandbox.Timedout', errorMessage: message }, durationMs });
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
        environment.pending = { id, resolve, timer: functionTimeout() };
      } else {
        const pending: NonNullable<Environment['pending']> = {
          id,
          resolve,
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
