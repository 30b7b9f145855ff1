/**
 * Where `npm start` keeps a run's DynamoDB tables: the `--data` directory, or one of the state
 * directory's own, on disk and for the run only. Not in memory: there every item stays in the
 * engine's heap, about 1 MB per 1,000 requests, so the peak grows with the count (+1.6 MB per
 * 1,000 in the second half of a 60,000-request run); on disk the cloud's own memory holds its
 * level once warm (+0.1 MB per 1,000 over the second half of a 120,000-request run). The disk
 * costs 7-10% more CPU at 30,000 and 60,000 requests, none measurable at 100 and 10,000 (runs
 * alternating with the tables in memory).
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
