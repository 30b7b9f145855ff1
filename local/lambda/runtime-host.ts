/**
 * The engine's side of the runtime hosts: one child process per Node binary (runtime-host-process.mjs),
 * holding the execution environments of every function whose runtime that Node runs, one worker
 * thread each. The engine, its emulators and the endpoint stay in the tools' Node; a host that
 * crashes takes only its environments with it, and the next environment starts a new host.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';

const HOST_SCRIPT = fileURLToPath(new URL('./runtime-host-process.mjs', import.meta.url));
/**
 * V8 flags for the host, and so for every environment in it (V8's flags are per process; each
 * environment's own `process.execArgv` stays empty). `--expose-gc` as Lambda's bootstrap passes
 * it. Sparkplug and Maglev, V8's baseline and mid-tier compilers, off: each of them compiled the
 * same SDK code again in every environment, and together they held about 2 MB of code per
 * environment. At `npm start -- --requests 10000`'s 16 environments the host peaked at 331-339 MB
 * against 362-374 (three runs each, alternated), for 2-10% more of the cloud's CPU; the bench's
 * 3,000 round trips took the same CPU. What a handler computes is the same: the optimizing
 * compiler (TurboFan) still compiles its hot code, and a local Duration never was Lambda's.
 */
const HOST_NODE_FLAGS = ['--expose-gc', '--no-sparkplug', '--no-maglev'] as const;
/**
 * How long a host outlives its last user. Clouds started one after another (tests, dev reloads
 * that start a new cloud) reuse it instead of paying a Node start each; an idle host keeps no
 * process alive, so lingering costs only its memory.
 */
const LINGER_MS = 10_000;
/** The end of a host's stderr kept, to say why it died. */
const STDERR_TAIL = 2_000;

/** What a thread is started with; all of it crosses the IPC channel as JSON. */
export interface ThreadOptions {
  readonly workerData: Record<string, unknown>;
  readonly env: Record<string, string>;
  readonly resourceLimits: { maxYoungGenerationSizeMb: number; maxOldGenerationSizeMb: number };
  /** Whether the thread's stdout and stderr lines come back (`line` events). */
  readonly captureOutput: boolean;
}

/** A thread's error, as the host saw it (`ERR_WORKER_OUT_OF_MEMORY` when its heap ran out). */
export interface ThreadError {
  readonly message: string;
  readonly code?: string;
}

/**
 * One execution environment's worker thread in a runtime host. Events: `message` (what the
 * thread posted), `line` (an output line), `error` ({@link ThreadError}) and `exit` (why it
 * ended, as Lambda words a runtime exit: `exit status 1`, `signal: killed`); `exit` comes once.
 */
export class HostedThread extends EventEmitter {
  private exited = false;
  private readonly gone: Promise<void>;

  constructor(
    readonly id: number,
    private readonly host: RuntimeHost,
  ) {
    super();
    this.gone = new Promise((resolve) => this.once('exit', () => resolve()));
  }

  postMessage(message: unknown): void {
    this.host.send({ op: 'post', id: this.id, message });
  }

  /** Ends the thread; resolves once it has exited. */
  terminate(): Promise<void> {
    if (!this.exited) this.host.send({ op: 'terminate', id: this.id });
    return this.gone;
  }

  /** Called by the host once: the thread is gone. */
  ended(reason: string): void {
    if (this.exited) return;
    this.exited = true;
    this.emit('exit', reason);
  }
}

/** How Lambda words a process's end (Go's names for signals). */
export function exitReason(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal === null) return `exit status ${code ?? 0}`;
  const names: Partial<Record<NodeJS.Signals, string>> = {
    SIGKILL: 'killed',
    SIGSEGV: 'segmentation fault',
    SIGABRT: 'aborted',
    SIGTERM: 'terminated',
    SIGBUS: 'bus error',
  };
  return `signal: ${names[signal] ?? signal}`;
}

/** A runtime host process and the threads it holds. */
export class RuntimeHost {
  private readonly child: ChildProcess;
  private readonly threads = new Map<number, HostedThread>();
  private nextId = 1;
  /** Commands sent before the host said it was ready, in order. */
  private queue: object[] | undefined = [];
  private stderrTail = '';
  dead = false;
  /** The host's `process.version`, once it has started. */
  readonly version: Promise<string>;

  constructor(
    readonly execPath: string,
    private readonly onDead: (host: RuntimeHost) => void,
  ) {
    this.child = spawn(execPath, [...HOST_NODE_FLAGS, HOST_SCRIPT], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
      env: hostEnvironment(),
      windowsHide: true,
    });
    let readyVersion: (version: string) => void = () => {};
    this.version = new Promise((resolve) => {
      readyVersion = resolve;
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-STDERR_TAIL);
    });
    this.child.on('message', (message: HostMessage) => {
      if (message.op === 'ready') {
        readyVersion(message.version ?? '');
        this.flushQueue();
      } else if (message.op === 'usage') {
        this.usageAnswers.get(message.id ?? 0)?.(message.maxRssKb);
        this.usageAnswers.delete(message.id ?? 0);
      } else this.received(message);
    });
    this.child.on('error', (error) => this.died(`error: ${error.message}`));
    this.child.on('exit', (code, signal) => this.died(exitReason(code, signal)));
    (this.child.stderr as { unref?: () => void } | null)?.unref?.();
    this.holdProcess(false);
  }

  /**
   * Whether the host keeps the engine's process alive: while it holds threads, as the worker
   * threads did when they ran in the engine's process; an idle host never does.
   */
  private holdProcess(hold: boolean): void {
    if (hold) {
      this.child.ref();
      this.child.channel?.ref();
    } else {
      this.child.unref();
      this.child.channel?.unref();
    }
  }

  /** What the host wrote to stderr last, for a crash's diagnostics. */
  get stderr(): string {
    return this.stderrTail;
  }

  /** Starts a worker thread in the host. */
  startThread(options: ThreadOptions): HostedThread {
    const thread = new HostedThread(this.nextId++, this);
    this.threads.set(thread.id, thread);
    if (this.threads.size === 1 && !this.dead) this.holdProcess(true);
    if (this.dead) queueMicrotask(() => this.endThread(thread.id, 'signal: killed'));
    else this.send({ op: 'start', id: thread.id, options });
    return thread;
  }

  /** Sends a command, once the host is ready; a dead host takes none. */
  send(command: object): void {
    if (this.dead) return;
    if (this.queue) {
      this.queue.push(command);
      return;
    }
    if (!this.child.connected) return;
    try {
      // An EPIPE from a host dying now is reported by its exit.
      this.child.send(command, () => {});
    } catch {
      // Closed between the check and the send: its exit is on its way, and ends the threads.
    }
  }

  /** Ends the host and with it every thread it holds. */
  stop(): Promise<void> {
    if (this.dead) return Promise.resolve();
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    return exited;
  }

  /** Kills the host as a crash would (tests and chaos use it). */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.child.kill(signal);
  }

  /** The host process's peak resident memory so far, in kB; undefined once it is gone. */
  peakRssKb(): Promise<number | undefined> {
    if (this.dead) return Promise.resolve(undefined);
    const id = this.nextUsageId++;
    return new Promise((resolve) => {
      this.usageAnswers.set(id, resolve);
      this.send({ op: 'usage', id });
    });
  }

  private nextUsageId = 1;
  private readonly usageAnswers = new Map<number, (kb: number | undefined) => void>();

  /** The host's process id. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  private flushQueue(): void {
    const queued = this.queue ?? [];
    this.queue = undefined;
    for (const command of queued) this.send(command);
  }

  private received(message: HostMessage): void {
    const thread = this.threads.get(message.id ?? 0);
    if (!thread) return;
    if (message.op === 'message') thread.emit('message', message.message);
    else if (message.op === 'lines')
      for (const line of message.lines ?? []) thread.emit('line', line);
    else if (message.op === 'error') thread.emit('error', message.error);
    else if (message.op === 'exit') this.endThread(thread.id, exitReason(message.code ?? 0, null));
  }

  private endThread(id: number, reason: string): void {
    const thread = this.threads.get(id);
    if (!thread) return;
    this.threads.delete(id);
    if (this.threads.size === 0 && !this.dead) this.holdProcess(false);
    thread.ended(reason);
  }

  /** The host is gone: each of its threads ends as a sandbox whose runtime died. */
  private died(reason: string): void {
    if (this.dead) return;
    this.dead = true;
    this.queue = undefined;
    this.onDead(this);
    for (const answer of this.usageAnswers.values()) answer(undefined);
    this.usageAnswers.clear();
    for (const id of [...this.threads.keys()]) this.endThread(id, reason);
  }
}

/** What the host posts: see runtime-host-process.mjs. */
interface HostMessage {
  readonly op: 'ready' | 'message' | 'lines' | 'error' | 'exit' | 'usage';
  readonly id?: number;
  readonly version?: string;
  readonly message?: unknown;
  readonly lines?: string[];
  readonly error?: ThreadError;
  readonly code?: number;
  readonly maxRssKb?: number;
}

/**
 * The host's own environment: the tools' own, less what would load the tools' TypeScript loader
 * or debugger into it. Each function's environment is its thread's own, given at start.
 */
function hostEnvironment(): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _options, ...rest } = process.env;
  // glibc's per-thread malloc arenas, each environment a thread: see commands/launch.mjs.
  return { ...rest, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2', TZ: 'UTC' };
}

/**
 * The live runtime host for each Node binary, shared by the runners that lease it; started on
 * first use, and again after a crash; stopped a moment after its last lease ends.
 */
class RuntimeHosts {
  private readonly hosts = new Map<string, RuntimeHost>();
  private readonly leases = new Map<string, number>();
  private readonly lingering = new Map<string, NodeJS.Timeout>();

  /** The live host for `execPath`, started if there is none. */
  host(execPath: string): RuntimeHost {
    const live = this.hosts.get(execPath);
    if (live && !live.dead) return live;
    const host = new RuntimeHost(execPath, (dead) => {
      if (this.hosts.get(execPath) === dead) this.hosts.delete(execPath);
    });
    this.hosts.set(execPath, host);
    return host;
  }

  /** The peak resident memory of each live host, in kB (the tools report it beside their own). */
  async peakRssKb(): Promise<number[]> {
    const peaks = await Promise.all([...this.hosts.values()].map((host) => host.peakRssKb()));
    return peaks.filter((kb): kb is number => kb !== undefined);
  }

  /**
   * Takes a lease on the host of `execPath` and starts it now if it is not running; returns what
   * gives the lease back.
   */
  use(execPath: string): () => Promise<void> {
    const giveBack = this.lease(execPath);
    this.host(execPath);
    return giveBack;
  }

  /** Takes a lease on the host of `execPath`: it lives at least until the lease is returned. */
  lease(execPath: string): () => Promise<void> {
    clearTimeout(this.lingering.get(execPath));
    this.lingering.delete(execPath);
    this.leases.set(execPath, (this.leases.get(execPath) ?? 0) + 1);
    let returned = false;
    return async () => {
      if (returned) return;
      returned = true;
      const left = (this.leases.get(execPath) ?? 1) - 1;
      this.leases.set(execPath, left);
      if (left > 0) return;
      const timer = setTimeout(() => {
        this.lingering.delete(execPath);
        const host = this.hosts.get(execPath);
        this.hosts.delete(execPath);
        void host?.stop();
      }, LINGER_MS);
      timer.unref();
      this.lingering.set(execPath, timer);
    };
  }
}

/** The process's runtime hosts. */
export const runtimeHosts = new RuntimeHosts();
