/**
 * `npm run bench:tests`: wall time of `npm test` as it runs (Biome, then tsgo beside vitest), of
 * each step alone, and of the slowest test files, as vitest reports them. A figure to watch, not a
 * test: nothing here fails on time.
 *
 *   npx tsx bench/test-time.ts [--top N]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { type CommandSpec, integerOption, type OptionSpecs, runCommand } from '../commands/cli';
import { REPO_ROOT, table } from './util';

/** One step of `npm test`. */
interface Step {
  readonly name: string;
  readonly seconds: number;
  readonly ok: boolean;
}

function timed(name: string, command: string, args: string[]): Step {
  const started = performance.now();
  const run = spawnSync(command, args, { cwd: REPO_ROOT, stdio: 'ignore' });
  return { name, seconds: (performance.now() - started) / 1000, ok: run.status === 0 };
}

const OPTIONS = {
  top: {
    type: 'string',
    default: '8',
    placeholder: 'N',
    description: 'how many of the slowest test files to list, 1 to 100',
  },
} as const satisfies OptionSpecs;

const SPEC: CommandSpec<typeof OPTIONS> = {
  invocation: 'npm run bench:tests --',
  summary:
    'Times `npm test` as it runs (Biome, then tsgo beside vitest) and each step alone, and lists the slowest test files as vitest reports them. A figure to watch; nothing fails on time.',
  options: OPTIONS,
  examples: ['npm run bench:tests', 'npm run bench:tests -- --top 20'],
};

function main(top: number): void {
  const bin = (name: string) => join(REPO_ROOT, 'node_modules', '.bin', name);
  const dir = mkdtempSync(join(tmpdir(), 'bench-tests-'));
  try {
    const report = join(dir, 'vitest.json');
    // Each step alone, then `npm test` as it runs: Biome, then tsgo (low priority) beside vitest;
    // tsc (what `npm run build` runs) for comparison.
    const steps = [
      timed('biome check .', bin('biome'), ['check', '.']),
      timed('tsgo --noEmit', bin('tsgo'), ['--noEmit']),
      timed('tsc --noEmit (npm run build)', bin('tsc'), ['--noEmit']),
      timed('npm test (tsgo beside vitest)', process.execPath, [
        // With options only, scripts/test.mjs runs the projects `npm test` runs.
        join(REPO_ROOT, 'scripts', 'test.mjs'),
        '--reporter=json',
        `--outputFile=${report}`,
      ]),
    ];
    console.log('Wall time of `npm test`, and of its first steps alone');
    console.log(
      table(
        ['step', 'seconds', 'result'],
        steps.map((s) => [s.name, s.seconds.toFixed(1), s.ok ? 'passed' : 'FAILED']),
      ),
    );
    const results = (
      JSON.parse(readFileSync(report, 'utf8')) as {
        testResults: {
          name: string;
          startTime: number;
          endTime: number;
          message?: string;
          assertionResults: { title: string; status: string; failureMessages?: string[] }[];
        }[];
      }
    ).testResults;
    // A failed run says what failed: the JSON reporter prints nothing else.
    for (const file of results) {
      const where = relative(REPO_ROOT, file.name);
      if (file.message) console.log(`FAILED ${where}: ${file.message.split('\n')[0]}`);
      for (const test of file.assertionResults.filter((t) => t.status === 'failed')) {
        console.log(
          `FAILED ${where} > ${test.title}: ${test.failureMessages?.[0]?.split('\n')[0]}`,
        );
      }
    }
    const files = results
      .map((f) => ({
        name: relative(REPO_ROOT, f.name),
        seconds: (f.endTime - f.startTime) / 1000,
      }))
      .sort((a, b) => b.seconds - a.seconds);
    console.log(`\nSlowest test files (they run in parallel, so these overlap)`);
    console.log(
      table(
        ['file', 'seconds'],
        files.slice(0, top).map((f) => [f.name, f.seconds.toFixed(1)]),
      ),
    );
    // The last step is npm test itself.
    const total = steps.at(-1)?.seconds ?? Number.POSITIVE_INFINITY;
    console.log(
      `   goal: npm test under 60 s: ${total < 60 ? 'met' : 'MISSED'} (${total.toFixed(1)} s)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

runCommand(SPEC, async (values) => {
  main(integerOption('top', values.top, { min: 1, max: 100 }));
  return 0;
});
