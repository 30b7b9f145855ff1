/**
 * Linux's /proc as the benches read it: a process's stat fields, CPU time and memory, and the
 * tree of processes below one. `process-cpu.ts` (the test files' CPU) and `memory.ts` (`npm
 * start`'s peak memory) both read it through here.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Linux's clock ticks per second (USER_HZ) of stat's times, 100 on every architecture Node runs on. */
export const TICKS_PER_SECOND = 100;

/** How the figures read /proc; a test passes its own. */
export interface ProcReader {
  /** The text of `/proc/<path>`, or `undefined` once the process is gone. */
  read(path: string): string | undefined;
  /** The entries of the directory `/proc/<path>`, empty once the process is gone. */
  list(path: string): string[];
}

export const linuxProc: ProcReader = {
  read(path) {
    try {
      return readFileSync(`/proc/${path}`, 'utf8');
    } catch {
      return undefined;
    }
  },
  list(path) {
    try {
      return readdirSync(`/proc/${path}`);
    } catch {
      return [];
    }
  },
};

/**
 * The fields of a `/proc/<pid>/stat` line after the command's closing parenthesis (the command
 * may hold spaces and parentheses), numbered from 0: 1 is the parent pid, 11 to 14 are utime,
 * stime, cutime and cstime, 19 the start time.
 */
export const statFields = (stat: string) => stat.slice(stat.lastIndexOf(')') + 2).split(' ');

/** Every process under `root` (itself included), from /proc's parent links. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = linuxProc.read(`${name}/stat`);
    // The process ended while we looked.
    if (stat === undefined) continue;
    const ppid = Number(statFields(stat)[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
  }
  const tree: number[] = [];
  const visit = (pid: number) => {
    tree.push(pid);
    for (const child of children.get(pid) ?? []) visit(child);
  };
  visit(root);
  return tree;
}

/** CPU seconds (user + system, all threads) a process has used so far, or undefined once gone. */
export function cpuSeconds(pid: number): number | undefined {
  const stat = linuxProc.read(`${pid}/stat`);
  if (stat === undefined) return undefined;
  const fields = statFields(stat);
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Whether `pid` is a runtime host (local/lambda/runtime-host-process.mjs). */
export function isRuntimeHost(pid: number): boolean {
  return (linuxProc.read(`${pid}/cmdline`) ?? '').includes('runtime-host-process.mjs');
}

/** VmRSS, VmHWM, RssAnon (kB) and thread count of a process, or undefined once it has gone. */
export function status(
  pid: number,
): { rss: number; hwm: number; anon: number; threads: number } | undefined {
  const text = linuxProc.read(`${pid}/status`);
  if (text === undefined) return undefined;
  // Kernel threads and zombies have no Vm* lines: they count as nothing.
  const field = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return {
    rss: field('VmRSS'),
    hwm: field('VmHWM'),
    anon: field('RssAnon'),
    threads: field('Threads'),
  };
}
