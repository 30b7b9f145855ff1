import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the lock file says about the local cloud that holds it. */
export interface LockHolder {
  readonly pid: number;
  /** ISO-8601 time the holder took the lock. */
  readonly startedAt: string;
  /** Where the holder's cloud answers, once it is up. */
  readonly endpoint?: string;
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

/** The lock file's name inside the state directory. */
export const LOCK_FILE = 'lock.json';

/**
 * Takes the state directory of a local cloud for this process, so a second `npm start` cannot
 * truncate the first one's function log, overwrite its synth output or delete its state file.
 *
 * The lock file is created atomically with its content (written aside, then hard-linked into
 * place, which fails if the file exists), so nobody ever reads a half-written lock. A lock whose
 * process is gone (a cloud that was killed) is stale and taken over. Two processes taking over
 * the same stale lock at the same instant could both succeed; that needs a crash and a double
 * start within microseconds, and is not guarded against.
 *
 * The lock is released by {@link StateLock.release}, and at the latest when the process exits.
 *
 * @throws StateLockedError naming the live holder
 */
export function lockStateDir(directory: string): StateLock {
  const file = join(directory, LOCK_FILE);
  const mine: LockHolder = { pid: process.pid, startedAt: new Date().toISOString() };
  const scratch = `${file}.${process.pid}.tmp`;
  writeFileSync(scratch, JSON.stringify(mine));
  try {
    for (;;) {
      try {
        linkSync(scratch, file);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = readHolder(file);
      if (holder && isAlive(holder.pid)) throw new StateLockedError(directory, holder);
      rmSync(file, { force: true });
    }
  } finally {
    rmSync(scratch, { force: true });
  }

  let current = mine;
  const ours = () => {
    const holder = readHolder(file);
    return holder?.pid === mine.pid && holder.startedAt === mine.startedAt;
  };
  const release = () => {
    if (ours()) rmSync(file, { force: true });
    process.off('exit', release);
  };
  process.on('exit', release);
  return {
    file,
    setEndpoint(endpoint) {
      if (!ours()) return;
      current = { ...current, endpoint };
      writeFileSync(scratch, JSON.stringify(current));
      renameSync(scratch, file);
    },
    release,
  };
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

/** Whether a process with this id runs. Our own id in a lock file is a previous life's. */
function isAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
