/**
 * Peak memory of `npm start -- --requests N`: the local cloud process's peak RSS (VmHWM, what
 * `/usr/bin/time -v` calls maximum resident set size) and the peak of the whole process tree's
 * RSS (npm, tsx, the cloud and a synth child when the assembly is not cached), sampled from /proc.
 *
 *   npx tsx bench/memory.ts [--requests 100,1000,10000,30000]
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { synthesize } from '../local/synth';
import { REPO_ROOT, table } from './util';

/** What one `npm start` run took. */
export interface StartMemoryResult {
  readonly requests: number;
  readonly seconds: number;
  /** The largest process's peak RSS in MB: the local cloud (functions run as its threads). */
  readonly peakProcessMb: number;
  /** The peak of the sum of the tree's RSS in MB, sampled every 100 ms. */
  readonly peakTreeMb: number;
  /** Most threads the cloud process had: the main thread, Node's and V8's helpers, one per environment. */
  readonly peakThreads: number;
  /**
   * CPU time of the cloud process, user + system, all its threads, in seconds: what a change that
   * saves memory costs in work (the last sample before it exits, so up to 100 ms short).
   */
  readonly cpuSeconds: number;
}

const SAMPLE_MS = 100;

/** Every process under `root` (itself included), from /proc's parent links. */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // The command name (field 2) may hold spaces; the parent pid follows its closing paren.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // The process ended while we looked.
    }
  }
  const tree: number[] = [];
  const visit = (pid: number) => {
    tree.push(pid);
    for (const child of children.get(pid) ?? []) visit(child);
  };
  visit(root);
  return tree;
}

/** Clock ticks per second of /proc/PID/stat's times: 100 on every Linux that Node runs on. */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system, all threads) a process has used so far, or undefined once gone. */
function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name: state is the 3rd field, utime and stime the 14th and 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** VmRSS, VmHWM (kB) and thread count of a process, or undefined once it has gone. */
function status(pid: number): { rss: number; hwm: number; threads: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    // Kernel threads and zombies have no Vm* lines: they count as nothing.
    const field = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
    return { rss: field('VmRSS'), hwm: field('VmHWM'), threads: field('Threads') };
  } catch {
    return undefined;
  }
}

/**
 * Runs `npm start -- --requests N` to the end, sampling the memory of its process tree, and fails
 * unless it exits 0 (every round trip reconciled). Linux only (/proc).
 */
export function measureStartMemory(requests: number): Promise<StartMemoryResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['start', '--', '--requests', String(requests), '--port', '0'], {
      cwd: REPO_ROOT,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output = (output + chunk).slice(-2000);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output = (output + chunk).slice(-2000);
    });
    const hwm = new Map<number, number>();
    const cpu = new Map<number, number>();
    let peakTree = 0;
    let peakThreads = 0;
    const sample = () => {
      if (child.pid === undefined) return;
      let sum = 0;
      for (const pid of processTree(child.pid)) {
        const s = status(pid);
        if (!s) continue;
        sum += s.rss;
        hwm.set(pid, Math.max(hwm.get(pid) ?? 0, s.hwm));
        peakThreads = Math.max(peakThreads, s.threads);
        const seconds = cpuSeconds(pid);
        if (seconds !== undefined) cpu.set(pid, seconds);
      }
      peakTree = Math.max(peakTree, sum);
    };
    const timer = setInterval(sample, SAMPLE_MS);
    child.on('error', (error) => {
      clearInterval(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearInterval(timer);
      if (code !== 0) {
        reject(new Error(`npm start --requests ${requests} exited ${code}:\n${output}`));
        return;
      }
      // The cloud is the process with the highest peak.
      const cloud = [...hwm].reduce((a, b) => (b[1] > a[1] ? b : a), [0, 0])[0];
      resolve({
        requests,
        seconds: (performance.now() - started) / 1000,
        cpuSeconds: cpu.get(cloud) ?? 0,
        peakProcessMb: Math.max(0, ...hwm.values()) / 1024,
        peakTreeMb: peakTree / 1024,
        peakThreads,
      });
    });
  });
}

/** Measures each count in turn, after making sure the assembly is cached (no synth in the figures). */
export async function measureMemory(counts: readonly number[]): Promise<StartMemoryResult[]> {
  synthesize(`${REPO_ROOT}/.local-cloud/cdk.out`);
  const results: StartMemoryResult[] = [];
  for (const requests of counts) results.push(await measureStartMemory(requests));
  return results;
}

/** What the memory section measures, as its heading says. */
export const MEMORY_HEADING =
  'Peak memory of `npm start -- --requests N` (RSS sampled from /proc every 100 ms)';

/** The goal: the cloud's peak for this many requests under `GOAL_MB`, and flat as the count grows. */
const GOAL_REQUESTS = 10_000;
const GOAL_MB = 500;

/** The counts the memory section measures by default: past the goal's count too, to show the slope. */
export const DEFAULT_MEMORY_COUNTS = '100,1000,10000,30000';

/** Prints the results as a table, with the goal and how the peak grows from one count to the next. */
export function printMemory(results: readonly StartMemoryResult[], heading: string): void {
  console.log(heading);
  console.log(
    table(
      [
        'npm start --requests',
        'seconds',
        'cloud CPU-s',
        'cloud peak RSS MB',
        'tree peak RSS MB',
        'threads',
      ],
      results.map((r) => [
        r.requests.toLocaleString('en'),
        r.seconds.toFixed(1),
        r.cpuSeconds.toFixed(1),
        r.peakProcessMb.toFixed(0),
        r.peakTreeMb.toFixed(0),
        String(r.peakThreads),
      ]),
    ),
  );
  const count = (n: number) => n.toLocaleString('en');
  const judged = results.find((r) => r.requests === GOAL_REQUESTS);
  const verdict = judged
    ? `${judged.peakProcessMb < GOAL_MB ? 'met' : 'MISSED'} (${judged.peakProcessMb.toFixed(0)} MB)`
    : `not measured (add ${GOAL_REQUESTS} to the counts)`;
  // Per 1,000 requests, so steps of different sizes compare.
  const slopes = results.slice(1).map((r, i) => {
    const from = results[i] as StartMemoryResult;
    const perThousand =
      ((r.peakProcessMb - from.peakProcessMb) / (r.requests - from.requests)) * 1000;
    return `${count(from.requests)} -> ${count(r.requests)}: ${perThousand >= 0 ? '+' : ''}${perThousand.toFixed(1)} MB per 1,000`;
  });
  console.log(
    `   goal: cloud peak under ${GOAL_MB} MB at ${count(GOAL_REQUESTS)} requests: ${verdict}; flat as the count grows: ${slopes.length > 0 ? slopes.join(', ') : 'one count only'}; the assembly was cached, so no synth ran`,
  );
}

/** Parses `100,1000,10000`. */
export function parseCounts(value: string): number[] {
  const counts = value.split(',').map(Number);
  if (counts.length === 0 || counts.some((n) => !Number.isInteger(n) || n < 1 || n > 1_000_000)) {
    throw new Error(`--requests takes counts from 1 to 1000000 separated by commas, got ${value}`);
  }
  return counts;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: { requests: { type: 'string', default: DEFAULT_MEMORY_COUNTS } },
    strict: true,
  });
  measureMemory(parseCounts(values.requests ?? ''))
    .then((results) => printMemory(results, 'Peak memory of `npm start -- --requests N`'))
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    });
}
