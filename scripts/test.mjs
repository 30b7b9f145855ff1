/**
 * `npm test`: Biome first (a second) beside the synth of the pipeline's assembly (or its cache
 * hit), then three processes side by side: the local-cloud tests (vitest's `local` project), the
 * unit and infrastructure tests in one worker, and the type checker. The type
 * checker is tsgo, TypeScript 7's native compiler (preview): the same errors as tsc 5.9 on this
 * code base in 4 CPU-s instead of 17 (`npm run build` runs tsc). The local-cloud tests keep the 2
 * cores busy, so the type checker runs at the lowest priority in what is left and never takes the
 * CPU a time-scaled test asks for. The unit and infra run takes its share: at the lowest priority
 * it finished after the local-cloud tests, 74-81 s for npm test against 67-72 s (two runs each,
 * alternated). Their reports are printed after the local-cloud tests'; the exit code is the first
 * failure's.
 * Arguments go to vitest. A file or `--project` picks the tests (`npm test -- test/unit`), run in
 * one vitest run; without either, the runs above take any other options (`npm test --
 * --reporter=dot`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { constants, setPriority } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { childEnv, colour } from './colour.mjs';

/** A file of an installed package, by path: not every package exports its CLI. */
const pkg = (path) => fileURLToPath(new URL(`../node_modules/${path}`, import.meta.url));
/**
 * The unit and infrastructure tests, in one worker of their own: spread over vitest's three
 * workers, each worker loaded the modules again (aws-cdk-lib, the SDK clients), and alone the
 * two projects took 22.3 CPU-s against 14.4 in one worker. The whole of vitest, three runs each,
 * alternated: 79-89 s and 139-162 CPU-s as two runs, against 94-110 s and 157-186 CPU-s as one.
 */
const QUICK_PROJECTS = ['--project', 'unit', '--project', 'infra', '--maxWorkers=1'];
const LOCAL_PROJECTS = ['--project', 'local'];

/**
 * The unit and infrastructure run writes its report beside the local-cloud run's, not over it:
 * `--outputFile=out/vitest.json` becomes `out/vitest.quick.json` (`npm run bench:tests` reads both).
 */
const quickReport = (arg) =>
  /^--outputFile(\.\w+)?=/.test(arg) ? arg.replace(/(\.[^./=]*)?$/, '.quick$1') : arg;

/**
 * Runs a package's CLI (or a script under tsx) with this Node; resolves with its exit code and,
 * if piped, its output. `background` runs it at the lowest priority.
 */
function run(script, args, { quiet = false, background = false, nodeArgs = [] } = {}) {
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
    stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    env: childEnv,
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const done = new Promise((resolve) => {
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
  if (background) {
    try {
      setPriority(child.pid ?? 0, constants.priority.PRIORITY_LOW);
    } catch {
      // Not allowed here: it then competes at normal priority, which only costs time.
    }
  }
  return { child, done };
}

const args = process.argv.slice(2);
// Options take the `--name=value` form here: a separate value would read as a file filter.
const picksTests = args.some(
  (a) => !a.startsWith('-') || a === '--project' || a.startsWith('--project='),
);

// The assembly both vitest runs read: synthesized once here, while Biome checks the sources. A
// run of chosen tests is one vitest run, whose global setup synthesizes it if it needs it.
const synth = picksTests
  ? undefined
  : run(fileURLToPath(new URL('synth-assembly.ts', import.meta.url)), [], {
      quiet: true,
      nodeArgs: ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href],
    });
const biome = spawnSync(
  process.execPath,
  [pkg('@biomejs/biome/bin/biome'), 'check', ...(colour ? [] : ['--colors=off']), '.'],
  { stdio: 'inherit', env: childEnv },
);
if (biome.status !== 0) {
  synth?.child.kill();
  process.exit(biome.status ?? 1);
}
const synthesized = await synth?.done;
if (synthesized && synthesized.code !== 0) {
  process.stdout.write(`The pipeline does not synthesize:\n${synthesized.output}`);
  process.exit(synthesized.code);
}

const typeCheck = run(
  pkg('@typescript/native-preview/bin/tsgo'),
  // One thread: it runs beside vitest, which needs the cores more, and several checkers each
  // check the shared declarations again (6.7 CPU-s single-threaded against 9.2 on 2 cores).
  ['--noEmit', '--singleThreaded', ...(colour ? ['--pretty'] : ['--pretty', 'false'])],
  { quiet: true, background: true },
);
const VITEST = pkg('vitest/vitest.mjs');
const runs = picksTests
  ? [run(VITEST, ['run', ...args])]
  : [
      run(VITEST, ['run', ...LOCAL_PROJECTS, ...args]),
      run(VITEST, ['run', ...QUICK_PROJECTS, ...args.map(quickReport)], { quiet: true }),
    ];
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const { child } of [typeCheck, ...runs]) child.kill(signal);
  });
}

const results = await Promise.all(runs.map((r) => r.done));
const quick = results[1];
if (quick)
  process.stdout.write(`\nThe unit and infrastructure tests, beside them:\n${quick.output}`);
const types = await typeCheck.done;
if (types.code === 0) console.log('tsgo --noEmit: no type errors');
else process.stdout.write(`\ntsgo --noEmit found type errors:\n${types.output}`);
const failed = [...results, types].find((r) => r.code !== 0);
process.exit(failed?.code ?? 0);
