/**
 * `npm start`: synthesize the app, start the local cloud, ask the requestor for strings, show
 * live progress, and finish with a reconciliation of both services' records. Exits 1 if any round
 * trip is missing, 2 on bad options.
 */
import { createWriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { METRIC_NAMES, Output } from '../contract/contract';
import type { LocalCloud } from '../local/cloud';
import { type FaultSpec, FaultSpecError, parseFaultRules } from '../local/endpoint/faults';
import { lockStateDir, type StateLock, StateLockedError } from '../local/state/lock';
import { ensureWritableDir, isWithin, UnusableDirectoryError } from '../local/state/writable-dir';
import type { RequestIdSet } from '../ops/request-ids';
import {
  CommandError,
  type CommandMain,
  type CommandSpec,
  integerOption,
  isMain,
  type OptionSpecs,
  type parse,
  positiveNumberOption,
  runCommand,
  UsageError,
} from './cli';
import type { StageCounts } from './start-report';
import { runTables, tablesDirOf } from './start-tables';

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
  readonly faults?: FaultSpec;
}

function toOptions(values: ReturnType<typeof parse<typeof OPTIONS>>): Options {
  const context: Record<string, string> = {};
  for (const pair of values.context) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new UsageError(`-c takes key=value, got ${JSON.stringify(pair)}`);
    context[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
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
  const seconds = (from = startedAt) => ((performance.now() - from) / 1000).toFixed(2);
  const { home } = options;
  let lock: StateLock;
  try {
    // Checked now, not when dynalite starts after the synth: it would hang or crash there.
    if (options.dataDir) ensureWritableDir(options.dataDir, 'the --data directory');
    ensureWritableDir(home, 'the state directory');
    // Before anything touches the directory: a second start must not truncate the first one's
    // log, overwrite its synth output or delete its state file.
    lock = lockStateDir(home);
  } catch (error) {
    if (error instanceof StateLockedError || error instanceof UnusableDirectoryError) {
      throw new CommandError(error.message);
    }
    throw error;
  }
  try {
    return await runLocked(options, lock, seconds);
  } finally {
    lock.release();
  }
}

/**
 * How much the heaps of this process may grow past what survived their last full collection
 * before the next one, in percent. V8 sizes the main thread's heap for the machine: with gigabytes
 * to spare it let the engine's heap reach three to four times its live size (160 MB for 50 MB
 * live at 10,000 requests), and that slack grew with the run. With this, the cloud's peak RSS at
 * 10,000 requests fell by about 140 MB for about 5% more CPU. V8 reads it at each collection, so
 * it applies though Node has started; the execution environments' heaps are too small for it to
 * matter to them (their growth step of 8 MB is larger).
 */
const HEAP_GROWING_PERCENT = 30;

async function runLocked(
  options: Options,
  lock: StateLock,
  seconds: (from?: number) => string,
): Promise<number> {
  const { home } = options;
  const tables = runTables(home, options.dataDir);
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  // Loaded only now, so mistakes in options and directories are reported at once: aws-cdk-lib
  // and the emulators take seconds to load.
  // The SDK clients and the reports too: `--help` and a bad option answer in half the time without
  // them. The console is loaded with --keep only.
  const [
    { synthesize },
    { startLocalCloud, LocalCloudError, LOCAL_REQUESTS_PER_INVOKE },
    { PortInUseError },
    { DynamoDBClient },
    { SQSClient },
    { isClean, output, queueDepth, reconcile },
    { printEndpoints, printSummary, startProgress },
    { requestStrings },
  ] = await Promise.all([
    import('../local/stack/synth'),
    import('../local/cloud'),
    import('../local/endpoint/gateway'),
    import('@aws-sdk/client-dynamodb'),
    import('@aws-sdk/client-sqs'),
    import('../ops/reconcile'),
    import('./start-report'),
    import('./start-requests'),
  ]);

  const synthStarted = performance.now();
  let assemblyDir: string;
  try {
    assemblyDir = synthesize(join(home, 'cdk.out'), options.context, { verbose: options.verbose });
  } catch (error) {
    // A bad -c value is the caller's to fix; ConfigError names the key and what it must be.
    if (error instanceof Error && error.name === 'ConfigError') {
      throw new UsageError(`Invalid context: ${error.message}`, { showUsage: false });
    }
    throw error;
  }
  const synthSeconds = seconds(synthStarted);

  // Function logs go to a file (they are JSON lines, EMF included); the console shows progress.
  const logFile = join(home, 'functions.log');
  const logStream = createWriteStream(logFile, { flags: 'w' });
  const counts = Object.fromEntries(METRIC_NAMES.map((name) => [name, 0])) as StageCounts;
  let firstRoundTrip: string | undefined;
  const log = (line: string) => {
    logStream.write(`${line}\n`);
    if (!line.includes('"_aws"')) return;
    const metrics = JSON.parse(line) as Record<string, unknown>;
    for (const name of METRIC_NAMES) {
      if (typeof metrics[name] === 'number') counts[name] += metrics[name];
    }
    if (!firstRoundTrip && counts.Acknowledged > 0) firstRoundTrip = seconds();
  };

  let cloud: LocalCloud;
  try {
    cloud = await startLocalCloud({
      assemblyDir,
      dataDir: tables.dir,
      timeScale: options.timeScale,
      schedules: options.schedules,
      stateFile: join(home, 'state.json'),
      port: options.port,
      faults: options.faults,
      log,
    });
  } catch (error) {
    tables.discard();
    // A taken port or a cloud already running here: one line saying which, as for a bad option.
    if (error instanceof PortInUseError || error instanceof LocalCloudError) {
      throw new UsageError(error.message, { showUsage: false });
    }
    throw error;
  }
  lock.setEndpoint(cloud.endpoint);
  const stopCloud = async () => {
    await cloud.stop();
    await new Promise((done) => logStream.end(done));
    tables.discard();
  };
  process.once('SIGINT', () => {
    console.log('\nInterrupted: stopping the local cloud');
    void stopCloud().then(() => {
      lock.release();
      process.exit(130);
    });
  });

  try {
    const sqs = new SQSClient(cloud.clientConfig('sqs'));
    const dynamodb = new DynamoDBClient(cloud.clientConfig('dynamodb'));
    console.log(
      `Local cloud up in ${seconds()} s (synth ${synthSeconds} s): AWS endpoint ${cloud.endpoint} (SQS, DynamoDB, Lambda, CloudFormation, STS, Logs)`,
    );
    console.log(
      `Asking the requestor for ${options.requests} strings; function logs in ${logFile}`,
    );

    // Progress shows from the start: the requestor records every request before it sends it, so
    // asking for 30,000 takes about a third of the run, and strings flow back meanwhile.
    const progress = startProgress(sqs, cloud.outputs, counts, options.requests);
    let requestIds: RequestIdSet;
    try {
      const requestor = output(cloud.outputs, Output.RequestorFunctionName);
      const requestQueue = output(cloud.outputs, Output.RequestQueueUrl);
      requestIds = await requestStrings(
        {
          invoke: async (count) => {
            const { result, error } = await cloud.invoke(requestor, { count });
            if (error) {
              throw new Error(`The requestor failed: ${error.errorType}: ${error.errorMessage}`);
            }
            return (result as { requestIds: string[] }).requestIds;
          },
          backlog: async () => (await queueDepth(sqs, requestQueue)).visible,
        },
        options.requests,
        LOCAL_REQUESTS_PER_INVOKE,
      );
      await cloud.waitForIdle({ timeoutMs: Math.max(60_000, options.requests * 20) });
      // Ticks keep adding requests; stop them (a tick in flight finishes) so the run can settle,
      // then every request in the tables is expected, the schedule's as well as ours.
      if (options.schedules) {
        await cloud.stopSchedules();
        await cloud.waitForIdle({ timeoutMs: Math.max(60_000, options.requests * 20) });
      }
    } finally {
      await progress.stop();
    }

    const summary = await reconcile({
      sqs,
      dynamodb,
      outputs: cloud.outputs,
      expected: options.schedules ? undefined : requestIds,
    });
    // With schedules, the expected round trips are every request recorded, ticks' included.
    const expectedTotal = options.schedules ? summary.requested : options.requests;
    printSummary(summary, expectedTotal, counts);
    // With --data, records of earlier runs are expected in the tables.
    const ok = isClean(options.dataDir ? { ...summary, unexpected: [] } : summary);
    // The process's peak resident memory: the emulators, LevelDB's caches and every execution
    // environment, which are this process's threads.
    const peakMb = Math.round(process.resourceUsage().maxRSS / 1024);
    const notes = [
      firstRoundTrip && `first round trip after ${firstRoundTrip} s, synth included`,
      `peak memory ${peakMb} MB`,
    ].filter(Boolean);
    console.log(
      `${ok ? 'OK' : 'FAILED'}: ${summary.complete}/${expectedTotal} round trips in ${seconds()} s (${notes.join('; ')})`,
    );
    if (options.keep) {
      // Loaded only now: the console's SDK clients and esbuild are not needed to run the pipeline.
      const [{ localCloudTarget }, { createConsoleHandler }] = await Promise.all([
        import('../console/local-target'),
        import('../console/server'),
      ]);
      cloud.mount('/_console', createConsoleHandler({ target: localCloudTarget(cloud) }).handle);
      printEndpoints(cloud, join(home, 'state.json'));
      console.log(`Console: ${cloud.endpoint}/_console/`);
      await new Promise(() => {}); // until Ctrl-C
    }
    sqs.destroy();
    dynamodb.destroy();
    return ok ? 0 : 1;
  } finally {
    await stopCloud();
  }
}

/** The command itself, given its parsed options: `runCommand` runs it as a script, tests in-process. */
export const start: CommandMain<typeof OPTIONS> = (values) => main(toOptions(values));

if (isMain(import.meta.url)) runCommand(START, start);
