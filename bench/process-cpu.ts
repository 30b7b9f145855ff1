/**
 * CPU time of a process and everything it started, read from Linux's /proc: what `npm test` is
 * bound by on 2 cores, where a test file's runtime host, commands, CDK CLI and browser run in
 * processes of their own. Elsewhere (no /proc) every figure is `undefined`.
 * - {@link treeCpuSeconds}: now, for a process that outlives what it measures (a test worker).
 * - {@link watchTreeCpu}: over a run, for a tree whose processes may end without being waited for.
 */
import { linuxProc, type ProcReader, statFields, TICKS_PER_SECOND } from './proc';

export type { ProcReader } from './proc';

/**
 * The CPU ticks of a process (user and system) and of its children that have ended and been
 * waited for, from its `/proc/<pid>/stat` line.
 */
export function statTicks(stat: string): number {
  const fields = statFields(stat);
  return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0);
}

/** Calls `visit` with the stat line of `/proc/<at>` and of every process below it; false if gone. */
function walk(proc: ProcReader, at: string, visit: (at: string, stat: string) => void): boolean {
  const stat = proc.read(`${at}/stat`);
  if (stat === undefined) return false;
  visit(at, stat);
  for (const task of proc.list(`${at}/task`)) {
    for (const child of (proc.read(`${at}/task/${task}/children`) ?? '').split(' ')) {
      if (child.trim()) walk(proc, child.trim(), visit);
    }
  }
  return true;
}

/**
 * CPU seconds of `pid` and of every process it started, running or ended: a running child's own
 * time, and its children's, and so on; an ended child's is in its parent's `cutime` once it has
 * been waited for. `undefined` without /proc.
 */
export function treeCpuSeconds(pid: number, proc: ProcReader = linuxProc): number | undefined {
  let ticks = 0;
  const found = walk(proc, String(pid), (_, stat) => {
    ticks += statTicks(stat);
  });
  return found ? ticks / TICKS_PER_SECOND : undefined;
}

/**
 * Watches `pid`'s process tree until `stop`, which returns its CPU seconds (`undefined` without
 * /proc). A process whose parent ends first is adopted by init, and its time never reaches the
 * tree's `cutime` (a test worker's runtime host, which outlives the worker by a moment), so each
 * process is read every `intervalMs` while it runs and its own time as last read is counted.
 * What runs after a process's last read, or in one that lives between two reads, is not: the
 * figure is low by up to `intervalMs` of CPU per process.
 */
export function watchTreeCpu(
  pid: number,
  { intervalMs = 100, proc = linuxProc }: { intervalMs?: number; proc?: ProcReader } = {},
): { stop(): number | undefined } {
  /** Own ticks (utime and stime) by `pid start-time`, as last read: a pid can be reused. */
  const own = new Map<string, number>();
  const read = () =>
    walk(proc, String(pid), (at, stat) => {
      const fields = statFields(stat);
      own.set(`${at} ${fields[19]}`, Number(fields[11] ?? 0) + Number(fields[12] ?? 0));
    });
  const available = read();
  const timer = setInterval(read, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      read();
      return available
        ? [...own.values()].reduce((a, b) => a + b, 0) / TICKS_PER_SECOND
        : undefined;
    },
  };
}
