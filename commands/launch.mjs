// @ts-check
/**
 * The launcher of every `npm run` command but the benchmarks (`npm start`, `npm run dev`,
 * `npm run inspect`...): runs a TypeScript command (`node commands/launch.mjs commands/start.ts
 * ARGS`) in a Node process set up for a long-running local cloud, and exits as it exits. It takes
 * the place of the `tsx` command's process, so it costs no extra process, and never kills the
 * command: the tsx command SIGKILLs a child that has not acknowledged a relayed Ctrl-C within
 * about 60 ms, as a cloud on a loaded machine may not have, which then dies without stopping.
 *
 * The command runs precompiled (./precompile.mjs): bundled into JavaScript, rebuilt whenever a
 * file it is made from changes, with no TypeScript loader in its process: tsx's loader took a
 * good part of the engine's memory (its hooks run in a thread of their own, with a V8 isolate; see
 * docs/benchmarks.md), and the short commands (`inspect`, `send`, `logs`) start in about two
 * thirds of the time. Should the build fail, the command runs under tsx's loader instead.
 *
 * What it sets must be set before Node starts: the engine's young generation (ENGINE_NODE_FLAGS),
 * and `MALLOC_ARENA_MAX=2`. glibc gives each thread that allocates its own malloc arena, up to 8
 * per core, and every execution environment is a thread; their arenas held much freed memory,
 * which an arena keeps; with two, the cloud's peak RSS fell markedly for no CPU we could measure.
 * Ignored where malloc is not glibc's (macOS, Windows, musl). A value already set wins.
 *
 * Plain JavaScript, so that it runs before any TypeScript loader exists.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { nodeArguments, stopBundler } from './precompile.mjs';

const USAGE = 'usage: node commands/launch.mjs SCRIPT.ts [ARGS...]';
const [script, ...args] = process.argv.slice(2);
if (script === '--help' || script === '-h') {
  console.log(
    `${USAGE}\n\nRuns a TypeScript command precompiled, with 8 MB semi-spaces and MALLOC_ARENA_MAX=2, as npm start and the other npm run commands do.\nExample: node commands/launch.mjs commands/start.ts --requests 10000`,
  );
  process.exit(0);
}
if (!script || script.startsWith('-')) {
  console.error(script ? `Unknown option ${script}; ${USAGE}` : USAGE);
  process.exit(2);
}

/**
 * The engine's young generation: two 8 MB semi-spaces instead of Node's 16. `npm start --
 * --requests 10000` peaked 15-18 MB lower in the engine (148-150 MB against 162-165, three runs
 * each, alternated) for no more CPU (126-131 CPU-s against 128-147).
 */
const ENGINE_NODE_FLAGS = ['--max-semi-space-size=8'];

const nodeArgs = await nodeArguments(script, args);
await stopBundler();
const child = spawn(process.execPath, [...ENGINE_NODE_FLAGS, ...nodeArgs], {
  stdio: 'inherit',
  env: { MALLOC_ARENA_MAX: '2', ...process.env },
});

// Ctrl-C reaches the child too (the same process group): it stops the cloud and says so, then
// exits, and so do we. What is sent to this process alone (npm passes on the signals it gets) is
// passed on as well; the child takes a SIGINT following soon after another as the same Ctrl-C
// (`onInterrupt` in ctrl-c.ts). Not on Windows, where Ctrl-C reaches every process of the console
// and "passing on" a SIGINT ends the child at once, before it can stop the cloud.
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
  process.on(signal, () => {
    if (signal !== 'SIGINT' || process.platform !== 'win32') child.kill(signal);
  });
}
child.on('error', (error) => {
  console.error(`Could not start ${script}: ${error.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0));
});
