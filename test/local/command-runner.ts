/**
 * Two ways to run a command in a test. {@link spawnCommand} starts its script in its own process,
 * precompiled as `npm run` runs it: the real process, exit code and streams.
 * {@link runCommandInProcess} runs the same parsing and `main` in this process through
 * {@link executeCommand}, the function the script itself calls, capturing what it prints: for the
 * many cases (bad values, missing arguments, output formats) where a process adds only cost.
 */
import { execFile } from 'node:child_process';
import { format, promisify } from 'node:util';
import {
  type CommandMain,
  type CommandSpec,
  executeCommand,
  type OptionSpecs,
} from '../../commands/cli';
import { nodeArguments } from '../../commands/precompile.mjs';

const execFileAsync = promisify(execFile);

/** What a command printed and how it exited. */
export interface CommandRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `commands/<script>.ts` (or `bench/…` given with its folder) in a child process.
 * Asynchronously: the emulators some commands talk to may run in this process. A command runs
 * precompiled, as commands/launch.mjs runs it for `npm run`, without the launcher's own process
 * (tests spawn that where its path is what is tested); a benchmark runs under tsx's loader, as
 * `npm run bench` runs it, without the `tsx` command's own process, which only relays signals.
 */
export async function spawnCommand(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<CommandRun> {
  const nodeArgs = script.includes('/')
    ? ['--import', 'tsx', `${script}.ts`, ...args]
    : await nodeArguments(`commands/${script}.ts`, args);
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, nodeArgs, {
      timeout: 60_000,
      env: { MALLOC_ARENA_MAX: '2', ...env },
    });
    return { status: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { status: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** The in-process runs, one after another: each swaps the process's console while it runs. */
let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs a command's `main` with `argv` in this process, as its script would, and returns what it
 * wrote to the console (and to process.stdout/stderr) and its exit code. Calls made at the same
 * time run one after another.
 */
export function runCommandInProcess<O extends OptionSpecs>(
  spec: CommandSpec<O>,
  main: CommandMain<O>,
  argv: readonly string[],
): Promise<CommandRun> {
  const run = queue.then(() => capture(spec, main, argv));
  queue = run.catch(() => {});
  return run;
}

async function capture<O extends OptionSpecs>(
  spec: CommandSpec<O>,
  main: CommandMain<O>,
  argv: readonly string[],
): Promise<CommandRun> {
  let stdout = '';
  let stderr = '';
  const saved = {
    log: console.log,
    error: console.error,
    warn: console.warn,
    out: process.stdout.write,
    err: process.stderr.write,
  };
  console.log = (...args: unknown[]) => {
    stdout += `${format(...args)}\n`;
  };
  console.error = (...args: unknown[]) => {
    stderr += `${format(...args)}\n`;
  };
  console.warn = console.error;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  }) as typeof process.stderr.write;
  try {
    const status = await executeCommand(spec, main, [...argv], {
      out: (text) => {
        stdout += `${text}\n`;
      },
      err: (text) => {
        stderr += `${text}\n`;
      },
    });
    return { status, stdout, stderr };
  } finally {
    Object.assign(console, { log: saved.log, error: saved.error, warn: saved.warn });
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
  }
}
