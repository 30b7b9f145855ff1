/**
 * `npm run cloud`: an empty local cloud on one AWS endpoint until Ctrl-C, for the unmodified CDK
 * CLI (or cdklocal, or any SDK) to bootstrap and deploy stacks onto through its CloudFormation.
 */
import { join, resolve } from 'node:path';
import { startSessionHost, withStateDir } from '../local/session/session';
import {
  ALLOW_HOST_OPTION,
  allowHostsOption,
  type CommandMain,
  type CommandSpec,
  integerOption,
  isMain,
  type OptionSpecs,
  runCommand,
} from './cli';
import { untilStopped } from './ctrl-c';

const OPTIONS = {
  port: {
    type: 'string',
    default: '4566',
    placeholder: 'N',
    description: 'port on 127.0.0.1 (4566, as LocalStack; 0 for any free one)',
  },
  'state-dir': {
    type: 'string',
    placeholder: 'DIR',
    description:
      'where the state file goes (default: .local-cloud); one running cloud per directory',
  },
  data: {
    type: 'string',
    placeholder: 'DIR',
    description: 'keep the DynamoDB tables and log groups in DIR (default: in memory)',
  },
  'allow-host': ALLOW_HOST_OPTION,
} as const satisfies OptionSpecs;

/** What `npm run cloud -- --help` says. */
export const CLOUD: CommandSpec<typeof OPTIONS> = {
  invocation: 'npm run cloud --',
  summary: [
    'Runs an empty local cloud on one AWS endpoint (SQS, DynamoDB, Lambda, CloudFormation, S3,',
    'SSM, STS, CloudWatch Logs) until Ctrl-C. Point the CDK CLI at it to bootstrap and deploy:',
    '  export AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_ENDPOINT_URL_S3=http://127.0.0.1:4566',
    '  npx cdk bootstrap aws://000000000000/us-east-1 --no-notices',
  ].join('\n'),
  options: OPTIONS,
  examples: ['npm run cloud', 'npm run cloud -- --port 4567 --state-dir /tmp/cloud'],
};

/** The command itself, given its parsed options. */
export const main: CommandMain<typeof OPTIONS> = async (values) => {
  const port = integerOption('port', values.port, { min: 0, max: 65_535 });
  const home = resolve(values['state-dir'] ?? '.local-cloud');
  const dataDir = values.data ? resolve(values.data) : undefined;
  const allowHosts = allowHostsOption(values['allow-host']);
  const dirs = [
    ...(dataDir ? [{ dir: dataDir, role: 'the --data directory', data: true }] : []),
    { dir: home, role: 'the state directory' },
  ];
  return withStateDir(home, dirs, async (lock) => {
    const host = await startSessionHost({
      lock,
      port,
      dataDir,
      allowHosts,
      stateFile: join(home, 'state.json'),
    });
    console.log(banner(host.endpoint));
    await untilStopped();
    await host.stop();
    console.log('Local cloud stopped.');
    return 0;
  });
};

function banner(endpoint: string): string {
  return [
    `Local cloud ready at ${endpoint} (region us-east-1, account 000000000000, any credentials). Ctrl-C stops it.`,
    `  export AWS_ENDPOINT_URL=${endpoint} AWS_ENDPOINT_URL_S3=${endpoint} AWS_REGION=us-east-1`,
    '  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local CDK_DISABLE_CLI_TELEMETRY=true',
    '  npx cdk bootstrap aws://000000000000/us-east-1 --no-notices',
  ].join('\n');
}

if (isMain(import.meta.url)) runCommand(CLOUD, main);
