/**
 * `npm run bench`: the cold-start proxy, cost per million round trips, local throughput, time
 * to first round trip, hot reload and memory, measured in one run, printed as tables and written
 * to bench/results.json. Each section says when it starts; the long memory run is `--long`'s.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import {
  type CommandSpec,
  integerOption,
  isMain,
  type OptionSpecs,
  type parse,
  runCommand,
  UsageError,
} from '../commands/cli';
import {
  DEFAULT_MEMORY_COUNTS,
  LONG_MEMORY_COUNTS,
  MEMORY_HEADING,
  measureMemory,
  parseCounts,
  printMemory,
} from './memory';
import { orFailure, REPO_ROOT } from './util';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const OPTIONS = {
  'round-trips': {
    type: 'string',
    default: '3000',
    placeholder: 'N',
    description: 'round trips for the cost and throughput runs, 100 to 100000',
  },
  runs: {
    type: 'string',
    default: '15',
    placeholder: 'N',
    description: 'fresh processes per bundle for the cold-start medians, 10 to 1000',
  },
  'skip-start': {
    type: 'boolean',
    default: false,
    description: 'do not time `npm start -- --requests 1`',
  },
  out: {
    type: 'string',
    placeholder: 'FILE',
    description: 'where to write the results as JSON (default: bench/results.json)',
  },
  'memory-requests': {
    type: 'string',
    placeholder: 'N,N,...',
    description: `request counts whose \`npm start\` peak RSS is measured, comma-separated (default: ${DEFAULT_MEMORY_COUNTS}; with --long ${LONG_MEMORY_COUNTS})`,
  },
  long: {
    type: 'boolean',
    default: false,
    description:
      'add the 10,000-request memory run (the goal) and the 120,000-request one that shows whether memory stays flat (about ten minutes more on 2 cores)',
  },
  only: {
    type: 'string',
    placeholder: 'memory',
    description: 'run only this section (memory)',
  },
} as const satisfies OptionSpecs;

/** What `npm run bench -- --help` says. */
export const BENCH: CommandSpec<typeof OPTIONS> = {
  invocation: 'npm run bench --',
  summary:
    'Measures the cold-start proxy, the cost per million round trips, local throughput against bare emulators, the time to the first round trip of `npm start`, hot reload and memory; prints tables and writes the figures as JSON. Under 3 minutes on 2 cores, each section saying when it starts; --long adds the 10,000- and 120,000-request memory runs.',
  options: OPTIONS,
  examples: [
    'npm run bench',
    'npm run bench -- --long',
    'npm run bench -- --round-trips 500 --runs 10 --skip-start',
    'npm run bench -- --only memory --memory-requests 1000,10000',
  ],
};

/** The options as the bench reads them. */
export function benchOptions(values: ReturnType<typeof parse<typeof OPTIONS>>) {
  return {
    roundTrips: integerOption('round-trips', values['round-trips'], { min: 100, max: 100_000 }),
    // The medians are only worth quoting over at least ten fresh processes.
    runs: integerOption('runs', values.runs, { min: 10, max: 1000 }),
    skipStart: values['skip-start'],
    out: values.out ? resolve(values.out) : join(REPO_ROOT, 'bench', 'results.json'),
    memoryRequests: memoryCounts(
      values['memory-requests'] ?? (values.long ? LONG_MEMORY_COUNTS : DEFAULT_MEMORY_COUNTS),
    ),
    only: onlySection(values.only),
  };
}

function memoryCounts(value: string): number[] {
  try {
    return parseCounts(value);
  } catch (error) {
    throw new UsageError(`--memory-requests: ${(error as Error).message}`);
  }
}

function onlySection(value: string | undefined): 'memory' | undefined {
  if (value === undefined || value === 'memory') return value;
  throw new UsageError(`--only takes memory, got ${JSON.stringify(value)}`);
}

type Options = ReturnType<typeof benchOptions>;

async function main(opts: Options): Promise<void> {
  const startedAt = new Date();
  const benchStarted = performance.now();
  console.log(
    `string-pipeline benchmarks: Node ${process.version}, ${cpus().length} CPUs, ${startedAt.toISOString()}`,
  );
  if (opts.only === 'memory') {
    printMemory(await measureMemory(opts.memoryRequests), `\n${MEMORY_HEADING}`);
    return;
  }
  const section = sectionAnnouncer(benchStarted);
  const measured = await measureSections(opts, section);
  // Save-to-new-code of `npm run dev`.
  const { measureHotReload, reportHotReload } = await import('./hot-reload');
  section('4b. hot reload of npm run dev');
  const hotReload = await orFailure(measureHotReload());
  reportHotReload(hotReload);
  // 5. Memory, last: each count is a fresh npm start.
  section(`5. memory of npm start -- --requests ${opts.memoryRequests.join(', ')}`);
  const memory = await measureMemory(opts.memoryRequests);
  printMemory(memory, `\n5. ${MEMORY_HEADING}`);
  const results = {
    timestamp: startedAt.toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    options: { roundTrips: opts.roundTrips, runs: opts.runs },
    benchSeconds: (performance.now() - benchStarted) / 1000,
    ...measured,
    hotReload,
    memory,
  };
  writeFileSync(opts.out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(
    `\nWrote ${relative(process.cwd(), opts.out)} in ${results.benchSeconds.toFixed(0)} s.`,
  );
}

/** Sections 1 to 4: cold start, the first round trip, then cost and throughput from one run. */
async function measureSections(opts: Options, section: (what: string) => void) {
  // Loaded only now: `--help` and a bad option answer without them (about 1 CPU-s).
  const [
    { synthesize },
    { replayOnBareEmulators },
    { assetBytes, measureColdStarts, reportColdStart },
    { reportCost },
    { reportFirstRoundTrip, timeFirstRoundTrips },
    { runOnLocalCloud },
    { reportThroughput },
  ] = await Promise.all([
    import('../local/stack/synth'),
    import('./bare-emulators'),
    import('./cold-start'),
    import('./cost-report'),
    import('./first-round-trip'),
    import('./local-run'),
    import('./throughput'),
  ]);
  // 1. Cold start, first, while nothing else runs on the machine.
  section(`1. cold-start proxy: ${opts.runs} fresh processes per bundle`);
  const coldStartResults = await measureColdStarts({ runs: opts.runs });
  // 4. npm start, before this process starts emulators of its own.
  if (!opts.skipStart) section('4. first round trip of npm start, cold and warm');
  const firstRoundTrip = opts.skipStart ? undefined : await orFailure(timeFirstRoundTrips());

  // 2 and 3. One local-cloud run feeds both the cost model and the throughput ratio.
  const assemblyRoot = mkdtempSync(join(tmpdir(), 'bench-assembly-'));
  try {
    section(`2 and 3. ${opts.roundTrips} round trips on the local cloud, then on bare emulators`);
    const assemblyDir = synthesize(join(assemblyRoot, 'cdk.out'));
    const assets = assetBytes(assemblyDir);
    const run = await runOnLocalCloud({ assemblyDir, roundTrips: opts.roundTrips });
    const replay = {
      roundTrips: opts.roundTrips,
      mappings: run.mappings,
      targetCalls: run.metrics.calls,
    };
    const bare = await replayOnBareEmulators(replay);
    // The same replay through the endpoint, signed as a role session: the endpoint's and IAM's
    // own share of the gap above, apart from the engine's (worker threads, pollers).
    const bareViaEndpoint = await replayOnBareEmulators({ ...replay, via: 'endpoint' });
    const coldStart = reportColdStart(coldStartResults, opts.runs, assets);
    const cost = reportCost(run);
    const throughput = reportThroughput(run, bare, bareViaEndpoint);
    reportFirstRoundTrip(firstRoundTrip);
    return { coldStart, cost, throughput, firstRoundTrip: firstRoundTrip ?? 'skipped' };
  } finally {
    rmSync(assemblyRoot, { recursive: true, force: true });
  }
}

/** Says, with the time since the bench started, which section begins: progress from the start. */
function sectionAnnouncer(benchStarted: number): (what: string) => void {
  return (what) => {
    const seconds = ((performance.now() - benchStarted) / 1000).toFixed(0);
    console.log(`\n[${seconds} s] ${what}...`);
  };
}

if (isMain(import.meta.url)) {
  runCommand(BENCH, async (values) => {
    await main(benchOptions(values));
    return 0;
  });
}
