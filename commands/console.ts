/**
 * `npm run console`: the pipeline's console in a browser, for the local cloud, LocalStack or a
 * deployed stack, served on 127.0.0.1.
 */
import { startConsoleServer } from '../console/server';
import {
  ALLOW_HOST_OPTION,
  allowHostsOption,
  type CommandMain,
  type CommandSpec,
  integerOption,
  isMain,
  type OptionSpecs,
  runCommand,
  TARGET_OPTIONS,
  targetFrom,
} from './cli';
import { untilStopped } from './ctrl-c';

const OPTIONS = {
  ...TARGET_OPTIONS,
  port: {
    type: 'string',
    default: '0',
    placeholder: 'N',
    description: 'port on 127.0.0.1, 0 for any free one',
  },
  'allow-writes': {
    type: 'boolean',
    default: false,
    description: 'allow send, purge, redrive and invoke against AWS (read-only there otherwise)',
  },
  'allow-host': ALLOW_HOST_OPTION,
} as const satisfies OptionSpecs;

/** What `npm run console -- --help` says. */
export const CONSOLE: CommandSpec<typeof OPTIONS> = {
  invocation: 'npm run console --',
  summary: [
    'Serves the console (pipeline overview, queues and dead letters, tables, functions, alarms,',
    'request journeys) on http://127.0.0.1:PORT/_console/, reading only through the AWS APIs and',
    "the stack's outputs. Targets, found as `npm run inspect` finds them:",
    '  local cloud  no options: the cloud `npm start -- --keep` runs, which also serves the',
    '               console itself at its endpoint: http://127.0.0.1:4566/_console/',
    "  LocalStack   --endpoint http://localhost:4566: outputs from LocalStack's CloudFormation;",
    '               changes are allowed',
    '  AWS          --profile NAME, or --stack NAME / --region R with the default credentials;',
    '               read-only unless --allow-writes',
  ].join('\n'),
  options: OPTIONS,
  examples: [
    'npm run console',
    'npm run console -- --endpoint http://localhost:4566 --port 8080',
    'npm run console -- --profile prod --region eu-west-1',
    'npm run console -- --profile dev --allow-writes',
  ],
};

/** The command itself, given its parsed options: `runCommand` runs it as a script, tests in-process. */
export const main: CommandMain<typeof OPTIONS> = async (values) => {
  const port = integerOption('port', values.port, { min: 0, max: 65535 });
  const allowWrites = values['allow-writes'] === true;
  const allowHosts = allowHostsOption(values['allow-host']);
  const target = await targetFrom(values);
  const server = await startConsoleServer({ target, port, allowWrites, allowHosts });
  const mode =
    target.kind === 'aws' && !allowWrites
      ? 'read-only (restart with --allow-writes to change things)'
      : 'read-write';
  console.log(`Console for ${target.description}, ${mode}: ${server.url}\nCtrl-C stops it.`);
  await untilStopped();
  await server.stop();
  console.log('Console stopped.');
  return 0;
};

if (isMain(import.meta.url)) runCommand(CONSOLE, main);
