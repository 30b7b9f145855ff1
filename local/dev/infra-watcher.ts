/**
 * What `npm run dev` watches for infrastructure changes: the CDK app (`lib/`, `bin/`,
 * `cdk.json`) and the contract it shares with the handlers (`contract/`). A burst of file events
 * becomes one change, and changes are applied one at a time, in order.
 */
import { join } from 'node:path';
import { type TreeWatcher, watchFile, watchTree } from './watch-tree';

/** The infrastructure's sources, relative to the project; those missing are not watched. */
export const INFRA_SOURCES = ['lib', 'bin', 'contract', 'cdk.json'] as const;

/** Quiet time after an infrastructure file event before synthesizing. */
const INFRA_SETTLE_MS = 300;

/** A running infrastructure watcher. */
export interface InfraWatcher {
  /** Stops watching and resolves once the change being applied, if any, is done. */
  close(): Promise<void>;
}

/**
 * Calls `apply` once the infrastructure sources under `rootDir` have been quiet for a moment
 * after a change, never while an earlier `apply` runs; what `apply` throws goes to `onError`.
 */
export function watchInfrastructure(
  rootDir: string,
  apply: () => Promise<void>,
  onError: (error: unknown) => void,
): InfraWatcher {
  let applying = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      applying = applying.then(apply).catch(onError);
    }, INFRA_SETTLE_MS);
  };
  // Not fs.watch's recursive mode: on Linux with Node 20 it misses saves (see watch-tree.ts).
  const watchers: TreeWatcher[] = INFRA_SOURCES.map((source) =>
    source === 'cdk.json'
      ? watchFile(join(rootDir, source), changed)
      : watchTree(join(rootDir, source), changed),
  );
  return {
    async close() {
      for (const watcher of watchers) watcher.close();
      clearTimeout(timer);
      await applying;
    },
  };
}
