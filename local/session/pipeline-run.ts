/**
 * `npm start`'s local cloud: the app synthesized, the run's tables, the functions' log, and the
 * cloud started on them; stopping it closes the log and removes the tables the run made.
 */
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import type { LocalCloud } from '../cloud';
import type { FaultSpec } from '../endpoint/faults';
import { synthesize, synthesizeSoon } from '../stack/synth';
import type { StateLock } from '../state/lock';
import { SessionError } from './errors';
import { FunctionLog } from './function-log';
import { checkPortFree } from './port-check';
import { startSessionCloud } from './session';
import { runTables } from './tables';

/**
 * How much the heaps of this process may grow past what survived their last full collection
 * before the next one, in percent. V8 sizes the main thread's heap for the machine: with memory
 * to spare it let the engine's heap reach several times its live size, and that slack grew with
 * the run; with this, the cloud's peak RSS fell a good deal for a little more CPU. V8 reads it at
 * each collection, so it applies though Node has started; the execution environments' heaps are
 * too small for it to matter to them (their growth step is larger).
 */
const HEAP_GROWING_PERCENT = 30;

/** What {@link startPipelineRun} starts. */
export interface PipelineRunOptions {
  /** The state directory: state file, function log, synth output; its lock is held. */
  readonly home: string;
  /** `--data`: tables and log groups kept across runs; without it, the run's own tables. */
  readonly dataDir?: string;
  /** CDK context, as `cdk synth -c key=value` takes it. */
  readonly context: Record<string, string>;
  /** Show the synth's and the bundler's output. */
  readonly verbose: boolean;
  readonly timeScale: number;
  readonly schedules: boolean;
  readonly port: number;
  /** Names the endpoint answers to besides its loopback ones. */
  readonly allowHosts?: readonly string[];
  readonly faults?: FaultSpec;
}

/** `npm start`'s cloud, up. */
export interface PipelineRun {
  readonly cloud: LocalCloud;
  readonly log: FunctionLog;
  /** How long the synth took (no time when the assembly cache had it). */
  readonly synthMs: number;
  /** Stops the cloud, closes the function log and removes the run's own tables. */
  stop(): Promise<void>;
}

/**
 * Synthesizes the app and starts the local cloud for one `npm start` run.
 *
 * @throws SessionError (`invalid`) for a bad context value or a port taken (checked before the
 *   synth, so that it is said at once)
 */
export async function startPipelineRun(
  options: PipelineRunOptions,
  lock: StateLock,
): Promise<PipelineRun> {
  const { home } = options;
  await checkPortFree(options.port);
  const tables = runTables(home, options.dataDir);
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  const synthStarted = performance.now();
  let synthMs = 0;
  const synthesized = (dir: string) => {
    synthMs = performance.now() - synthStarted;
    return dir;
  };
  const giveUp = new AbortController();
  const assembly = synthesizeApp(options, giveUp.signal);
  const assemblyDir =
    typeof assembly === 'string' ? synthesized(assembly) : assembly.then(synthesized);
  // The cloud's start awaits it; what fails before that must not leave its rejection unhandled.
  if (typeof assemblyDir !== 'string') assemblyDir.catch(() => {});
  let log: FunctionLog;
  let cloud: LocalCloud;
  try {
    log = new FunctionLog(join(home, 'functions.log'));
    cloud = await startSessionCloud({
      lock,
      assemblyDir,
      dataDir: tables.dir,
      timeScale: options.timeScale,
      schedules: options.schedules,
      stateFile: join(home, 'state.json'),
      port: options.port,
      allowHosts: options.allowHosts,
      faults: options.faults,
      log: log.write,
      metrics: log.metrics,
      tablesStartEmpty: options.dataDir === undefined,
    });
  } catch (error) {
    // A synth still running is of no use now: its child ends rather than outlive the command.
    giveUp.abort();
    tables.discard();
    throw error;
  }
  return {
    cloud,
    log,
    synthMs,
    async stop() {
      await cloud.stop();
      await log.close();
      tables.discard();
    },
  };
}

/**
 * The synthesized assembly's directory, or the synth that makes it: the cloud's emulators and
 * endpoint start meanwhile (the synth is a child process, on the other core), which brought a
 * cold start's first round trip about 0.2 s sooner. With `--verbose`, a synth in the foreground
 * that shows its output. A bad `-c` value is the caller's to fix.
 */
function synthesizeApp(options: PipelineRunOptions, signal: AbortSignal): string | Promise<string> {
  const outdir = join(options.home, 'cdk.out');
  try {
    if (options.verbose) return synthesize(outdir, options.context, { verbose: true });
    const soon = synthesizeSoon(outdir, options.context, { signal });
    return typeof soon === 'string' ? soon : soon.catch((error) => rethrowInvalid(error));
  } catch (error) {
    return rethrowInvalid(error);
  }
}

/** A ConfigError (it names the key and what it must be) as the session's usage error. */
function rethrowInvalid(error: unknown): never {
  if (error instanceof Error && error.name === 'ConfigError') {
    throw new SessionError('invalid', `Invalid context: ${error.message}`);
  }
  throw error;
}
