/**
 * `npm run bench:tests`: wall time of `npm test` as it runs (Biome, then tsgo beside its two vitest
 * runs), of each step alone, and the test files that cost the most CPU, with the processes they
 * start (on Linux; elsewhere by wall time, as vitest reports it). On 2 cores the suite is bound by
 * CPU, so a file's CPU seconds are what it costs the run. A figure to watch, not a test: nothing
 * here fails on time.
 *
 *   npx tsx bench/test-time.ts [--top N]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { type CommandSpec, integerOption, type OptionSpecs, runCommand } from '../commands/cli';
import { watchTreeCpu } from './process-cpu';
import { REPO_ROOT, table } from './util';

/** One step of `npm test`. */
interface Step {
  readonly name: string;
  readonly seconds: number;
  /** Its processes' CPU seconds; `undefined` without /proc. */
  readonly cpuSeconds: number | undefined;
  readonly ok: boolean;
}

/**
 * Runs a step to its end, watching its processes' CPU: a test worker's runtime host outlives the
 * worker, so its time never reaches this process's children's total (see watchTreeCpu).
 */
async function timed(name: string, command: string, args: string[], env = process.env) {
  const started = performance.now();
  const child = spawn(command, args, { cwd: REPO_ROOT, stdio: 'ignore', env });
  const cpu = watchTreeCpu(child.pid ?? -1);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    name,
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: cpu.stop(),
    ok: code === 0,
  } satisfies Step;
}

/** Seconds with one decimal, or `n/a`. */
const seconds = (value: number | undefined) => (value === undefined ? 'n/a' : value.toFixed(1));

const OPTIONS = {
  top: {
    type: 'string',
    default: '8',
    placeholder: 'N',
    description: 'how many test files to list, those costing the most CPU first, 1 to 100',
  },
} as const satisfies OptionSpecs;

const SPEC: CommandSpec<typeof OPTIONS> = {
  invocation: 'npm run bench:tests --',
  summary:
    'Times `npm test` as it runs (Biome, then tsgo beside its two vitest runs) and each step alone, and lists the test files that cost the most CPU with the processes they start (on Linux; elsewhere the slowest, as vitest reports them). A figure to watch; nothing fails on time.',
  options: OPTIONS,
  examples: ['npm run bench:tests', 'npm run bench:tests -- --top 20'],
};

/** What vitest's JSON reporter says of a test file. */
interface FileResult {
  name: string;
  startTime: number;
  endTime: number;
  message?: string;
  assertionResults: { title: string; status: string; failureMessages?: string[] }[];
}

/** Each step alone, then `npm test` as it runs, each file's CPU to `cpuFile`. */
async function runSteps(report: string, cpuFile: string): Promise<Step[]> {
  const bin = (name: string) => join(REPO_ROOT, 'node_modules', '.bin', name);
  // Biome, then tsgo (low priority) beside vitest; tsc (what `npm run build` runs) to compare.
  return [
    await timed('biome check .', bin('biome'), ['check', '.']),
    await timed('tsgo --noEmit', bin('tsgo'), ['--noEmit']),
    await timed('tsc --noEmit (npm run build)', bin('tsc'), ['--noEmit']),
    await timed(
      'npm test (tsgo beside two vitest runs)',
      process.execPath,
      // With options only, scripts/test.mjs runs the projects `npm test` runs.
      [join(REPO_ROOT, 'scripts', 'test.mjs'), '--reporter=json', `--outputFile=${report}`],
      { ...process.env, BENCH_TEST_CPU_FILE: cpuFile },
    ),
  ];
}

/** A failed run says what failed: the JSON reporter prints nothing else. */
function printFailures(results: readonly FileResult[]): void {
  for (const file of results) {
    const where = relative(REPO_ROOT, file.name);
    if (file.message) console.log(`FAILED ${where}: ${file.message.split('\n')[0]}`);
    for (const test of file.assertionResults.filter((t) => t.status === 'failed')) {
      console.log(`FAILED ${where} > ${test.title}: ${test.failureMessages?.[0]?.split('\n')[0]}`);
    }
  }
}

/** CPU seconds by file, from the setup file's lines (bench/test-cpu-setup.ts). */
function cpuByFile(cpuFile: string): Map<string, number> {
  const byFile = new Map<string, number>();
  if (!existsSync(cpuFile)) return byFile;
  for (const line of readFileSync(cpuFile, 'utf8').split('\n').filter(Boolean)) {
    const { file, cpuSeconds } = JSON.parse(line) as { file: string; cpuSeconds: number };
    byFile.set(relative(REPO_ROOT, file), cpuSeconds);
  }
  return byFile;
}

/** The `top` files by CPU (or by wall time without CPU figures), with both. */
function printFiles(results: readonly FileResult[], cpu: Map<string, number>, top: number): void {
  const files = results
    .map((f) => {
      const name = relative(REPO_ROOT, f.name);
      return { name, seconds: (f.endTime - f.startTime) / 1000, cpuSeconds: cpu.get(name) };
    })
    .sort((a, b) => (b.cpuSeconds ?? b.seconds) - (a.cpuSeconds ?? a.seconds));
  const measured = files.filter((f) => f.cpuSeconds !== undefined);
  const total = measured.reduce((sum, f) => sum + (f.cpuSeconds ?? 0), 0);
  console.log(
    measured.length > 0
      ? `\nTest files by CPU, with the processes they start (${total.toFixed(1)} CPU-s in all ${measured.length} files; files run side by side, so wall times overlap)`
      : `\nSlowest test files (they run side by side, so these overlap; no CPU figures without /proc)`,
  );
  console.log(
    table(
      ['file', 'seconds', 'CPU-s'],
      files.slice(0, top).map((f) => [f.name, seconds(f.seconds), seconds(f.cpuSeconds)]),
    ),
  );
}

async function main(top: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-tests-'));
  try {
    const report = join(dir, 'vitest.json');
    const cpuFile = join(dir, 'cpu.jsonl');
    const steps = await runSteps(report, cpuFile);
    console.log('Wall time of `npm test`, and of its first steps alone, with their CPU time');
    console.log(
      table(
        ['step', 'seconds', 'CPU-s', 'result'],
        steps.map((s) => [
          s.name,
          seconds(s.seconds),
          seconds(s.cpuSeconds),
          s.ok ? 'passed' : 'FAILED',
        ]),
      ),
    );
    // scripts/test.mjs writes the unit and infrastructure run's report to vitest.quick.json.
    const results = [report, join(dir, 'vitest.quick.json')]
      .filter((file) => existsSync(file))
      .flatMap(
        (file) =>
          (JSON.parse(readFileSync(file, 'utf8')) as { testResults: FileResult[] }).testResults,
      );
    printFailures(results);
    printFiles(results, cpuByFile(cpuFile), top);
    // The last step is npm test itself.
    const last = steps.at(-1);
    const total = last?.seconds ?? Number.POSITIVE_INFINITY;
    console.log(
      `   goal: npm test under 60 s: ${total < 60 ? 'met' : 'MISSED'} (${total.toFixed(1)} s, ${seconds(last?.cpuSeconds)} CPU-s on ${availableParallelism()} cores)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

runCommand(SPEC, async (values) => {
  await main(integerOption('top', values.top, { min: 1, max: 100 }));
  return 0;
});
