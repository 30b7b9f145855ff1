/**
 * `npm run dev`: the local cloud for development. It serves the AWS endpoint, streams the
 * functions' logs, and swaps a function's code a moment after its source under `functions/`
 * is saved, keeping queued messages and table contents. Runs until Ctrl-C.
 */
import { type FSWatcher, mkdirSync, rmSync, watch } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Output, QUEUES, queueOutputs } from '../contract/contract';
import type { LocalCloud } from '../local/cloud';
import type { HotReload, ReloadEvent } from '../local/dev/hot-reload';
import { lockStateDir, type StateLock, StateLockedError } from '../local/state/lock';
import { FUNCTION_OUTPUTS } from '../ops/functions';
import { formatLogLine, isProblem } from '../ops/log-format';
import {
  CommandError,
  type CommandSpec,
  integerOption,
  isMain,
  type OptionSpecs,
  type parse,
  positiveNumberOption,
  runCommand,
  UsageError,
} from './cli';

const OPTIONS = {
  port: {
    type: 'string',
    default: '4566',
    placeholder: 'N',
    description: 'port of the AWS endpoint on 127.0.0.1; 0 picks a free one',
  },
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
  state: {
    type: 'string',
    placeholder: 'FILE',
    description:
      'state file through which the other commands find this cloud (default: .local-cloud/state.json)',
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

/** What the source of a line is called on screen, and its colour's index. */
interface Label {
  readonly name: string;
  readonly index: number;
}

/** Prints function lines and diagnostics for a person: labelled, coloured, JSON indented. */
function logPrinter(options: { quiet: boolean; verbose: boolean }) {
  const labels = new Map<string, Label>();
  const format = { colour: process.stdout.isTTY === true, pretty: true };
  const local: Label = { name: 'local', index: Object.keys(FUNCTION_OUTPUTS).length };
  return {
    /** Names each function by its short name (`requestor`), in the colour order of the list. */
    nameFunctions(cloud: LocalCloud): void {
      for (const [index, [label, key]] of Object.entries(FUNCTION_OUTPUTS).entries()) {
        const name = cloud.outputs[key];
        if (name) labels.set(name, { name: label, index });
      }
    },
    line(line: string, functionName?: string): void {
      if (!options.verbose && line.includes('"_aws"')) return;
      if (options.quiet && !isProblem(line)) return;
      const label = functionName
        ? (labels.get(functionName) ?? { name: functionName, index: labels.size })
        : local;
      console.log(formatLogLine(label.name, label.index, line, format));
    },
    /** Says what the dev loop did (a reload, a recreation, a build error), even with --quiet. */
    notice(text: string): void {
      console.log(formatLogLine(local.name, local.index, text, format));
    },
  };
}

function describeReload(event: ReloadEvent): string {
  switch (event.kind) {
    case 'reloaded':
      return `Reloaded ${event.functions.join(', ')} in ${event.ms} ms: new invocations run the new code`;
    case 'failed':
      return `Build failed; the last good code keeps serving:\n${event.errors}`;
    case 'unchanged':
      return 'Builds again; the code serving is already this code';
  }
}

function parseContext(pairs: readonly string[]): Record<string, string> {
  const context: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new UsageError(`-c takes key=value, got ${JSON.stringify(pair)}`);
    context[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return context;
}

/** What `--inspect` alone stands for: node's own default port. */
const DEFAULT_INSPECT_ARG = '--inspect=9229';

/** Ctrl-C resolves it. */
const interrupted = () => new Promise<void>((done) => process.once('SIGINT', done));

/** Quiet time after an infrastructure file event before synthesizing. */
const INFRA_SETTLE_MS = 300;

async function main(values: ReturnType<typeof parse<typeof OPTIONS>>): Promise<number> {
  const port = integerOption('port', values.port, { min: 0, max: 65_535 });
  const timeScale = positiveNumberOption('time-scale', values['time-scale']);
  const context = parseContext(values.context);
  const inspectPort =
    values.inspect === undefined
      ? undefined
      : integerOption('inspect', values.inspect, { min: 1024, max: 65_534 });
  const home = resolve('.local-cloud');
  const stateFile = resolve(values.state ?? join(home, 'state.json'));
  // As npm start does: one cloud per state directory, so neither deletes the other's state file.
  mkdirSync(dirname(stateFile), { recursive: true });
  let lock: StateLock;
  try {
    lock = lockStateDir(dirname(stateFile));
  } catch (error) {
    if (error instanceof StateLockedError) throw new CommandError(error.message);
    throw error;
  }
  try {
    return await runLocked(values, { timeScale, context, inspectPort, home, stateFile, port });
  } finally {
    lock.release();
  }
}

async function runLocked(
  values: ReturnType<typeof parse<typeof OPTIONS>>,
  settings: {
    timeScale: number;
    context: Record<string, string>;
    inspectPort: number | undefined;
    home: string;
    stateFile: string;
    port: number;
  },
): Promise<number> {
  const { timeScale, context, inspectPort, home, stateFile, port } = settings;
  // Loaded only now, as npm start does: aws-cdk-lib, the emulators and esbuild take about a
  // second of CPU to load, which `--help` and a bad option do not need.
  const [
    { localCloudTarget },
    { createConsoleHandler },
    { LocalCloudError, startLocalCloud },
    { startHotReload },
    { applyInfraChange, describeChanges, InfraSynthError, synthesizeInBackground },
    { PortInUseError },
    { synthesize },
  ] = await Promise.all([
    import('../console/local-target'),
    import('../console/server'),
    import('../local/cloud'),
    import('../local/dev/hot-reload'),
    import('../local/dev/infra-reload'),
    import('../local/endpoint/gateway'),
    import('../local/stack/synth'),
  ]);
  const devDir = join(home, 'dev', String(process.pid));
  mkdirSync(devDir, { recursive: true });
  const started = performance.now();
  const elapsed = (from = started) => `${((performance.now() - from) / 1000).toFixed(2)} s`;

  console.log('Starting the local cloud...');
  let assemblyDir =
    values.assembly ?? synthesize(join(home, 'cdk.out'), context, { verbose: values.verbose });
  const printer = logPrinter({ quiet: values.quiet, verbose: values.verbose });
  // Tables live on disk even without --data, so a new template's cloud finds them again.
  const dataDir = resolve(values.data ?? join(devDir, 'data'));
  const startCloud = async (assembly: string) => {
    const cloud = await startLocalCloud({
      assemblyDir: assembly,
      dataDir,
      timeScale,
      schedules: values.schedules,
      stateFile,
      // A recreated cloud keeps the endpoint the first one got (even with --port 0).
      port: stack ? Number(new URL(stack.cloud.endpoint).port) : port,
      inspectPort,
      log: (line, fn) => printer.line(line, fn),
    }).catch((error: unknown) => {
      if (error instanceof PortInUseError || error instanceof LocalCloudError) {
        throw new UsageError(error.message, { showUsage: false });
      }
      throw error;
    });
    printer.nameFunctions(cloud);
    cloud.mount('/_console', createConsoleHandler({ target: localCloudTarget(cloud) }).handle);
    return cloud;
  };
  const startHot = (cloud: LocalCloud) =>
    startHotReload({
      cloud,
      rootDir: process.cwd(),
      outDir: join(devDir, 'bundles'),
      onReload: (event) => printer.notice(describeReload(event)),
    }).catch(async (error: unknown) => {
      await cloud.stop();
      throw error;
    });
  let stack: { cloud: LocalCloud; hot: HotReload } | undefined;
  const first = await startCloud(assemblyDir);
  stack = { cloud: first, hot: await startHot(first) };

  // Infrastructure: re-synth in the background, then apply the change in place, or (saying why)
  // recreate the cloud with the queued messages moved.
  let infra = Promise.resolve();
  const applyInfrastructure = async () => {
    const from = performance.now();
    printer.notice('Infrastructure source changed: synthesizing...');
    let next: string;
    try {
      next = await synthesizeInBackground(join(home, 'cdk.out'), context);
    } catch (error) {
      const report = error instanceof InfraSynthError ? error.message : String(error);
      printer.notice(`Synth failed; the running stack is unchanged:\n${report}`);
      return;
    }
    const current = stack;
    if (!current) return;
    // Hot reload watches the cloud it was given: a recreation gives it a new one.
    let hotStopped = false;
    const outcome = await applyInfraChange(
      current.cloud,
      assemblyDir,
      next,
      async () => {
        await current.hot.stop();
        hotStopped = true;
        return startCloud(next);
      },
      (text) => printer.notice(text),
    );
    assemblyDir = next;
    switch (outcome.kind) {
      case 'unchanged':
        printer.notice(`Synth done in ${elapsed(from)}: no resource changed`);
        return;
      case 'in-place':
        printer.notice(
          `Applied in place in ${elapsed(from)}, queued messages and table items kept: ${describeChanges(outcome.plan.inPlace)}`,
        );
        return;
      case 'recreated':
        if (hotStopped) stack = { cloud: outcome.cloud, hot: await startHot(outcome.cloud) };
        printer.notice(
          `Recreated in ${elapsed(from)}: ${outcome.restored} queued messages moved${outcome.lost > 0 ? `, ${outcome.lost} lost with their removed queues` : ''}${outcome.droppedTables.length > 0 ? `; recreated empty: ${outcome.droppedTables.join(', ')}` : ''}`,
        );
    }
  };
  const infraWatchers: FSWatcher[] = [];
  if (!values.assembly) {
    let timer: NodeJS.Timeout | undefined;
    for (const path of ['lib', 'bin', 'cdk.json']) {
      try {
        infraWatchers.push(
          watch(path, { recursive: path !== 'cdk.json' }, () => {
            clearTimeout(timer);
            timer = setTimeout(() => {
              infra = infra.then(applyInfrastructure).catch((error: unknown) => {
                printer.notice(`Could not apply the infrastructure change: ${String(error)}`);
              });
            }, INFRA_SETTLE_MS);
          }),
        );
      } catch {
        // Not there (a project without bin/, say): nothing to watch.
      }
    }
  }

  const cloud = stack.cloud;
  const o = cloud.outputs;
  console.log(`Local cloud ready in ${elapsed()} (Ctrl-C to stop)
  AWS endpoint  ${cloud.endpoint}  (SQS, DynamoDB, Lambda, CloudFormation, STS, Logs; region ${cloud.region}, any credentials)
  console       ${cloud.endpoint}/_console/
  functions     ${Object.entries(FUNCTION_OUTPUTS)
    .map(([label, key]) => `${label}=${o[key]}`)
    .join('  ')}
  queues        ${QUEUES.map((q) => `${q.toLowerCase()}=${o[queueOutputs(q).queue]?.split('/').pop()}`).join('  ')}
  tables        requests=${o[Output.RequestsTableName]}  strings=${o[Output.StringsTableName]}${values.data ? ` (kept in ${values.data})` : ''}
  schedules     ${values.schedules ? 'running' : 'off (--schedules to run them)'}
  hot reload    functions/ swaps code; ${values.assembly ? 'the template is fixed (--assembly)' : 'lib/, bin/, cdk.json re-synth and apply in place (or recreate, saying why)'}${
    inspectPort === undefined
      ? ''
      : `\n  inspector     ${Object.values(cloud.functions)
          .map((f) => `${f.name} on 127.0.0.1:${f.inspectPort}`)
          .join(', ')} (attach VS Code or chrome://inspect; reattach after a reload)`
  }
Try: npm run invoke -- requestor --payload '{"count":3}'   npm run send -- request   npm run logs -- --follow`);

  await interrupted();
  console.log('\nStopping the local cloud...');
  for (const watcher of infraWatchers) watcher.close();
  await infra;
  await stack.hot.stop();
  await stack.cloud.stop();
  rmSync(devDir, { recursive: true, force: true });
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
