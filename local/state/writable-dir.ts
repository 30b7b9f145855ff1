/**
 * Checks on the directories a local cloud is given: whether a path lies inside one, and that one
 * can be created and written, failing at once with the reason instead of hanging.
 */
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';

/** Whether `path` is `dir` or inside it (both absolute, or both relative to the same place). */
export function isWithin(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** A directory that cannot be used; the message names it and says why. */
export class UnusableDirectoryError extends Error {
  override readonly name = 'UnusableDirectoryError';
}

/**
 * Makes sure `dir` is a directory this process can write, creating it and missing parents.
 * Not `mkdirSync(dir, { recursive: true })`: under /proc the kernel answers ENOENT for a parent
 * that exists, and node's recursive mkdir (like the mkdirp dynalite uses) loops on it forever.
 *
 * @param role what the directory is for, as in "Cannot use DIR as ROLE": `the --data directory`
 * @throws UnusableDirectoryError naming `dir` and the reason, within milliseconds
 */
export function ensureWritableDir(dir: string, role: string): void {
  const fail = (reason: string): never => {
    throw new UnusableDirectoryError(`Cannot use ${dir} as ${role}: ${reason}`);
  };
  const missing: string[] = [];
  for (let existing = dir; ; existing = dirname(existing)) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(existing).isDirectory();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(existing) === existing) {
        fail(errorText(error));
      }
      missing.unshift(existing);
      continue;
    }
    if (!isDirectory)
      fail(existing === dir ? 'it is not a directory' : `${existing} is not a directory`);
    break;
  }
  // One level at a time, so an ENOENT for a parent that exists is an error, not a loop.
  for (const level of missing) {
    try {
      mkdirSync(level);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        fail(`cannot create it (${errorText(error)})`);
      }
    }
  }
  const probe = join(dir, `.write-check-${process.pid}`);
  try {
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (error) {
    fail(`it is not writable (${errorText(error)})`);
  }
}

/** `CODE: what happened`, without node's repetition of the code in the message. */
function errorText(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  return code ? `${code}: ${message.replace(/^[A-Z]+: /, '')}` : String(error);
}
