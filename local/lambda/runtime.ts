/**
 * Runs one function as Lambda does, on the execution environments of ./environment.ts: cold
 * starts, reuse while warm, configuration and code updates, crashes, and the function's metrics.
 */
import { ExecutionEnvironment } from './environment';
import type { FunctionMetrics, FunctionSpec, InvokeOutcome } from './function-spec';
import { type NodeBinary, nodeForRuntime } from './node-binary';
import { runtimeHosts } from './runtime-host';

export type { FunctionMetrics, FunctionSpec, InvokeOutcome } from './function-spec';

/**
 * Starts the runtime hosts the functions of `runtimes` will run in, ahead of the functions: a
 * host's Node then starts while the cloud deploys instead of once a function is created. Returns
 * what gives them back (each lingers a moment after, as after its functions).
 */
export function startRuntimeHosts(runtimes: Iterable<string>): () => Promise<void> {
  const paths = new Set([...runtimes].map((runtime) => nodeForRuntime(runtime).execPath));
  const leases = [...paths].map((execPath) => runtimeHosts.use(execPath));
  return async () => {
    await Promise.all(leases.map((giveBack) => giveBack()));
  };
}

/**
 * Runs one function the way Lambda does: each execution environment is a worker thread, in the
 * runtime host of the Node its runtime names (runtime-host.ts), with the function's own
 * environment variables and module state; it handles one invocation at a time, and is
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
  private readonly environments = new Set<ExecutionEnvironment>();
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
      /**
       * Which Node to run the function on. @default the one its runtime names, else the tools'
       * Node (node-binary.ts)
       */
      node?: (runtime: string) => NodeBinary;
      /**
       * Initialize an environment as soon as there is code to run (now, and after each code
       * update), as Lambda may do for an on-demand function ahead of its invocations.
       * @default false
       */
      preInitialize?: boolean;
    },
  ) {
    this.current = spec;
    this.entry = spec.entry;
    this.nodeBinary = (context.node ?? nodeForRuntime)(spec.runtime);
    this.useHost();
    if (context.preInitialize) this.initializeAhead();
  }

  /** Starts an environment of the current code now, without waiting for it to load. */
  private initializeAhead(): void {
    // Only a thread that cannot start rejects, and the next invocation reports that again.
    this.warm().catch(() => {});
  }

  /**
   * Takes a lease on the runtime host of the function's Node and starts it now if it is not
   * running: its start then overlaps the cloud's own, instead of adding to the first cold start.
   */
  private useHost(): void {
    const { execPath } = this.nodeBinary;
    if (this.leases.has(execPath)) return;
    this.leases.set(execPath, runtimeHosts.use(execPath));
  }

  private nodeBinary: NodeBinary;
  /**
   * What returns each lease on a runtime host the function's environments use, by Node path
   * (two after its runtime changed, until it stops).
   */
  private readonly leases = new Map<string, () => Promise<void>>();

  /** The Node the function's environments run on, and the warning if it is not its runtime's. */
  get node(): NodeBinary {
    return this.nodeBinary;
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
    if (spec.runtime !== this.current.runtime) {
      this.nodeBinary = (this.context.node ?? nodeForRuntime)(spec.runtime);
      this.useHost();
    }
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
    const idle: ExecutionEnvironment[] = [];
    for (const environment of this.environments) {
      environment.retired = true;
      if (!environment.busy) idle.push(environment);
    }
    await Promise.all(idle.map((e) => e.discard()));
    // In debug mode the new code's inspector opens at once, unless the old one still holds the port.
    if (this.context.inspectPort !== undefined) {
      if (this.environments.size === 0) await this.warm();
    } else if (this.context.preInitialize) this.initializeAhead();
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
      // A ready environment first; one initialized ahead but still loading makes the invocation
      // wait for its init, which is then that invocation's cold start.
      const idle = [...this.environments].filter((e) => !e.busy && !e.retired);
      const environment = idle.find((e) => e.initialized) ?? idle[0] ?? this.start();
      const coldStart = environment.waitsForInit;
      environment.busy = true;
      const outcome = await environment.run(event, requestId, coldStart);
      environment.busy = false;
      if (environment.retired) {
        // Its successor opens the same inspector port, so it must be gone first.
        if (this.context.inspectPort !== undefined) await environment.discard();
        else void environment.discard();
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
   * Kills every environment running an invocation now, as a crash or an out-of-memory kill would:
   * those invocations end with `Runtime.ExitError`. Idle environments live on, as on Lambda, where
   * one environment's crash leaves the others alone. Returns how many environments died.
   */
  async crash(): Promise<number> {
    const victims = [...this.environments].filter((e) => e.busy);
    await Promise.all(victims.map((e) => e.discard()));
    return victims.length;
  }

  /** Terminates every environment, and lets the runtime host go. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.environments].map((e) => e.discard()));
    await Promise.all([...this.leases.values()].map((giveBack) => giveBack()));
    this.leases.clear();
  }

  /** Starts a new execution environment (a cold start) with the code and configuration now. */
  private start(): ExecutionEnvironment {
    const { context } = this;
    const environment = new ExecutionEnvironment({
      node: this.nodeBinary,
      spec: () => this.spec,
      entry: this.entry,
      region: context.region,
      accountId: context.accountId,
      environment: context.environment,
      log: context.log,
      inspectPort: context.inspectPort,
      onMemoryUsed: (mb) => {
        this.metrics.maxMemoryUsedMB = Math.max(this.metrics.maxMemoryUsedMB, mb);
      },
      onGone: (gone) => this.environments.delete(gone),
    });
    this.environments.add(environment);
    return environment;
  }
}
