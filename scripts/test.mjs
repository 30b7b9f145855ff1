/**
 * `npm test`: Biome first (a second), then the type checker and vitest side by side. The type
 * checker is tsgo, TypeScript 7's native compiler (preview): the same errors as tsc 5.9 on this
 * code base in 4 CPU-s instead of 17 (`npm run build` runs tsc). vitest keeps the 2 cores busy,
 * so tsgo runs at the lowest priority in what is left instead of before it, and never takes the
 * CPU a time-scaled test asks for. Its report is printed after vitest's; the exit code is the
 * first failure's.
 * Arguments go to vitest. A file or `--project` picks the tests (`npm test -- test/unit`); without
 * either, the projects below run, with any other options (`npm test -- --reporter=dot`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { constants, setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';

/**
 * Colours only on a terminal, and never with NO_COLOR set: vitest colours its output unless told
 * otherwise, terminal or not, and tsgo's `--pretty` forces them, so a piped run (a CI log, `| tee`)
 * was full of escape codes.
 */
const colour =
  process.stdout.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
const childEnv = { ...process.env };
if (!colour) {
  childEnv.NO_COLOR = '1';
  delete childEnv.FORCE_COLOR;
}

/** A file of an installed package, by path: not every package exports its CLI. */
const pkg = (path) => fileURLToPath(new URL(`../node_modules/${path}`, import.meta.url));
const NPM_TEST_PROJECTS = [
  '--project',
  'unit',
  '--project',
  'infra',
  '--project',
  'cli',
  '--project',
  'local',
];

/** Runs a package's CLI with this Node; resolves with its exit code and, if piped, its output. */
function run(script, args, { quiet = false } = {}) {
  const child = spawn(process.execPath, [pkg(script), ...args], {
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
  return { child, done };
}

const biome = spawnSync(
  process.execPath,
  [pkg('@biomejs/biome/bin/biome'), 'check', ...(colour ? [] : ['--colors=off']), '.'],
  { stdio: 'inherit', env: childEnv },
);
if (biome.status !== 0) process.exit(biome.status ?? 1);

const typeCheck = run(
  '@typescript/native-preview/bin/tsgo',
  // One thread: it runs beside vitest, which needs the cores more, and several checkers each
  // check the shared declarations again (6.7 CPU-s single-threaded against 9.2 on 2 cores).
  ['--noEmit', '--singleThreaded', ...(colour ? ['--pretty'] : ['--pretty', 'false'])],
  { quiet: true },
);
try {
  setPriority(typeCheck.child.pid ?? 0, constants.priority.PRIORITY_LOW);
} catch {
  // Not allowed here: it then competes at normal priority, which only costs time.
}
const args = process.argv.slice(2);
// Options take the `--name=value` form here: a separate value would read as a file filter.
const picksTests = args.some(
  (a) => !a.startsWith('-') || a === '--project' || a.startsWith('--project='),
);
const vitest = run('vitest/vitest.mjs', ['run', ...(picksTests ? [] : NPM_TEST_PROJECTS), ...args]);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    typeCheck.child.kill(signal);
    vitest.child.kill(signal);
  });
}

const [types, tests] = await Promise.all([typeCheck.done, vitest.done]);
if (types.code === 0) console.log('tsgo --noEmit: no type errors');
else process.stdout.write(`\ntsgo --noEmit found type errors:\n${types.output}`);
process.exit(tests.code !== 0 ? tests.code : types.code);
