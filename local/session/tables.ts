/**
 * Where `npm start` keeps a run's DynamoDB tables: the `--data` directory, or one of the state
 * directory's own, on disk and for the run only. Not in memory: there every item stays in the
 * engine's heap, so the peak grows with the count; on disk the cloud's own memory holds its
 * level once warm, for a little more CPU on long runs (the README's memory results).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';

/** The state directory's own tables directory, used by a run without `--data`. */
export function tablesDirOf(home: string): string {
  return join(home, 'tables');
}

/**
 * The run's tables: `--data`'s directory, which stays; or the state directory's own, emptied now
 * (tables left by a run that was killed: the lock says no run uses them) and again by `discard`.
 */
export function runTables(
  home: string,
  dataDir: string | undefined,
): { dir: string; discard(): void } {
  if (dataDir) return { dir: dataDir, discard: () => {} };
  const dir = tablesDirOf(home);
  const discard = () => rmSync(dir, { recursive: true, force: true });
  discard();
  return { dir, discard };
}
