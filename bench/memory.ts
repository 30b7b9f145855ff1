/**
 * Peak memory of `npm start -- --requests N`: the local cloud's peak RSS (its engine process and
 * its runtime hosts, which hold the functions' environments, summed sample by sample; the hosts'
 * share apart) and the peak of the whole process tree's
 * RSS (npm, tsx, the cloud and a synth child when the assembly is not cached), sampled from /proc.
 * Whether memory stays flat as the count grows is read inside one run, by quarters of its round
 * trips, where run-to-run noise does not blur it, from the anonymous RSS (the process's own
 * memory, without file-backed pages such as LevelDB's mapped table files). `npm start` keeps the
 * tables on disk (in the state directory, for the run), so that memory is the cloud's own.
 *
 *   npx tsx bench/memory.ts [--requests 100,1000,10000,120000]
 *
 * Each run says when it starts and, every few seconds, how far it got, so a long one is not a
 * silent one.
 */
import { spawn } from 'node:child_process';
import {
  type CommandMain,
  type CommandSpec,
  isMain,
  type OptionSpecs,
  runCommand,
  UsageError,
} from '../commands/cli';
import { synthesize } from '../local/stack/synth';
import { cpuSeconds, isRuntimeHost, processTree, status } from './proc';
import { median, REPO_ROOT, table } from './util';

/** What one `npm start` run took. */
export interface StartMemoryResult {
  readonly requests: number;
  readonly seconds: number;
  /**
   * The local cloud's peak RSS in MB: the engine's process plus its runtime hosts' (the
   * functions' environments run as threads of those), summed sample by sample.
   */
  readonly peakProcessMb: number;
  /** The runtime hosts' own peak (summed when there are several), in MB. */
  readonly peakHostsMb: number;
  /** The peak of the sum of the tree's RSS in MB, sampled every 100 ms. */
  readonly peakTreeMb: number;
  /** Most threads the cloud process had: the main thread, Node's and V8's helpers, one per environment. */
  readonly peakThreads: number;
  /**
   * CPU time of the cloud process, user + system, all its threads, in seconds: what a change that
   * saves memory costs in work (the last sample before it exits, so up to 100 ms short).
   */
  readonly cpuSeconds: number;
  /**
   * The largest process's highest sampled anonymous RSS in MB (its own memory: heaps, queues,
   * LevelDB's caches; not the file-backed pages, such as LevelDB's mapped table files, which
   * the kernel may drop) while each quarter of the round trips was acknowledged (start-up and the
   * final reconciliation count in the first and last). Read from `npm start`'s progress lines.
   */
  readonly peakAnonByQuarterMb: Quarters<number>;
  /**
   * The median of the same samples in each quarter: the level memory holds there, which a short
   * high (a collection not yet run, a compaction) does not move. Flatness is judged on it.
   */
  readonly medianAnonByQuarterMb: Quarters<number>;
}

const SAMPLE_MS = 100;

/** The last `acknowledged N` of `npm start`'s progress lines in `text`, if any. */
export function lastAcknowledged(text: string): number | undefined {
  const matches = [...text.matchAll(/\backnowledged (\d+)/g)];
  const last = matches.at(-1);
  return last ? Number(last[1]) : undefined;
}

/** One value for each quarter of a run's round trips. */
type Quarters<T> = readonly [T, T, T, T];
type Quarter = 0 | 1 | 2 | 3;

/** Which quarter of `requests` round trips `acknowledged` falls in: 0 to 3. */
export function quarterOf(acknowledged: number, requests: number): Quarter {
  return Math.min(3, Math.floor((acknowledged * 4) / requests)) as Quarter;
}

/**
 * The memory of `npm start`'s process tree, sampled: the cloud is its engine (the largest process
 * other than a runtime host) plus its runtime hosts, summed sample by sample.
 */
class CloudSampler {
  private readonly hwm = new Map<number, number>();
  private readonly cpu = new Map<number, number>();
  private readonly hosts = new Set<number>();
  private readonly byQuarter: [number, number, number, number] = [0, 0, 0, 0];
  private readonly samplesByQuarter: [number[], number[], number[], number[]] = [[], [], [], []];
  private peakTree = 0;
  private peakThreads = 0;
  private peakCloud = 0;
  private peakHosts = 0;

  sample(root: number, quarter: Quarter): void {
    let sum = 0;
    let hostsRss = 0;
    let hostsAnon = 0;
    let engine = { rss: 0, anon: 0 };
    for (const pid of processTree(root)) {
      const s = status(pid);
      if (!s) continue;
      sum += s.rss;
      // Asked again until it is one: a host just forked still has its parent's command line
      // until it execs its own.
      if (this.hosts.has(pid) || isRuntimeHost(pid)) {
        this.hosts.add(pid);
        hostsRss += s.rss;
        hostsAnon += s.anon;
      } else if (s.rss > engine.rss) engine = s;
      this.hwm.set(pid, Math.max(this.hwm.get(pid) ?? 0, s.hwm));
      this.peakThreads = Math.max(this.peakThreads, s.threads);
      const seconds = cpuSeconds(pid);
      if (seconds !== undefined) this.cpu.set(pid, seconds);
    }
    const anon = (engine.anon + hostsAnon) / 1024;
    this.peakTree = Math.max(this.peakTree, sum);
    this.peakCloud = Math.max(this.peakCloud, engine.rss + hostsRss);
    this.peakHosts = Math.max(this.peakHosts, hostsRss);
    this.byQuarter[quarter] = Math.max(this.byQuarter[quarter], anon);
    this.samplesByQuarter[quarter].push(anon);
  }

  result(): Omit<StartMemoryResult, 'requests' | 'seconds'> {
    const engine = [...this.hwm]
      .filter(([pid]) => !this.hosts.has(pid))
      .reduce((a, b) => (b[1] > a[1] ? b : a), [0, 0])[0];
    return {
      cpuSeconds: [engine, ...this.hosts].reduce((sum, pid) => sum + (this.cpu.get(pid) ?? 0), 0),
      peakProcessMb: this.peakCloud / 1024,
      peakHostsMb: this.peakHosts / 1024,
      peakTreeMb: this.peakTree / 1024,
      peakThreads: this.peakThreads,
      peakAnonByQuarterMb: this.byQuarter,
      medianAnonByQuarterMb: this.samplesByQuarter.map((samples) => median(samples)) as [
        number,
        number,
        number,
        number,
      ],
    };
  }
}

/**
 * Runs `npm start -- --requests N` to the end, sampling the memory of its process tree, and fails
 * unless it exits 0 (every round trip reconciled); tells `say` every few seconds how far it got.
 * Linux only (/proc).
 */
export function measureStartMemory(
  requests: number,
  say: (text: string) => void = () => {},
): Promise<StartMemoryResult> {
  const started = performance.now();
  const args = ['start', '--', '--requests', String(requests), '--port', '0'];
  return new Promise<StartMemoryResult>((resolve, reject) => {
    const child = spawn('npm', args, {
      cwd: REPO_ROOT,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let quarter: Quarter = 0;
    let acknowledgedSoFar = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      output = (output + chunk).slice(-2000);
      // Whole lines only: a chunk may end inside a number. A run never goes back a quarter.
      const text = String(chunk);
      const acknowledged = lastAcknowledged(text.slice(0, text.lastIndexOf('\n') + 1));
      if (acknowledged !== undefined) {
        acknowledgedSoFar = acknowledged;
        quarter = Math.max(quarter, quarterOf(acknowledged, requests)) as Quarter;
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output = (output + chunk).slice(-2000);
    });
    const sampler = new CloudSampler();
    const timer = setInterval(() => {
      if (child.pid !== undefined) sampler.sample(child.pid, quarter);
    }, SAMPLE_MS);
    const heartbeat = setInterval(() => {
      const seconds = ((performance.now() - started) / 1000).toFixed(0);
      say(`  npm start --requests ${requests}: ${seconds} s, ${acknowledgedSoFar} acknowledged`);
    }, HEARTBEAT_MS);
    const done = () => {
      clearInterval(timer);
      clearInterval(heartbeat);
    };
    child.on('error', (error) => {
      done();
      reject(error);
    });
    child.on('close', (code) => {
      done();
      if (code !== 0) {
        reject(new Error(`npm start --requests ${requests} exited ${code}:\n${output}`));
        return;
      }
      resolve({ requests, seconds: (performance.now() - started) / 1000, ...sampler.result() });
    });
  });
}

/** How often a run in progress says how far it got. */
const HEARTBEAT_MS = 10_000;

/**
 * Measures each count in turn, after making sure the assembly is cached (no synth in the
 * figures), telling `say` as each run starts and ends and how far a long one got.
 */
export async function measureMemory(
  counts: readonly number[],
  say: (text: string) => void = (text) => console.log(text),
): Promise<StartMemoryResult[]> {
  synthesize(`${REPO_ROOT}/.local-cloud/cdk.out`);
  const results: StartMemoryResult[] = [];
  for (const requests of counts) {
    say(`  npm start --requests ${requests}...`);
    const result = await measureStartMemory(requests, say);
    say(
      `  npm start --requests ${requests}: ${result.seconds.toFixed(1)} s, peak ${result.peakProcessMb.toFixed(0)} MB`,
    );
    results.push(result);
  }
  return results;
}

/** What the memory section measures, as its heading says. */
export const MEMORY_HEADING =
  'Peak memory of `npm start -- --requests N` (RSS sampled from /proc every 100 ms)';

/** The goal: the cloud's peak for this many requests under `GOAL_MB`, and flat as the count grows. */
const GOAL_REQUESTS = 10_000;
const GOAL_MB = 500;

/**
 * The counts the memory section measures by default, short enough for the whole bench to finish
 * in a few minutes. The goal's count and a run long enough to read flatness in (120,000) take
 * most of the bench's time on 2 cores: `npm run bench -- --long` (`LONG_MEMORY_COUNTS`).
 */
export const DEFAULT_MEMORY_COUNTS = '100,1000';
/** The counts `--long` measures: the default's, the goal's, and a run to read flatness in. */
export const LONG_MEMORY_COUNTS = '100,1000,10000,120000';

/** MB per 1,000 round trips between two peaks `requests` round trips apart. */
export function slopePerThousand(fromMb: number, toMb: number, requests: number): number {
  return ((toMb - fromMb) / requests) * 1000;
}

const signed = (n: number): string => `${n >= 0 ? '+' : ''}${n.toFixed(1)}`;

/**
 * How much a run's median anonymous RSS may rise from its third quarter to its last and still
 * count as flat, in MB per 1,000 round trips: 9 MB over the 30,000 round trips of a
 * 120,000-request run's quarter. The tables' items alone, were they in memory, would rise about 1.1.
 */
export const FLAT_MB_PER_THOUSAND = 0.3;

/** Prints the results as tables, with the goal and how the peak grows as the count grows. */
export function printMemory(results: readonly StartMemoryResult[], heading: string): void {
  console.log(heading);
  console.log(
    table(
      [
        'npm start --requests',
        'seconds',
        'cloud CPU-s',
        'cloud peak RSS MB',
        'of it hosts MB',
        'tree peak RSS MB',
        'threads',
      ],
      results.map((r) => [
        r.requests.toLocaleString('en'),
        r.seconds.toFixed(1),
        r.cpuSeconds.toFixed(1),
        r.peakProcessMb.toFixed(0),
        r.peakHostsMb.toFixed(0),
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
    const slope = slopePerThousand(from.peakProcessMb, r.peakProcessMb, r.requests - from.requests);
    return `${count(from.requests)} -> ${count(r.requests)}: ${signed(slope)} MB per 1,000`;
  });
  console.log(
    `   goal: cloud peak under ${GOAL_MB} MB at ${count(GOAL_REQUESTS)} requests: ${verdict}; peak from one run to the next: ${slopes.length > 0 ? slopes.join(', ') : 'one count only'}; the assembly was cached, so no synth ran`,
  );
  const long = results.filter((r) => r.requests >= QUARTERS_FROM);
  if (long.length === 0) return;
  console.log(
    table(
      [
        'within one run',
        'anon MB by quarter: median',
        'peak',
        'medians, third -> last, MB per 1,000',
        'flat',
      ],
      long.map((r) => {
        const slope = slopePerThousand(
          r.medianAnonByQuarterMb[2],
          r.medianAnonByQuarterMb[3],
          r.requests / 4,
        );
        const quarters = (mbs: readonly number[]) => mbs.map((mb) => mb.toFixed(0)).join(' / ');
        return [
          count(r.requests),
          quarters(r.medianAnonByQuarterMb),
          quarters(r.peakAnonByQuarterMb),
          signed(slope),
          slope <= FLAT_MB_PER_THOUSAND ? 'yes' : 'no',
        ];
      }),
    ),
  );
  console.log(
    `   anonymous RSS of the cloud (its own memory, without file-backed pages such as LevelDB's mapped table files), sampled every ${SAMPLE_MS} ms while each quarter of the round trips was acknowledged: the median of each quarter's samples, the level memory holds, and their peak; flat: the last quarter's median no more than ${FLAT_MB_PER_THOUSAND} MB per 1,000 round trips above the third's (the first half holds start-up and warm-up, which lasts about 60,000 round trips). The tables are on disk, as npm start keeps them; in memory their items would add about 1.1 MB per 1,000 round trips to the engine's heap`,
  );
}

/**
 * Runs shorter than this are not read by quarters: the cloud's own memory rises until about 60,000
 * round trips (the environments warming up, the log groups filling), so flatness is judged on a
 * run's second half, and in a shorter run that half is still warm-up. A 150,000-request run,
 * sampled every 250 ms, had median anonymous RSS per 15,000 round trips of 378, 409, 418, 423,
 * 425, 427, 425, 425, 428 and 427 MB: quarters of a 60,000-request run compare 418 with 423, the
 * end of the warm-up, and four such runs read +0.1, +0.1, +0.1 and +0.5 MB per 1,000.
 */
const QUARTERS_FROM = 120_000;

/** Parses `100,1000,10000`. */
export function parseCounts(value: string): number[] {
  const counts = value.split(',').map(Number);
  if (counts.length === 0 || counts.some((n) => !Number.isInteger(n) || n < 1 || n > 1_000_000)) {
    throw new Error(`--requests takes counts from 1 to 1000000 separated by commas, got ${value}`);
  }
  return counts;
}

const OPTIONS = {
  requests: {
    type: 'string',
    default: DEFAULT_MEMORY_COUNTS,
    placeholder: 'N,N...',
    description: 'counts of requests, each a fresh npm start, 1 to 1000000 separated by commas',
  },
} as const satisfies OptionSpecs;

/** What `npx tsx bench/memory.ts --help` says. */
export const MEMORY_BENCH: CommandSpec<typeof OPTIONS> = {
  invocation: 'npx tsx bench/memory.ts',
  summary:
    'Peak memory of `npm start -- --requests N` for each count, and runs of 120,000 or more read by quarters to tell whether memory stays flat. `npm run bench` runs it as its section 5.',
  options: OPTIONS,
  examples: ['npx tsx bench/memory.ts', `npx tsx bench/memory.ts --requests ${LONG_MEMORY_COUNTS}`],
};

/** The script's main, given its parsed options. */
export const memoryBench: CommandMain<typeof OPTIONS> = async (values) => {
  let counts: number[];
  try {
    counts = parseCounts(values.requests);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  printMemory(await measureMemory(counts), 'Peak memory of `npm start -- --requests N`');
  return 0;
};

if (isMain(import.meta.url)) runCommand(MEMORY_BENCH, memoryBench);
