/**
 * `npm run test:localstack`: runs the end-to-end suite against LocalStack, the same suite `npm
 * test` runs against the local cloud. Starts LocalStack with the compose file (unless one already
 * answers), deploys with cdklocal, runs test/local/e2e.test.ts through PIPELINE_ENDPOINT, and
 * stops what it started. Needs Docker and LOCALSTACK_AUTH_TOKEN; without them it says which is
 * missing, in one line, and exits 1.
 */
import {
  bin,
  COMPOSE_FILE,
  deployRegion,
  deployToLocalstack,
  localstackHealth,
  localstackUrl,
  missingForLocalstack,
  run,
  servicesNotReady,
} from '../ops/localstack';
import {
  CommandError,
  type CommandMain,
  type CommandSpec,
  integerOption,
  isMain,
  type OptionSpecs,
  runCommand,
} from './cli';

const OPTIONS = {
  region: {
    type: 'string',
    placeholder: 'REGION',
    description:
      'region to deploy to and test in (default: AWS_REGION, AWS_DEFAULT_REGION, us-east-1)',
  },
  keep: {
    type: 'boolean',
    default: false,
    description: 'leave the LocalStack this command started running afterwards',
  },
  'start-timeout': {
    type: 'string',
    default: '180',
    placeholder: 'SECONDS',
    description: 'how long to wait for LocalStack to answer after starting it',
  },
} as const satisfies OptionSpecs;

/** What `npm run test:localstack -- --help` says. */
export const TEST_LOCALSTACK: CommandSpec<typeof OPTIONS> = {
  invocation: 'npm run test:localstack --',
  summary: `Runs the end-to-end suite against LocalStack: starts it with ${COMPOSE_FILE} (unless one already answers on EDGE_PORT, default 4566), deploys with cdklocal, runs test/local/e2e.test.ts with PIPELINE_ENDPOINT, then stops what it started. Needs Docker and LOCALSTACK_AUTH_TOKEN.`,
  options: OPTIONS,
  examples: [
    'LOCALSTACK_AUTH_TOKEN=... npm run test:localstack',
    'LOCALSTACK_AUTH_TOKEN=... npm run test:localstack -- --keep --region eu-west-1',
  ],
};

async function waitForLocalstack(url: string, timeoutSeconds: number): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let last = 'nothing answers yet';
  for (;;) {
    const services = await localstackHealth(url);
    if (services) {
      const pending = servicesNotReady(services);
      if (pending.length === 0) return;
      last = `waiting for ${pending.join(', ')}`;
    }
    if (Date.now() > deadline) {
      throw new CommandError(
        `LocalStack at ${url} was not ready after ${timeoutSeconds} s (${last}); see docker compose -f ${COMPOSE_FILE} logs`,
      );
    }
    process.stdout.write(`  ${last}\n`);
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
}

/** The command itself, given its parsed options: `runCommand` runs it as a script, tests in-process. */
export const main: CommandMain<typeof OPTIONS> = async (values) => {
  const startTimeout = integerOption('start-timeout', values['start-timeout'], { min: 1 });
  const missing = missingForLocalstack();
  if (missing) throw new CommandError(`npm run test:localstack needs ${missing}`);
  const url = localstackUrl();
  const region = deployRegion(values.region);
  const running = (await localstackHealth(url)) !== undefined;
  // Ctrl-C reaches the children too (same process group); we stay to tear down.
  let interrupted = false;
  process.on('SIGINT', () => {
    interrupted = true;
  });
  if (running) console.log(`LocalStack already answers at ${url}: using it, leaving it running`);
  else {
    console.log(`Starting LocalStack (${COMPOSE_FILE})`);
    const up = await run('docker', ['compose', '-f', COMPOSE_FILE, 'up', '-d']);
    if (up !== 0)
      throw new CommandError(`docker compose -f ${COMPOSE_FILE} up -d failed (exit ${up})`);
  }
  try {
    await waitForLocalstack(url, startTimeout);
    console.log(`Deploying with cdklocal to region ${region}`);
    const deployed = await deployToLocalstack(region);
    if (deployed !== 0 || interrupted) return deployed || 130;
    console.log('Running test/local/e2e.test.ts against LocalStack');
    const tested = await run(bin('vitest'), ['run', 'test/local/e2e.test.ts'], {
      ...process.env,
      PIPELINE_ENDPOINT: url,
      AWS_REGION: region,
    });
    return interrupted ? 130 : tested;
  } finally {
    if (!running && !values.keep) {
      console.log('Stopping LocalStack');
      await run('docker', ['compose', '-f', COMPOSE_FILE, 'down']);
    } else if (!running) {
      console.log(`LocalStack keeps running: docker compose -f ${COMPOSE_FILE} down to stop it`);
    }
  }
};

if (isMain(import.meta.url)) runCommand(TEST_LOCALSTACK, main);
