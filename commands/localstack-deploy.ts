/**
 * `npm run deploy:localstack`: deploys the stack to a running LocalStack with cdklocal, in the
 * region the ops tools and the end-to-end test will look in. Checks first that LocalStack
 * answers, so a stopped LocalStack is one line saying how to start it, not CDK's
 * "Unable to resolve AWS account".
 */
import { DEFAULT_REGION } from '../aws/defaults';
import {
  deployRegion,
  deployToLocalstack,
  localstackHealth,
  localstackUrl,
  START_HINT,
} from '../ops/localstack';
import {
  CommandError,
  type CommandMain,
  type CommandSpec,
  isMain,
  type OptionSpecs,
  runCommand,
} from './cli';

const OPTIONS = {
  region: {
    type: 'string',
    placeholder: 'REGION',
    description: 'region to deploy to (default: AWS_REGION, AWS_DEFAULT_REGION, us-east-1)',
  },
} as const satisfies OptionSpecs;

/** What `npm run deploy:localstack -- --help` says. */
export const DEPLOY_LOCALSTACK: CommandSpec<typeof OPTIONS> = {
  invocation: 'npm run deploy:localstack --',
  summary:
    'Bootstraps and deploys the stack to a running LocalStack (EDGE_PORT, default 4566) with cdklocal, the schedule off (it does not fire on LocalStack). The ops tools find it with --endpoint http://localhost:4566 in the same region.',
  options: OPTIONS,
  examples: [
    'npm run deploy:localstack',
    'npm run deploy:localstack -- --region eu-west-1',
    'AWS_REGION=eu-west-1 npm run inspect -- --endpoint http://localhost:4566',
  ],
};

/** The command itself, given its parsed options: `runCommand` runs it as a script, tests in-process. */
export const main: CommandMain<typeof OPTIONS> = async (values) => {
  const url = localstackUrl();
  if (!(await localstackHealth(url))) {
    throw new CommandError(
      `Nothing answers at ${url}/_localstack/health: start LocalStack first (${START_HINT}), then run this again`,
    );
  }
  const region = deployRegion(values.region);
  console.log(`Deploying to LocalStack at ${url}, region ${region}`);
  const code = await deployToLocalstack(region);
  if (code === 0) {
    console.log(
      `Deployed. Reach it with --endpoint ${url}${region === DEFAULT_REGION ? '' : ` and AWS_REGION=${region}`}`,
    );
  }
  return code;
};

if (isMain(import.meta.url)) runCommand(DEPLOY_LOCALSTACK, main);
