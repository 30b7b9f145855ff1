/**
 * File watching that sees every save on every platform Node runs on: one non-recursive watcher
 * per directory. Node 20's recursive `fs.watch` on Linux watches each file and misses a file
 * replaced by rename (as many editors save), and saves made soon after one another; a directory
 * watch sees both, and in-place writes too.
 */
import { type FSWatcher, readdirSync, statSync, watch } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** A running watcher. */
export interface TreeWatcher {
  close(): void;
}

/**
 * Calls `onChange` with the path of anything created, written, renamed or removed under `root`
 * (a directory; `node_modules` is skipped). New directories are watched as they appear. A root
 * that does not exist is not watched.
 */
export function watchTree(root: string, onChange: (path: string) => void): TreeWatcher {
  const watchers = new Map<string, FSWatcher>();
  const add = (dir: string) => {
    if (watchers.has(dir)) return;
    try {
      watchers.set(
        dir,
        watch(dir, (_event, file) => {
          const path = join(dir, file ?? '');
          if (file && isDirectory(path)) add(path);
          onChange(path);
        }),
      );
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory() && entry.name !== 'node_modules') add(join(dir, entry.name));
      }
    } catch {
      // Removed meanwhile, or never there: nothing to watch.
    }
  };
  add(root);
  return {
    close() {
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}

/**
 * Calls `onChange` when the file at `path` is created, written, replaced or removed: a watch of
 * its directory, which outlives the file's replacement by rename, unlike a watch of the file.
 */
export function watchFile(path: string, onChange: (path: string) => void): TreeWatcher {
  const name = basename(path);
  try {
    const watcher = watch(dirname(path), (_event, file) => {
      if (file === name) onChange(path);
    });
    return { close: () => watcher.close() };
  } catch {
    return { close() {} };
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
