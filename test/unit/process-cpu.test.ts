import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ProcReader, statTicks, treeCpuSeconds, watchTreeCpu } from '../../bench/process-cpu';

/**
 * A /proc stat line whose command holds spaces and parentheses: `own` ticks, `children` ticks of
 * its ended children, started at tick `start`.
 */
const stat = (own: number, children: number, start = 500) =>
  `42 (node (x) y) S 1 42 42 0 -1 4194560 100 0 0 0 ${own} 0 ${children} 0 20 0 7 0 ${start} 0`;

/** A fake /proc: each pid's stat line and, by thread, its children. */
function fakeProc(
  processes: Record<string, { stat: string; tasks: Record<string, string[]> }>,
): ProcReader {
  return {
    read(path) {
      const [pid, kind, task, file] = path.split('/');
      const p = processes[pid ?? ''];
      if (!p) return undefined;
      if (kind === 'stat') return p.stat;
      return file === 'children' ? (p.tasks[task ?? ''] ?? []).join(' ') : undefined;
    },
    list(path) {
      const [pid] = path.split('/');
      return Object.keys(processes[pid ?? '']?.tasks ?? {});
    },
  };
}

describe('CPU of a process tree, from /proc', () => {
  it('adds utime, stime, cutime and cstime after the command, whatever the command holds', () => {
    expect(statTicks('42 (node (x) y) S 1 42 42 0 -1 4194560 100 0 0 0 1 2 30 40 20 0 7 0')).toBe(
      73,
    );
  });

  it("adds every running descendant's time, from the children of each thread, skipping the gone", () => {
    const proc = fakeProc({
      '10': { stat: stat(100, 50), tasks: { '10': ['11'], '12': ['13', '99'] } },
      '11': { stat: stat(20, 0), tasks: { '11': ['14'] } },
      '13': { stat: stat(5, 0), tasks: { '13': [] } },
      '14': { stat: stat(7, 3), tasks: { '14': [] } },
    });
    // 150 + 20 + 10 + 5 ticks; process 99 has ended and is not counted.
    expect(treeCpuSeconds(10, proc)).toBeCloseTo(1.85);
    expect(treeCpuSeconds(99, proc)).toBeUndefined();
  });

  it("counts a child's CPU once it has ended and been waited for; nothing without /proc", () => {
    const before = treeCpuSeconds(process.pid);
    spawnSync(process.execPath, [
      '-e',
      'const end = process.cpuUsage().user + 50000; while (process.cpuUsage().user < end);',
    ]);
    const after = treeCpuSeconds(process.pid);
    if (!existsSync('/proc/self/stat')) {
      expect([before, after]).toEqual([undefined, undefined]);
      return;
    }
    // At least the child's 50 ms (five ticks): this process only waits for it meanwhile.
    expect((after ?? Number.NaN) - (before ?? Number.NaN)).toBeGreaterThanOrEqual(0.05);
  });
});

describe('CPU of a process tree watched over a run', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps the time of a process that left the tree, and counts a reused pid apart', () => {
    vi.useFakeTimers();
    const processes: Parameters<typeof fakeProc>[0] = {
      '10': { stat: stat(5, 0), tasks: { '10': ['11'] } },
      '11': { stat: stat(20, 0), tasks: { '11': [] } },
    };
    const cpu = watchTreeCpu(10, { intervalMs: 100, proc: fakeProc(processes) });
    processes['11'] = { stat: stat(30, 0), tasks: { '11': [] } };
    vi.advanceTimersByTime(100);
    // Process 11's parent ended: init adopted it, and its time never reaches the tree's cutime.
    processes['10'] = { stat: stat(6, 0), tasks: { '10': [] } };
    vi.advanceTimersByTime(100);
    // A new process 11, started later.
    processes['10'] = { stat: stat(7, 0), tasks: { '10': ['11'] } };
    processes['11'] = { stat: stat(4, 0, 900), tasks: { '11': [] } };
    // 7 of the root's own, 30 as last read of the first 11, 4 of the second.
    expect(cpu.stop()).toBeCloseTo(0.41);
  });

  it('says nothing of a process it cannot read', () => {
    expect(watchTreeCpu(99, { proc: fakeProc({}) }).stop()).toBeUndefined();
  });
});
