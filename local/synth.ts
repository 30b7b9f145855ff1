import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Options of {@link synthesize}. */
export interface SynthOptions {
  /** Show the CDK's and esbuild's output (bundling progress) as it comes. @default false */
  readonly verbose?: boolean;
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

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHILD = fileURLToPath(new URL('./synth-child.ts', import.meta.url));
/** Everything the synthesized assembly is made from, relative to the repository root. */
const INPUTS = [
  'bin',
  'lib',
  'functions',
  'cdk.json',
  'package-lock.json',
  'tsconfig.json',
  'local/synth.ts',
  'local/synth-child.ts',
];
/** Assemblies kept per output directory; older ones are removed when a new one is made. */
const KEEP = 3;

/**
 * Synthesizes the CDK app with the context of `cdk.json` plus `context` (string values, as
 * `-c key=value` passes them), bundling the handlers as `cdk synth` does, and returns the cloud
 * assembly directory: `outdir/<hash of the inputs>`. The inputs are the app's sources (`bin/`,
 * `lib/`, `functions/`), `cdk.json`, `package-lock.json`, `tsconfig.json` and the context; when an
 * assembly for the same inputs exists it is returned at once.
 *
 * The synth runs in a child process: aws-cdk-lib takes a few hundred MB, which the caller (a local
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
  const hash = inputsHash(context);
  const assemblyDir = join(outdir, hash);
  if (existsSync(join(assemblyDir, 'manifest.json'))) return assemblyDir;

  // Synthesize beside the final directory and rename it into place, so a concurrent run (a test
  // suite and `npm start`) never sees a half-written assembly.
  const staging = `${assemblyDir}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  const run = spawnSync(
    process.execPath,
    ['--import', pathToFileURL(TSX_LOADER).href, CHILD, staging, JSON.stringify(context)],
    {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: [
        'ignore',
        options.verbose ? 'inherit' : 'pipe',
        options.verbose ? 'inherit' : 'pipe',
        'pipe',
      ],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    },
  );
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  if (run.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    const reported = parseFailure(String(run.output[3] ?? ''));
    if (reported) throw new SynthError(reported.name, reported.message, output);
    throw new SynthError(
      'SynthError',
      `The CDK app failed to synthesize (${run.error?.message ?? `exit ${run.status ?? run.signal}`}):\n${output.trim()}`,
      output,
    );
  }
  try {
    renameSync(staging, assemblyDir);
  } catch (error) {
    // Another process made the same assembly first: use theirs.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(join(assemblyDir, 'manifest.json'))) throw error;
  }
  pruneOlder(outdir, hash);
  return assemblyDir;
}

const TSX_LOADER = createRequire(import.meta.url).resolve('tsx');

/** sha256 (first 16 hex digits) of every input file's path and content, and of the context. */
export function inputsHash(context: Record<string, string> = {}): string {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap((input) => filesUnder(join(ROOT, input)))) {
    hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  const sorted = Object.keys(context)
    .sort()
    .map((key) => [key, context[key]]);
  hash.update(JSON.stringify(sorted));
  return hash.digest('hex').slice(0, 16);
}

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => filesUnder(join(path, name)));
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

/**
 * Removes all but the newest {@link KEEP} assemblies in `outdir`, and staging directories an
 * interrupted synth left behind more than an hour ago.
 */
function pruneOlder(outdir: string, current: string): void {
  const entries = readdirSync(outdir).map((name) => ({
    name,
    mtime: statSync(join(outdir, name)).mtimeMs,
  }));
  const assemblies = entries
    .filter(({ name }) => name !== current && /^[0-9a-f]{16}$/.test(name))
    .sort((a, b) => b.mtime - a.mtime)
    .slice(KEEP - 1);
  const stale = entries.filter(
    ({ name, mtime }) => name.endsWith('.tmp') && Date.now() - mtime > 3_600_000,
  );
  for (const { name } of [...assemblies, ...stale]) {
    rmSync(join(outdir, name), { recursive: true, force: true });
  }
}
