// @ts-check
/**
 * Directories a cache keeps by use, and the processes that hold them: the synth cache's
 * assemblies (assembly-cache.ts) and the launcher's precompiled commands (commands/precompile.mjs)
 * are each written beside their place and moved into it whole, kept by when they were last used,
 * and read for as long as a process runs, so no other process may prune one meanwhile. A
 * holder leaves a file named by its pid in the directory's `.held-by/`; a pid whose process has
 * ended holds nothing. Plain JavaScript, so that the launcher can use it before any TypeScript
 * loader exists.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

/** The folder of a kept directory where each process holding it leaves a file named by its pid. */
export const HOLDERS = '.held-by';

/**
 * Moves a finished `staging` directory to `dir`. When another process put one there first (its
 * `marker` file written, the last thing a writer writes), keeps theirs and removes this one.
 * @throws the rename's error when there is none there
 */
export function moveIntoPlace(
  /** @type {string} */ staging,
  /** @type {string} */ dir,
  /** @type {string} */ marker,
) {
  try {
    renameSync(staging, dir);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(join(dir, marker))) throw error;
  }
}

/** Marks `dir` as used now: pruning keeps the entries used last, not those made last. */
export function markUsed(/** @type {string} */ dir) {
  const now = new Date();
  utimesSync(dir, now, now);
}

/**
 * Marks `dir` as held by this process, until {@link letGo} or the end of the process. The files
 * of holders that have ended go at the same time: the entry in use is never a candidate for
 * pruning, which otherwise removes them, so the suite's assembly had gathered 712 of them, and
 * every copy of it made for a test copied them all.
 */
export function hold(/** @type {string} */ dir) {
  mkdirSync(join(dir, HOLDERS), { recursive: true });
  writeFileSync(join(dir, HOLDERS, String(process.pid)), '');
  isHeld(dir);
}

/** Undoes {@link hold}: this process no longer holds `dir`. */
export function letGo(/** @type {string} */ dir) {
  rmSync(join(dir, HOLDERS, String(process.pid)), { force: true });
}

/** Whether a live process holds `dir`; the files of processes that are gone are removed. */
function isHeld(/** @type {string} */ dir) {
  const holders = join(dir, HOLDERS);
  if (!existsSync(holders)) return false;
  let live = false;
  for (const name of readdirSync(holders)) {
    if (isAlive(Number(name))) live = true;
    else forget(join(holders, name));
  }
  return live;
}

/**
 * Removes a gone holder's file, if this process may: in a cache other users share, a file of
 * theirs stays, which only keeps the folder a little longer.
 */
function forget(/** @type {string} */ file) {
  try {
    rmSync(file, { force: true });
  } catch {
    // EACCES or EPERM: not ours to remove.
  }
}

/** Whether a process `pid` exists (as anyone's): the holders here, and state/lock.ts's lock files. */
export function isAlive(/** @type {number} */ pid) {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, but belongs to someone else.
    return /** @type {NodeJS.ErrnoException} */ (error).code === 'EPERM';
  }
}

/**
 * @typedef {object} PruneRule
 * @property {string} current the entry just made or used, always kept
 * @property {number} keep how many other entries no process holds to keep, the most recently
 *   modified first
 * @property {(name: string) => boolean} isEntry whether a name is one of the cache's entries
 * @property {(name: string) => boolean} isStaging whether a name is an entry being written
 * @property {number} staleMs age after which a staging entry counts as a crashed writer's
 */

/**
 * Removes from `dir` the entries that no live process holds past the newest `rule.keep` of them
 * (`rule.current` and held entries are kept besides), and the staging entries older than
 * `rule.staleMs`. Entries another process removes meanwhile are skipped.
 */
export function pruneKept(/** @type {string} */ dir, /** @type {PruneRule} */ rule) {
  const entries = readdirSync(dir).flatMap((name) => {
    try {
      return [{ name, mtime: statSync(join(dir, name)).mtimeMs }];
    } catch {
      return [];
    }
  });
  const older = entries
    .filter(({ name }) => name !== rule.current && rule.isEntry(name))
    .filter(({ name }) => !isHeld(join(dir, name)))
    .sort((a, b) => b.mtime - a.mtime)
    .slice(rule.keep);
  const stale = entries.filter(
    ({ name, mtime }) => rule.isStaging(name) && Date.now() - mtime > rule.staleMs,
  );
  for (const { name } of [...older, ...stale]) {
    rmSync(join(dir, name), { recursive: true, force: true });
  }
}
