/**
 * `npm run dev`: the local cloud for development. It serves the AWS endpoint, streams the
 * functions' logs, and swaps a function's code a moment after its source under `functions/`
 * is saved, keeping queued messages and table contents. Runs until Ctrl-C.
 */
import { join, relative, resolve } from 'node:path';
import { withStateDir } from '../local/session/session';
import type { StateLock } from '../local/state/lock';
import { DEFAULT_STATE_FILE } from '../ops/target';
import {
  ALLOW_HOST_OPTION,
  allowHostsOption,
  type CommandSpec,
  contextOption,
  integerOption,
  isMain,
  type OptionSpecs,
  type parse,
  positiveNumberOption,
  runCommand,
} from './cli';
import { onInterrupt } from './ctrl-c';
import { describeInfra, describeReload, logPrinter, readyBanner } from './dev-report';

const OPTIONS = {
  port: {
    type: 'string',
    default: '4566',
    placeholder: 'N',
    description: 'port of the AWS endpoint on 127.0.0.1; 0 picks a free one',
  },
  'allow-host': ALLOW_HOST_OPTION,
  schedules: {
    type: 'boolean',
    default: false,
    description: "run the template's schedules (off by default, so nothing runs unasked)",
  },
  quiet: {
    type: 'boolean',
    short: 'q',
    default: false,
    description: 'show only warnings, errors and reloads, not successful invocations',
  },
  verbose: {
    type: 'boolean',
    default: false,
    description: 'show metric (EMF) lines and the synth output too',
  },
  data: {
    type: 'string',
    placeholder: 'DIR',
    description:
      'keep the DynamoDB tables in DIR, across runs (default: a directory removed at exit)',
  },
  'time-scale': {
    type: 'string',
    default: '1',
    placeholder: 'X',
    description: 'run visibility timeouts, batching windows and schedules X times faster',
  },
  context: {
    type: 'string',
    short: 'c',
    multiple: true,
    default: [],
    placeholder: 'KEY=VALUE',
    description: 'CDK context for the synth, as `cdk synth -c` takes it (repeatable)',
  },
  assembly: {
    type: 'string',
    placeholder: 'DIR',
    description: 'run this cloud assembly (cdk synth output) instead of synthesizing',
  },
  inspect: {
    type: 'string',
    placeholder: 'PORT',
    description:
      'debug: the Node inspector on 127.0.0.1, the first function on PORT (9229 if --inspect is given alone), the next on PORT+1; one environment per function, no timeouts',
  },
  'state-dir': {
    type: 'string',
    placeholder: 'DIR',
    description:
      'where the state file (through which the other commands find this cloud), the synth output and the session files go (default: .local-cloud); one running cloud per directory',
  },
} as const satisfies OptionSpecs;

/** What `npm run dev -- --help` says. */
export const DEV: CommandSpec<typeof OPTIONS> = {
  invocation: 'npm run dev --',
  summary:
    "Runs the stack on the local cloud for development until Ctrl-C: one AWS endpoint, the functions' logs streamed (a colour per function, JSON pretty-printed), and hot reload: saving a file under functions/ rebundles the handlers as CDK does and swaps the changed functions' code, keeping queued messages and table contents. Saving under lib/, bin/ or cdk.json re-synthesizes and applies the change to the running cloud in place where it can (new queues and tables, function, mapping and schedule settings), else says what it recreates and why.",
  options: OPTIONS,
  examples: [
    'npm run dev',
    'npm run dev -- --quiet --port 4567',
    'npm run dev -- --schedules --time-scale 10',
    'npm run dev -- -c batchSize=25',
    'npm run dev -- --inspect',
  ],
};

/** What `--inspect` alone stands for: node's own default port. */
const DEFAULT_INSPECT_ARG = '--inspect=9229';

/** Ctrl-C resolves it. */
const interrupted = () => new Promise<void>((done) => onInterrupt(done));

type Values = ReturnType<typeof parse<typeof OPTIONS>>;

/** The options as the dev session takes them. */
interface Settings {
  readonly timeScale: number;
  readonly context: Record<string, string>;
  readonly inspectPort: number | undefined;
  /** The state directory (`.local-cloud`): state file, synth output, the session's own directory. */
  readonly home: string;
  readonly stateFile: string;
  readonly port: number;
  readonly allowHosts: readonly string[];
}

async function main(values: Values): Promise<number> {
  const port = integerOption('port', values.port, { min: 0, max: 65_535 });
  const timeScale = positiveNumberOption('time-scale', values['time-scale']);
  const context = contextOption(values.context);
  const inspectPort =
    values.inspect === undefined
      ? undefined
      : integerOption('inspect', values.inspect, { min: 1024, max: 65_534 });
  const home = resolve(values['state-dir'] ?? '.local-cloud');
  const stateFile = join(home, 'state.json');
  const allowHosts = allowHostsOption(values['allow-host']);
  const settings = { timeScale, context, inspectPort, home, stateFile, port, allowHosts };
  // As npm start does: one cloud per state directory, so neither deletes the other's state file.
  const dirs = [
    ...(values.data
      ? [{ dir: resolve(values.data), role: 'the --data directory', data: true }]
      : []),
    { dir: home, role: 'the state directory' },
  ];
  return withStateDir(home, dirs, (lock) => runLocked(values, settings, lock));
}

async function runLocked(values: Values, settings: Settings, lock: StateLock): Promise<number> {
  // Loaded only now, as npm start does: aws-cdk-lib, the emulators and esbuild take about a
  // second of CPU to load, which `--help` and a bad option do not need.
  const { startDevSession } = await import('../local/dev/session');
  const started = performance.now();
  console.log('Starting the local cloud...');
  const printer = logPrinter({ quiet: values.quiet, verbose: values.verbose });
  const session = await startDevSession({
    ...settings,
    lock,
    rootDir: process.cwd(),
    assembly: values.assembly,
    verbose: values.verbose,
    dataDir: values.data,
    schedules: values.schedules,
    log: (line, fn) => printer.line(line, fn),
    onCloud: (cloud) => printer.nameFunctions(cloud),
    onReload: (event) => printer.notice(describeReload(event)),
    onInfra: (event) => printer.notice(describeInfra(event)),
  });
  const elapsed = `${((performance.now() - started) / 1000).toFixed(2)} s`;
  console.log(
    readyBanner(session.cloud, elapsed, {
      data: values.data,
      schedules: values.schedules,
      fixedAssembly: values.assembly !== undefined,
      inspect: settings.inspectPort !== undefined,
      // inspect, invoke and the rest find the default state file themselves; another one is named.
      state:
        settings.stateFile === resolve(DEFAULT_STATE_FILE)
          ? undefined
          : ` --state ${relative('.', settings.stateFile)}`,
    }),
  );
  await interrupted();
  console.log('\nStopping the local cloud...');
  await session.stop();
  console.log('Stopped: every port is closed.');
  return 0;
}

if (isMain(import.meta.url)) {
  // `--inspect` alone means the default port, as for node itself.
  const argv = process.argv
    .slice(2)
    .map((arg) => (arg === '--inspect' ? DEFAULT_INSPECT_ARG : arg));
  runCommand(DEV, main, argv);
}
