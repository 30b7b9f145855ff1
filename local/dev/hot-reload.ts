/**
 * Hot reload for `npm run dev`: the running cloud's functions follow their sources, rebuilt as
 * CDK bundles them and swapped in a moment after a save.
 */
import { join } from 'node:path';
import type { LocalCloud } from '../cloud';
import { bundleSources } from './function-sources';
import { Rebuilder, type RebuildTarget } from './rebuilder';
import { watchTree } from './watch-tree';

/** What a reload did; `ms` runs from the first file change it answers (or the call) to the swap. */
export type ReloadEvent =
  | { readonly kind: 'reloaded'; readonly functions: readonly string[]; readonly ms: number }
  | { readonly kind: 'unchanged'; readonly ms: number }
  | { readonly kind: 'failed'; readonly errors: string; readonly ms: number };

/** Options of {@link startHotReload}. */
export interface HotReloadOptions {
  readonly cloud: LocalCloud;
  /** The project whose handlers are bundled and whose {@link HANDLER_SOURCES} are watched. */
  readonly rootDir: string;
  /** Where the bundles go; the caller removes it. */
  readonly outDir: string;
  /** Watch the handlers' sources and reload on each change. @default true */
  readonly watch?: boolean;
  /**
   * The cloud runs an assembly synthesized from the project as it is now, not a fixed one whose
   * bundling options or `tsconfig.json` may differ: a function whose bundle's sources still read
   * as its source map holds them is not built at start. @default false: every one is built
   */
  readonly keepCurrentBundles?: boolean;
  /**
   * Told of every reload, except that a build failure is told once until the code changes in a
   * way that builds or fails differently.
   */
  readonly onReload?: (event: ReloadEvent) => void;
}

/** Hot reload of a running local cloud's functions. */
export interface HotReload {
  /** Rebuilds now and swaps the functions whose bundle changed. */
  reload(): Promise<ReloadEvent>;
  stop(): Promise<void>;
}

/** Quiet time after a file event before rebuilding: editors write a file in several events. */
const SETTLE_MS = 15;

/**
 * What the handlers are built from, relative to the project: their own code, and the contract
 * (names shared with the infrastructure) they import.
 */
export const HANDLER_SOURCES = ['functions', 'contract'] as const;

/**
 * Keeps the cloud's functions running the code under `rootDir/functions` and the contract they
 * import from `rootDir/contract`: bundles each handler (found from its deployed bundle's source
 * map, which also says whether the sources changed since) with CDK's esbuild options, at start
 * when they changed and then on every change, incrementally, and swaps the changed functions'
 * code (see {@link LocalCloud.updateFunctionCode}). A build error leaves the last good code
 * serving.
 *
 * @throws Error when a function's handler source cannot be found, or the first build fails
 */
export async function startHotReload(options: HotReloadOptions): Promise<HotReload> {
  const { cloud } = options;
  const functions = rebuildTargets(cloud, options.rootDir, options.keepCurrentBundles === true);
  const rebuilder = new Rebuilder(options.rootDir, options.outDir);
  let lastFailure: string | undefined;
  const apply = async (
    build: Promise<Awaited<ReturnType<Rebuilder['rebuild']>>>,
    since: number,
    tell: (event: ReloadEvent) => void = (event) => options.onReload?.(event),
  ): Promise<ReloadEvent> => {
    const result = await build;
    const ms = () => Math.round(performance.now() - since);
    if (!result.ok) {
      const event: ReloadEvent = { kind: 'failed', errors: result.errors, ms: ms() };
      if (result.errors !== lastFailure) tell(event);
      lastFailure = result.errors;
      return event;
    }
    const recovered = lastFailure !== undefined;
    lastFailure = undefined;
    await Promise.all(result.changed.map((f) => cloud.updateFunctionCode(f.name, f.bundle)));
    const event: ReloadEvent =
      result.changed.length > 0
        ? { kind: 'reloaded', functions: result.changed.map((f) => f.name), ms: ms() }
        : { kind: 'unchanged', ms: ms() };
    // A fix that builds to the code already serving is still news after a failure.
    if (event.kind === 'reloaded' || recovered) tell(event);
    return event;
  };

  // The first build replaces the bundles with ones the rebuilder tracks; not a reload. With
  // `keepCurrentBundles`, a bundle whose sources read the same since the synth is kept: building
  // both handlers took about 2 CPU-s of every `npm run dev` start.
  const first = await apply(rebuilder.start(functions), performance.now(), () => {});
  if (first.kind === 'failed') {
    await rebuilder.stop();
    throw new Error(`The handlers do not build:\n${first.errors}`);
  }

  // One reload at a time, in order of the changes.
  let chain: Promise<unknown> = Promise.resolve();
  const reload = (since = performance.now(), files?: ReadonlySet<string>): Promise<ReloadEvent> => {
    const next = chain.then(() => apply(rebuilder.rebuild(files), since));
    chain = next.catch(() => {});
    return next;
  };

  let timer: NodeJS.Timeout | undefined;
  let firstChange: number | undefined;
  let files = new Set<string>();
  const changed = (path: string) => {
    firstChange ??= performance.now();
    files.add(path);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const since = firstChange ?? performance.now();
      const batch = files;
      firstChange = undefined;
      files = new Set();
      // Only the functions that read a changed file are rebuilt.
      void reload(since, batch);
    }, SETTLE_MS);
  };
  const watchers =
    options.watch === false
      ? []
      : HANDLER_SOURCES.map((source) => watchTree(join(options.rootDir, source), changed));

  return {
    reload: () => reload(),
    async stop() {
      for (const watcher of watchers) watcher.close();
      clearTimeout(timer);
      await chain;
      await rebuilder.stop();
    },
  };
}

/**
 * Each function's handler entry, and (when `keepCurrent`) the files it was built from if its
 * bundle is current.
 */
function rebuildTargets(cloud: LocalCloud, rootDir: string, keepCurrent: boolean): RebuildTarget[] {
  return Object.values(cloud.functions).map((f) => {
    const sources = bundleSources(f.entry, rootDir);
    return {
      name: f.name,
      entry: sources.entry,
      current: keepCurrent && sources.current ? sources.inputs : undefined,
    };
  });
}
