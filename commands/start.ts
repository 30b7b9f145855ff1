/**
 * `npm start`: synthesize the app, start the local cloud, ask the requestor for strings, show
 * live progress, and finish with a reconciliation of both services' records. Exits 1 if any round
 * trip is missing, 2 on bad options.
 */
import { join, resolve } from 'node:path';
import type { LocalCloud } from '../local/cloud';
import { type FaultSpec, FaultSpecError, parseFaultRules } from '../local/endpoint/faults';
import { functionRuntimes, peakMemoryMb } from '../local/session/function-runtimes';
import type { RoundTripResult } from '../local/session/round-trips';
import { consoleUrlOf, withStateDir } from '../local/session/session';
import { tablesDirOf } from '../local/session/tables';
import type { StateLock } from '../local/state/lock';
import { isWithin } from '../local/state/writable-dir';
import type { RequestIdSet } from '../ops/request-ids';
import {
  ALLOW_HOST_OPTION,
  allowHostsOption,
  type CommandMain,
  type CommandSpec,
  contextOption,
  integerOption,
  isMain,
  type OptionSpecs,
  type parse,
  positiveNumberOption,
  runCommand,
  UsageError,
} from './cli';
import { onInterrupt } from './ctrl-c';

const OPTIONS = {
  requests: {
    type: 'string',
    short: 'n',
    default: '100',
    placeholder: 'N',
    description: 'strings to ask the requestor for, 1 to 1000000',
  },
  keep: {
    type: 'boolean',
    default: false,
    description: 'keep the local cloud running afterwards, for inspect and redrive, until Ctrl-C',
  },
  'state-dir': {
    type: 'string',
    placeholder: 'DIR',
    description:
      'where the state file, function logs and synth output go (default: .local-cloud); one running cloud per directory',
  },
  data: {
    type: 'string',
    placeholder: 'DIR',
    description:
      'keep the DynamoDB tables and function log groups in DIR across runs (default: tables in a directory of their own in the state directory, removed at exit)',
  },
  'time-scale': {
    type: 'string',
    default: '1',
    placeholder: 'X',
    description: 'run schedules, visibility timeouts and batching windows X times faster',
  },
  schedules: {
    type: 'boolean',
    default: false,
    description: "run the template's schedules too",
  },
  context: {
    type: 'string',
    short: 'c',
    multiple: true,
    default: [],
    placeholder: 'KEY=VALUE',
    description: 'CDK context for the synth, as `cdk synth -c` takes it (repeatable)',
  },
  verbose: {
    type: 'boolean',
    default: false,
    description: 'show the synth and bundler output',
  },
  faults: {
    type: 'string',
    placeholder: 'RULES',
    description:
      'answer a seeded fraction of calls with throttling or 5xx errors: SERVICE[.ACTION]:RATE[:throttle|server], comma-separated (sqs, dynamodb, lambda)',
  },
  seed: {
    type: 'string',
    default: '1',
    placeholder: 'S',
    description: 'seed of --faults, 0 to 4294967295',
  },
  port: {
    type: 'string',
    default: '4566',
    placeholder: 'N',
    description:
      'port of the AWS endpoint (SQS, DynamoDB, Lambda, CloudFormation, STS, Logs) on 127.0.0.1; 0 picks a free one',
  },
  'allow-host': ALLOW_HOST_OPTION,
} as const satisfies OptionSpecs;

/** What `npm start -- --help` says. */
export const START: CommandSpec<typeof OPTIONS> = {
  invocation: 'npm start --',
  summary:
    "Synthesizes the CDK app, runs it on the local cloud (fauxqs, dynalite, worker-thread functions), asks the requestor for strings, shows progress, and reconciles both services' records at the end. Exit 0 when every round trip completed, 1 otherwise. Function logs go to functions.log in the state directory (.local-cloud unless --state-dir says otherwise); a second start on the same directory is refused while the first runs.",
  options: OPTIONS,
  examples: [
    'npm start',
    'npm start -- --requests 5000',
    'npm start -- --keep --data .local-cloud/data',
    'npm start -- --keep --port 4567',
    'npm start -- -c batchSize=25 -c maxConcurrency=10',
    'npm start -- --faults sqs:0.02,dynamodb:0.02:server --seed 7',
  ],
};

interface Options {
  readonly requests: number;
  readonly keep: boolean;
  /** `--data`: tables and log groups kept across runs; without it, the run's own `tablesDir`. */
  readonly dataDir?: string;
  /** The state directory: state file, function log, synth output, lock. */
  readonly home: string;
  readonly timeScale: number;
  readonly schedules: boolean;
  /** CDK context, as `cdk synth -c key=value` takes it. */
  readonly context: Record<string, string>;
  readonly verbose: boolean;
  readonly port: number;
  /** `--allow-host`: names the endpoint answers to besides its loopback ones. */
  readonly allowHosts: readonly string[];
  readonly faults?: FaultSpec;
}

function toOptions(values: ReturnType<typeof parse<typeof OPTIONS>>): Options {
  const context = contextOption(values.context);
  const dataDir = values.data ? resolve(values.data) : undefined;
  const home = resolve(values['state-dir'] ?? '.local-cloud');
  if (dataDir && isWithin(dataDir, tablesDirOf(home))) {
    throw new UsageError(
      `--data ${dataDir} is inside ${tablesDirOf(home)}, which npm start empties for each run; choose another directory`,
      { showUsage: false },
    );
  }
  return {
    requests: integerOption('requests', values.requests, { min: 1, max: 1_000_000 }),
    keep: values.keep,
    dataDir,
    home,
    timeScale: positiveNumberOption('time-scale', values['time-scale']),
    schedules: values.schedules,
    context,
    verbose: values.verbose,
    port: integerOption('port', values.port, { min: 0, max: 65_535 }),
    allowHosts: allowHostsOption(values['allow-host']),
    faults: faultsOption(
      values.faults,
      integerOption('seed', values.seed, { min: 0, max: 0xffffffff }),
    ),
  };
}

/** `--faults` as a fault spec, or a usage error naming what it cannot read. */
function faultsOption(raw: string | undefined, seed: number): FaultSpec | undefined {
  if (raw === undefined) return undefined;
  try {
    return { seed, rules: parseFaultRules(raw) };
  } catch (error) {
    if (error instanceof FaultSpecError) throw new UsageError(`--faults: ${error.message}`);
    throw error;
  }
}

async function main(options: Options): Promise<number> {
  const startedAt = performance.now();
  const dirs = [
    ...(options.dataDir
      ? [{ dir: options.dataDir, role: 'the --data directory', data: true }]
      : []),
    { dir: options.home, role: 'the state directory' },
  ];
  return withStateDir(options.home, dirs, (lock) => runLocked(options, lock, startedAt));
}

/** Seconds since `from`, as the report prints them. */
const secondsSince = (from: number) => ((performance.now() - from) / 1000).toFixed(2);

async function runLocked(options: Options, lock: StateLock, startedAt: number): Promise<number> {
  // Loaded only now, so mistakes in options and directories are reported at once: aws-cdk-lib
  // and the emulators are slow to load.
  const { startPipelineRun } = await import('../local/session/pipeline-run');
  const run = await startPipelineRun(options, lock);
  const interrupted = () => {
    console.log('\nInterrupted: stopping the local cloud');
    void run.stop().then(() => {
      lock.release();
      process.exit(130);
    });
  };
  const letGoOfCtrlC = onInterrupt(interrupted);
  try {
    const { cloud, log } = run;
    // The run's own modules (its SDK clients, the reports) load once the cloud is up, while the
    // functions' environments initialize in the runtime host: before the cloud, they delayed
    // its functions' creation by about 0.1 s.
    console.log(
      `Local cloud up in ${secondsSince(startedAt)} s (synth ${(run.synthMs / 1000).toFixed(2)} s): AWS endpoint ${cloud.endpoint} (SQS, DynamoDB, Lambda, CloudFormation, STS, Logs); console ${consoleUrlOf(cloud)}`,
    );
    const [{ driverClients, reconcileRoundTrips, requestRoundTrips }, report] = await Promise.all([
      import('../local/session/round-trips'),
      import('./start-report'),
    ]);
    const { sqs, dynamodb } = driverClients(cloud);
    const runtimes = functionRuntimes(cloud);
    console.log(`Functions run in a runtime host: ${runtimes.line}`);
    for (const warning of runtimes.warnings) console.error(`Warning: ${warning}`);
    console.log(
      `Asking the requestor for ${options.requests} strings; function logs in ${log.file}`,
    );
    // Progress shows from the start: the requestor records every request before it sends it, so
    // asking for many takes a good part of the run, and strings flow back meanwhile.
    const progress = report.startProgress(sqs, cloud.outputs, {
      counts: log.counts,
      total: options.requests,
      faults: () => cloud.injectedFaults(),
    });
    let requestIds: RequestIdSet;
    try {
      requestIds = await requestRoundTrips(cloud, sqs, options, progress.say);
    } finally {
      await progress.stop();
    }
    const keptData = options.dataDir !== undefined;
    const result = await reconcileRoundTrips(
      cloud,
      { sqs, dynamodb },
      { ...options, keptData },
      requestIds,
    );
    report.printSummary(result.summary, result.expectedTotal, log.counts, {
      faults: cloud.injectedFaults(),
      keptData,
    });
    console.log(outcomeLine(result, log.firstRoundTripAt, startedAt, await peakMemoryMb()));
    if (options.keep) await keepRunning(cloud, options, report.endpointsText);
    sqs.destroy();
    dynamodb.destroy();
    return result.ok ? 0 : 1;
  } finally {
    // Run in-process (a test, a script), the process goes on: Ctrl-C is no longer ours to answer.
    letGoOfCtrlC();
    await run.stop();
  }
}

/** The run's last line: OK or FAILED, round trips, time, first round trip and peak memory. */
function outcomeLine(
  { summary, expectedTotal, ok }: RoundTripResult,
  firstAt: number | undefined,
  startedAt: number,
  // Peak resident memory: this process's (the emulators, LevelDB's caches) and the runtime
  // hosts' (every execution environment is one of their threads).
  peak: { engine: number; hosts: number },
): string {
  const notes = [
    firstAt !== undefined &&
      `first round trip after ${((firstAt - startedAt) / 1000).toFixed(2)} s, synth included`,
    `peak memory ${peak.engine + peak.hosts} MB: engine ${peak.engine}, runtime hosts ${peak.hosts}`,
  ].filter(Boolean);
  return `${ok ? 'OK' : 'FAILED'}: ${summary.complete}/${expectedTotal} round trips in ${secondsSince(startedAt)} s (${notes.join('; ')})`;
}

/**
 * `--keep`: how to reach the cloud printed, the schedules running again if the run stopped them
 * to reconcile, then nothing until Ctrl-C.
 */
async function keepRunning(
  cloud: LocalCloud,
  options: Options,
  endpointsText: (cloud: LocalCloud, stateFile: string) => string,
): Promise<never> {
  console.log(endpointsText(cloud, join(options.home, 'state.json')));
  console.log(`Console: ${consoleUrlOf(cloud)}`);
  if (options.schedules) {
    cloud.startSchedules();
    console.log('Schedules running again until Ctrl-C');
  }
  return new Promise(() => {});
}

/** The command itself, given its parsed options: `runCommand` runs it as a script, tests in-process. */
export const start: CommandMain<typeof OPTIONS> = (values) => main(toOptions(values));

if (isMain(import.meta.url)) runCommand(START, start);
