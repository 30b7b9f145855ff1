/**
 * Synthesizes the CDK app into a cloud assembly for the local cloud, in a child process, and reuses
 * an assembly already built from the same inputs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError, configFromContext } from '../../lib/config';
import { assemblySlot, hashInputs, holdAssembly } from './assembly-cache';

/** Options of {@link synthesize}, {@link synthesizeAsync} and {@link synthesizeSoon}. */
export interface SynthOptions {
  /** Show the CDK's and esbuild's output (bundling progress) as it comes. @default false */
  readonly verbose?: boolean;
  /**
   * The project whose app is synthesized: its `lib/app.ts`, `cdk.json` and the other inputs.
   * @default this repository
   */
  readonly root?: string;
}

/** The synth failed; `name` and `message` are those of the error the CDK app threw (`ConfigError`...). */
export class SynthError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    /** What the CDK app and esbuild printed, for a failure that is not the app's own error. */
    readonly output: string,
  ) {
    super(message);
  }
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = fileURLToPath(new URL('./synth-child.ts', import.meta.url));
/** What the synthesized assembly is made from, relative to the project's root. */
export const PROJECT_INPUTS = [
  'bin',
  'lib',
  'functions',
  'contract',
  'cdk.json',
  'package-lock.json',
  'tsconfig.json',
];
/** The synth's own code, in this repository, which shapes every assembly too. */
const TOOL_INPUTS = ['local/stack/synth.ts', 'local/stack/synth-child.ts'];

/**
 * Synthesizes the CDK app with the context of `cdk.json` plus `context` (string values, as
 * `-c key=value` passes them), bundling the handlers as `cdk synth` does, and returns the cloud
 * assembly directory: `outdir/<hash of the inputs>`. The inputs are the app's sources (`bin/`,
 * `lib/`, `functions/`), `cdk.json`, `package-lock.json`, `tsconfig.json` and the context; when an
 * assembly for the same inputs exists it is returned at once. The assembly is held for this
 * process (`holdAssembly`): no synth prunes it while the process runs, unless it releases it.
 *
 * The synth runs in a child process: aws-cdk-lib takes much memory, which the caller (a local
 * cloud that may run for hours) should not keep. Its output (bundling progress) is shown only with
 * `verbose`, or when it fails.
 *
 * @throws SynthError naming the app's error (e.g. `ConfigError` for a bad context value)
 */
export function synthesize(
  outdir: string,
  context: Record<string, string> = {},
  options: SynthOptions = {},
): string {
  const job = synthJob(outdir, context, options.root ?? ROOT);
  if (job.done) return job.assemblyDir;
  const run = spawnSync(process.execPath, job.args, {
    cwd: job.root,
    encoding: 'utf8',
    stdio: [
      'ignore',
      options.verbose ? 'inherit' : 'pipe',
      options.verbose ? 'inherit' : 'pipe',
      'pipe',
    ],
    env: job.env,
  });
  return job.finish({
    status: run.status,
    output: `${run.stdout ?? ''}${run.stderr ?? ''}`,
    report: String(run.output[3] ?? ''),
    cause: run.error?.message ?? `exit ${run.status ?? run.signal}`,
  });
}

/**
 * {@link synthesize} without blocking: the caller's event loop (a running local cloud) keeps
 * serving while the child synthesizes. Output is kept for the error, never shown.
 *
 * @throws SynthError naming the app's error
 */
export function synthesizeAsync(
  outdir: string,
  context: Record<string, string> = {},
  options: Pick<SynthOptions, 'root'> = {},
): Promise<string> {
  return Promise.resolve(synthesizeSoon(outdir, context, options));
}

/**
 * {@link synthesizeAsync}, but the assembly's directory itself when the cache has it, so that a
 * caller can tell a synth still to come from one done. A bad context value throws at once.
 *
 * @throws SynthError named `ConfigError` for a bad context value; the promise rejects with the
 *   app's error
 */
export function synthesizeSoon(
  outdir: string,
  context: Record<string, string> = {},
  options: Pick<SynthOptions, 'root'> & {
    /** Ends the child synth (it then rejects): its caller gave up. */
    readonly signal?: AbortSignal;
  } = {},
): string | Promise<string> {
  const job = synthJob(outdir, context, options.root ?? ROOT);
  if (job.done) return job.assemblyDir;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, job.args, {
      cwd: job.root,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      env: job.env,
      signal: options.signal,
    });
    let output = '';
    let report = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    (child.stdio[3] as NodeJS.ReadableStream | null)?.on('data', (chunk: Buffer) => {
      report += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (status, signal) => {
      try {
        resolve(job.finish({ status, output, report, cause: `exit ${status ?? signal}` }));
      } catch (error) {
        reject(error);
      }
    });
  });
}

/** How one child synth ended. */
interface ChildOutcome {
  readonly status: number | null;
  /** What the CDK app and esbuild printed. */
  readonly output: string;
  /** What the child wrote to file descriptor 3 when the app threw. */
  readonly report: string;
  /** Why the child ended, when it did not report an error of the app. */
  readonly cause: string;
}

/**
 * Refuses a bad context value or an unknown key as the app would, without the child process and
 * aws-cdk-lib it would take to hear it from the app: the same {@link SynthError}, named
 * `ConfigError`, at once.
 */
function checkContext(context: Record<string, string>, root: string): void {
  const cdkJson = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  try {
    configFromContext({ ...cdkJson.context, ...context });
  } catch (error) {
    if (error instanceof ConfigError) throw new SynthError(error.name, error.message, '');
    throw error;
  }
}

/**
 * One synth of `root`'s app with `context` into `outdir/<hash>`: done at once when that assembly
 * exists; otherwise the child's arguments, and `finish` to move its staging directory into place
 * (or turn its failure into a {@link SynthError}). Either way the assembly it names is held.
 */
function synthJob(outdir: string, context: Record<string, string>, root: string) {
  const slot = assemblySlot(outdir, inputsHash(context, root));
  if (slot.done) holdAssembly(slot.assemblyDir);
  else checkContext(context, root);
  return {
    root,
    assemblyDir: slot.assemblyDir,
    done: slot.done,
    args: [
      '--import',
      pathToFileURL(TSX_LOADER).href,
      CHILD,
      slot.staging,
      JSON.stringify(context),
      root,
    ],
    env: {
      ...process.env,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...directEsbuildEnv(),
    },
    finish(outcome: ChildOutcome): string {
      if (outcome.status !== 0) {
        slot.abandon();
        const reported = parseFailure(outcome.report);
        if (reported) throw new SynthError(reported.name, reported.message, outcome.output);
        throw new SynthError(
          'SynthError',
          `The CDK app failed to synthesize (${outcome.cause})${tail(outcome.output)}`,
          outcome.output,
        );
      }
      const assemblyDir = slot.commit();
      holdAssembly(assemblyDir);
      return assemblyDir;
    },
  };
}

/** Lines of a failed synth's output shown in its error: the end, where the cause is. */
const OUTPUT_LINES_SHOWN = 12;

/** The last lines of `output`, after a colon and a line break, or nothing for no output. */
function tail(output: string): string {
  const lines = output.trim().split('\n');
  if (lines.length === 1 && lines[0] === '') return '';
  const cut =
    lines.length > OUTPUT_LINES_SHOWN ? ['...', ...lines.slice(-OUTPUT_LINES_SHOWN)] : lines;
  return `:\n${cut.join('\n')}`;
}

const SYNTH_BIN = fileURLToPath(new URL('./synth-bin', import.meta.url));

/**
 * The environment variables under which CDK's bundling runs esbuild without npm: CDK bundles each
 * function through `npx --no-install esbuild`, and synth-bin/npx, first on this PATH, runs the
 * esbuild binary directly instead of starting the whole npm CLI for it, once per function.
 */
export function directEsbuildEnv(): { PATH: string; SYNTH_ESBUILD_BIN: string } {
  return {
    PATH: `${SYNTH_BIN}${delimiter}${process.env.PATH ?? ''}`,
    SYNTH_ESBUILD_BIN: join(ROOT, 'node_modules', '.bin', 'esbuild'),
  };
}
const TSX_LOADER = createRequire(import.meta.url).resolve('tsx');

/**
 * sha256 (first 16 hex digits) of every input file's path (relative to `root`) and content, and
 * of the context.
 */
export function inputsHash(context: Record<string, string> = {}, root = ROOT): string {
  const sorted = Object.keys(context)
    .sort()
    .map((key) => [key, context[key]]);
  return hashInputs(root, PROJECT_INPUTS, [hashInputs(ROOT, TOOL_INPUTS, null), sorted]);
}

function parseFailure(text: string): { name: string; message: string } | undefined {
  try {
    const parsed = JSON.parse(text) as { name?: unknown; message?: unknown };
    if (typeof parsed.name === 'string' && typeof parsed.message === 'string')
      return { name: parsed.name, message: parsed.message };
  } catch {
    // Not the child's report (it died before writing one): the caller shows the output instead.
  }
  return undefined;
}
