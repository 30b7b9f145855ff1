/**
 * Lock files that keep two local clouds off one state directory: created atomically, naming the
 * process that holds them, and taken over once that process is gone.
 */
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isAlive } from '../stack/kept-dirs.mjs';

/** What a lock file says about the local cloud that holds it. */
export interface LockHolder {
  readonly pid: number;
  /** ISO-8601 time the holder took the lock. */
  readonly startedAt: string;
  /** Where the holder's cloud answers, once it is up. */
  readonly endpoint?: string;
}

/** A held lock file. */
export interface FileLock<T extends object> {
  readonly file: string;
  /** Rewrites the lock file with these fields changed, for anyone the lock turns away. */
  update(fields: Partial<T>): void;
  /** Gives the lock up; does nothing if it is no longer ours. Safe to call twice. */
  release(): void;
}

/** A held lock on a state directory. */
export interface StateLock {
  readonly file: string;
  /** Records where the cloud answers, for anyone the lock turns away. */
  setEndpoint(endpoint: string): void;
  /** Gives the lock up; does nothing if it is no longer ours. Safe to call twice. */
  release(): void;
}

/** Another live process holds the state directory; the message names it. */
export class StateLockedError extends Error {
  override readonly name = 'StateLockedError';
  constructor(
    readonly directory: string,
    readonly holder: LockHolder,
  ) {
    super(
      `A local cloud is already running with state directory ${directory}: pid ${holder.pid}, started ${holder.startedAt}, ${holder.endpoint ? `endpoint ${holder.endpoint}` : 'still starting'}. Stop it first (Ctrl-C in its terminal), or give this one its own --state-dir`,
    );
  }
}

/** Another live local cloud keeps its tables and logs in the data directory; the message names it. */
export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
  constructor(
    readonly directory: string,
    readonly holder: LockHolder,
  ) {
    super(
      `The data directory ${directory} is in use by another local cloud: pid ${holder.pid}, ${holder.endpoint ? `endpoint ${holder.endpoint}` : 'still starting'}. Stop it first (Ctrl-C in its terminal), or give this one its own --data directory`,
    );
  }
}

/** The lock file's name inside the state directory. */
export const LOCK_FILE = 'lock.json';

/**
 * The lock file's name inside a data directory. LevelDB (dynalite's store) ignores files whose
 * names are not its own, so the lock can sit beside the tables.
 */
export const DATA_LOCK_FILE = 'local-cloud.lock.json';

/**
 * The locks this process holds, by absolute path, with the start time each was taken at: a lock
 * file naming our own pid is ours only if it is listed here (two clouds of one process, as tests
 * run them, are told apart); otherwise it is a previous life's, left by a process that had our pid.
 */
const HELD = new Map<string, string>();

/**
 * Takes the state directory of a local cloud for this process, so a second `npm start` cannot
 * truncate the first one's function log, overwrite its synth output or delete its state file.
 * See {@link lockFile} for how.
 *
 * @throws StateLockedError naming the live holder
 */
export function lockStateDir(directory: string): StateLock {
  const lock = lockFile(join(directory, LOCK_FILE), {}, (holder) => {
    return new StateLockedError(directory, holder);
  });
  return {
    file: lock.file,
    setEndpoint: (endpoint) => lock.update({ endpoint }),
    release: lock.release,
  };
}

/**
 * Takes a data directory for this process's cloud: one LevelDB database cannot be opened by two
 * processes (the second's dynalite dies on its first write), and two log stores would each
 * rewrite the other's groups.
 *
 * @throws DataDirLockedError naming the live holder
 */
export function lockDataDir(directory: string): StateLock {
  const lock = lockFile(join(directory, DATA_LOCK_FILE), {}, (holder) => {
    return new DataDirLockedError(directory, holder);
  });
  return {
    file: lock.file,
    setEndpoint: (endpoint) => lock.update({ endpoint }),
    release: lock.release,
  };
}

/** Refuses at once, before the synth and the emulators, if a live cloud holds `directory`. */
export function refuseIfDataDirInUse(directory: string): void {
  const holder = liveHolder(join(directory, DATA_LOCK_FILE));
  if (holder) throw new DataDirLockedError(directory, holder);
}

/**
 * Creates `file` holding `content` plus this process's pid and start time, unless a live
 * process already holds it, in which case it throws what `refuse` makes of that holder.
 *
 * The file is created atomically with its content (written aside, then hard-linked into place,
 * which fails if the file exists), so nobody ever reads a half-written lock. A lock whose process
 * is gone (a cloud that was killed) is stale and taken over. Two processes taking over the same
 * stale lock at the same instant could both succeed; that needs a crash and a double start within
 * microseconds, and is not guarded against.
 *
 * The lock is released by {@link FileLock.release}, and at the latest when the process exits.
 */
export function lockFile<T extends object>(
  file: string,
  content: T,
  refuse: (holder: LockHolder & Partial<T>) => Error,
): FileLock<T> {
  const key = resolve(file);
  const startedAt = new Date().toISOString();
  let current = { ...content, pid: process.pid, startedAt };
  const scratch = `${file}.${process.pid}.tmp`;
  const write = (path: string) => writeFileSync(path, `${JSON.stringify(current, null, 2)}\n`);
  write(scratch);
  try {
    for (;;) {
      try {
        linkSync(scratch, file);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = liveHolder(file);
      if (holder) throw refuse(holder as LockHolder & Partial<T>);
      rmSync(file, { force: true });
    }
  } finally {
    rmSync(scratch, { force: true });
  }
  HELD.set(key, startedAt);

  const ours = () => {
    const holder = readHolder(file);
    return holder?.pid === process.pid && holder.startedAt === startedAt;
  };
  const release = () => {
    if (ours()) rmSync(file, { force: true });
    if (HELD.get(key) === startedAt) HELD.delete(key);
    process.off('exit', release);
  };
  process.on('exit', release);
  return {
    file,
    update(fields) {
      if (!ours()) return;
      current = { ...current, ...fields };
      write(scratch);
      renameSync(scratch, file);
    },
    release,
  };
}

/**
 * The live process a lock file names, or undefined if the file is gone, unreadable or names a
 * process that no longer runs (a stale lock).
 */
export function liveHolder(file: string): LockHolder | undefined {
  const holder = readHolder(file);
  if (!holder) return undefined;
  if (holder.pid === process.pid)
    return HELD.get(resolve(file)) === holder.startedAt ? holder : undefined;
  return isAlive(holder.pid) ? holder : undefined;
}

/** The holder a lock file names, or undefined if it is gone or unreadable (so stale). */
function readHolder(file: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>;
    if (typeof holder.pid !== 'number' || typeof holder.startedAt !== 'string') return undefined;
    return holder as LockHolder;
  } catch {
    return undefined;
  }
}
