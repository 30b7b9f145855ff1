/**
 * `npm run dev`'s running stack: a local cloud with its console, hot reload of the handlers, and
 * (unless the assembly is fixed) the infrastructure watched and applied to the running cloud in
 * place, or by recreating it on the same endpoint. Until stopped.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LocalCloud } from '../cloud';
import { checkPortFree } from '../session/port-check';
import { startSessionCloud } from '../session/session';
import { releaseAssembly } from '../stack/assembly-cache';
import { synthesize } from '../stack/synth';
import type { StateLock } from '../state/lock';
import { type HotReload, type ReloadEvent, startHotReload } from './hot-reload';
import {
  applyInfraChange,
  describeChanges,
  InfraSynthError,
  synthesizeInBackground,
} from './infra-reload';
import { type InfraWatcher, watchInfrastructure } from './infra-watcher';

/** What an infrastructure change did, or how far it got; `ms` runs from the change's start. */
export type InfraEvent =
  | { readonly kind: 'synthesizing' }
  | { readonly kind: 'synth-failed'; readonly report: string }
  /** The cloud is to be recreated; `reason` says what forces it, for a person. */
  | { readonly kind: 'recreating'; readonly reason: string }
  | { readonly kind: 'unchanged'; readonly ms: number }
  /** Applied to the running cloud; `changes` describes them for a person. */
  | { readonly kind: 'in-place'; readonly ms: number; readonly changes: string }
  | {
      readonly kind: 'recreated';
      readonly ms: number;
      /** Queued messages moved to the new cloud, and those lost with their removed queues. */
      readonly restored: number;
      readonly lost: number;
      /** Tables recreated empty, by name. */
      readonly droppedTables: readonly string[];
    }
  /** The change could not be applied: neither synth failure nor outcome. */
  | { readonly kind: 'failed'; readonly error: unknown };

/** Options of {@link startDevSession}. */
export interface DevSessionOptions {
  /** The state directory's lock, held by the caller. */
  readonly lock: StateLock;
  /** The project: its `functions/` hot-reloaded, its infrastructure synthesized. */
  readonly rootDir: string;
  /** Where the synth output and the session's own directory go (`.local-cloud`). */
  readonly home: string;
  /** A cloud assembly to run as it is: no synth, no infrastructure watching. */
  readonly assembly?: string;
  /** CDK context, as `cdk synth -c key=value` takes it. */
  readonly context: Record<string, string>;
  /** Show the first synth's output. */
  readonly verbose: boolean;
  /** Tables kept across runs. @default a directory of the session's own, removed at stop */
  readonly dataDir?: string;
  readonly timeScale: number;
  readonly schedules: boolean;
  readonly stateFile: string;
  /** Port of the AWS endpoint; a recreated cloud keeps the one the first got. */
  readonly port: number;
  /** Names the endpoint answers to besides its loopback ones. */
  readonly allowHosts?: readonly string[];
  readonly inspectPort?: number;
  /**
   * Initialize each function's environment ahead of its invocations (see `LocalCloudOptions`).
   * @default true, as for npm start
   */
  readonly preInitialize?: boolean;
  /** The functions' log lines, with the function's name. */
  readonly log: (line: string, functionName?: string) => void;
  /** Told of each cloud as it starts: the first, and any recreated one. */
  readonly onCloud: (cloud: LocalCloud) => void;
  readonly onReload: (event: ReloadEvent) => void;
  readonly onInfra: (event: InfraEvent) => void;
}

/** A running dev stack. */
export interface DevSession {
  /** The cloud now serving (a recreation replaces it). */
  readonly cloud: LocalCloud;
  /** Stops watching, lets a change in progress finish, then stops hot reload and the cloud. */
  stop(): Promise<void>;
}

/** A cloud and the hot reload that keeps its functions' code current. */
interface Stack {
  readonly cloud: LocalCloud;
  readonly hot: HotReload;
}

/**
 * Synthesizes the app (unless given an assembly), starts the cloud with its console, hot reload,
 * and the infrastructure watcher.
 *
 * @throws SessionError (`invalid`) when the port is taken
 */
export async function startDevSession(options: DevSessionOptions): Promise<DevSession> {
  // Before the synth: a taken port is said at once, not seconds later.
  await checkPortFree(options.port);
  const devDir = join(options.home, 'dev', String(process.pid));
  mkdirSync(devDir, { recursive: true });
  const assemblyDir =
    options.assembly ??
    synthesize(join(options.home, 'cdk.out'), options.context, {
      verbose: options.verbose,
      root: options.rootDir,
    });
  const running = new RunningStack(options, devDir, assemblyDir);
  await running.start();
  const watcher: InfraWatcher | undefined = options.assembly
    ? undefined
    : watchInfrastructure(
        options.rootDir,
        () => running.applyInfrastructure(),
        (error) => options.onInfra({ kind: 'failed', error }),
      );
  return {
    get cloud() {
      return running.cloud;
    },
    async stop() {
      await watcher?.close();
      await running.stop();
      rmSync(devDir, { recursive: true, force: true });
    },
  };
}

/** The stack now serving, and how an infrastructure change moves it to the next one. */
class RunningStack {
  private stack: Stack | undefined;
  /** Where tables live: on disk even without --data, so a new template's cloud finds them. */
  private readonly dataDir: string;
  private port: number;
  /** Whether the next cloud starts on empty tables: only the first, without --data. */
  private freshTables: boolean;

  constructor(
    private readonly options: DevSessionOptions,
    private readonly devDir: string,
    private assemblyDir: string,
  ) {
    this.dataDir = resolve(options.dataDir ?? join(devDir, 'data'));
    this.port = options.port;
    this.freshTables = options.dataDir === undefined;
  }

  get cloud(): LocalCloud {
    return this.current.cloud;
  }

  private get current(): Stack {
    if (!this.stack) throw new Error('The dev stack has not started');
    return this.stack;
  }

  async start(): Promise<void> {
    const cloud = await this.startCloud(this.assemblyDir);
    this.stack = { cloud, hot: await this.startHot(cloud) };
  }

  async stop(): Promise<void> {
    await this.current.hot.stop();
    await this.current.cloud.stop();
  }

  private async startCloud(assembly: string): Promise<LocalCloud> {
    const { options } = this;
    const cloud = await startSessionCloud({
      lock: options.lock,
      assemblyDir: assembly,
      dataDir: this.dataDir,
      timeScale: options.timeScale,
      schedules: options.schedules,
      stateFile: options.stateFile,
      port: this.port,
      allowHosts: options.allowHosts,
      inspectPort: options.inspectPort,
      preInitialize: options.preInitialize,
      log: options.log,
      tablesStartEmpty: this.freshTables,
    });
    this.freshTables = false;
    // A recreated cloud keeps the endpoint the first one got (even with port 0).
    this.port = Number(new URL(cloud.endpoint).port);
    options.onCloud(cloud);
    return cloud;
  }

  private startHot(cloud: LocalCloud): Promise<HotReload> {
    return startHotReload({
      cloud,
      rootDir: this.options.rootDir,
      outDir: join(this.devDir, 'bundles'),
      // A synthesized assembly was made from the sources as they are; a fixed one may not be.
      keepCurrentBundles: this.options.assembly === undefined,
      onReload: this.options.onReload,
    }).catch(async (error: unknown) => {
      await cloud.stop();
      throw error;
    });
  }

  /**
   * Re-synthesizes in the background, then applies the change in place, or (saying why)
   * recreates the cloud with the queued messages moved.
   */
  async applyInfrastructure(): Promise<void> {
    const tell = this.options.onInfra;
    const from = performance.now();
    const ms = () => performance.now() - from;
    tell({ kind: 'synthesizing' });
    let next: string;
    try {
      next = await synthesizeInBackground(
        join(this.options.home, 'cdk.out'),
        this.options.context,
        this.options.rootDir,
      );
    } catch (error) {
      tell({
        kind: 'synth-failed',
        report: error instanceof InfraSynthError ? error.message : String(error),
      });
      return;
    }
    const current = this.current;
    // Hot reload watches the cloud it was given: a recreation gives it a new one.
    let hotStopped = false;
    let outcome: Awaited<ReturnType<typeof applyInfraChange>>;
    try {
      outcome = await applyInfraChange(
        current.cloud,
        next,
        async () => {
          await current.hot.stop();
          hotStopped = true;
          return this.startCloud(next);
        },
        (reason) => tell({ kind: 'recreating', reason }),
      );
    } catch (error) {
      // The running stack stays on its assembly, still held, so the next change starts from it.
      releaseAssembly(next);
      throw error;
    }
    // The synth held the new assembly; the one it replaces may be pruned from now on.
    releaseAssembly(this.assemblyDir);
    this.assemblyDir = next;
    switch (outcome.kind) {
      case 'unchanged':
        tell({ kind: 'unchanged', ms: ms() });
        return;
      case 'in-place':
        tell({ kind: 'in-place', ms: ms(), changes: describeChanges(outcome.plan.inPlace) });
        return;
      case 'recreated': {
        if (hotStopped)
          this.stack = { cloud: outcome.cloud, hot: await this.startHot(outcome.cloud) };
        const { restored, lost, droppedTables } = outcome;
        tell({ kind: 'recreated', ms: ms(), restored, lost, droppedTables });
      }
    }
  }
}
