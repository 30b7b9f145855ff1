/**
 * Finds the pipeline the operations tools talk to (a local cloud, LocalStack or AWS), with its
 * stack outputs and the SDK client settings for each of its services.
 */
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { DEFAULT_REGION } from '../aws/defaults';
import type { OutputKey } from '../contract/contract';
import type { LocalCloud } from '../local/cloud';
import type { LocalCloudState } from '../local/state/state-file';

/** Where the pipeline the commands talk to runs. */
export type TargetKind = 'local' | 'endpoint' | 'aws';

/** AWS services the commands and the end-to-end tests use. */
export type Service = 'sqs' | 'dynamodb' | 'lambda' | 'cloudformation' | 'logs';

/** Settings for an SDK client of one service. */
export interface ClientConfig {
  region: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** A profile from the shared AWS config files, for credentials. */
  profile?: string;
}

/** A deployed (or locally running) pipeline stack: its outputs and how to reach its services. */
export interface Target {
  readonly kind: TargetKind;
  readonly region: string;
  readonly stackName: string;
  /** CloudFormation outputs: queue URLs, table names, function names, dashboard name. */
  readonly outputs: Record<string, string>;
  /** Human-readable description, for command output. */
  readonly description: string;
  /**
   * Settings for an SDK client of `service`.
   * @throws TargetError for a service the target does not run (the local cloud: Lambda, CloudFormation)
   */
  clientConfig(service: Service): ClientConfig;
}

/** How to find the target, from command-line options or environment variables. */
export interface TargetOptions {
  /** One endpoint for every service (LocalStack: http://localhost:4566). */
  readonly endpoint?: string;
  /** @default AWS_REGION, AWS_DEFAULT_REGION, the profile's region, then us-east-1 */
  readonly region?: string;
  /** @default StringPipeline */
  readonly stack?: string;
  /** A profile from the shared AWS config files. @default AWS_PROFILE, then `default` */
  readonly profile?: string;
  /** The state file a local cloud started with `npm start -- --keep` writes. @default .local-cloud/state.json */
  readonly stateFile?: string;
}

/** The target could not be found; the message says what is missing. */
export class TargetError extends Error {
  override readonly name = 'TargetError';
}

/** Where `npm start` has its local cloud write its endpoints and outputs. */
export const DEFAULT_STATE_FILE = '.local-cloud/state.json';
/** The stack name `bin/app.ts` deploys. */
export const DEFAULT_STACK_NAME = 'StringPipeline';
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
// LocalStack accepts any credentials; `test` is what its own tools use.
const LOCALSTACK_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
const START_HINT =
  'start a local cloud with `npm start -- --keep`, pass --endpoint for LocalStack, or configure AWS credentials (--profile, AWS_PROFILE, AWS_ACCESS_KEY_ID)';

/**
 * The region of a single-endpoint target (LocalStack): `region`, else AWS_REGION, else
 * AWS_DEFAULT_REGION, else us-east-1. `npm run deploy:localstack` deploys there, so the tools
 * find the stack where cdklocal put it (cdklocal alone ignores AWS_REGION and picks us-east-1).
 */
export function endpointRegion(region?: string): string {
  return region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? DEFAULT_REGION;
}

/**
 * The CloudFormation client, loaded when a target asks AWS: every command parses its options
 * through cli.ts, which imports this module, and most never call AWS.
 */
const cloudFormation = () => import('@aws-sdk/client-cloudformation');

/**
 * Finds the pipeline to talk to, in this order:
 * 1. `endpoint` given: LocalStack (or any single-endpoint emulator); outputs from DescribeStacks.
 * 2. neither `region` nor `stack` given and a local cloud's state file exists: that local cloud.
 * 3. otherwise AWS, with the default credential chain; outputs from DescribeStacks.
 *
 * @throws TargetError naming what is missing: the stack, a running local cloud, credentials
 */
export async function resolveTarget(options: TargetOptions = {}): Promise<Target> {
  const stateFile = resolve(options.stateFile ?? DEFAULT_STATE_FILE);
  const stackName = options.stack ?? DEFAULT_STACK_NAME;
  const envRegion = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  const profile = options.profile;

  if (options.endpoint) {
    const endpoint = options.endpoint;
    const region = endpointRegion(options.region);
    const config = (): ClientConfig => ({
      region,
      endpoint,
      ...(profile ? { profile } : { credentials: envCredentials() ?? LOCALSTACK_CREDENTIALS }),
    });
    const outputs = await stackOutputs(stackName, config(), `at ${endpoint}`);
    return {
      kind: 'endpoint',
      region,
      stackName,
      outputs,
      description: `stack ${stackName} at ${endpoint}`,
      clientConfig: config,
    };
  }

  if (!options.region && !options.stack && existsSync(stateFile)) {
    return localTarget(stateFile, options);
  }

  const region = envRegion ?? (await profileRegion(profile)) ?? DEFAULT_REGION;
  const config = (): ClientConfig => ({ region, ...(profile ? { profile } : {}) });
  await requireCredentials(config(), existsSync(stateFile) ? undefined : stateFile);
  const outputs = await stackOutputs(stackName, config(), `in ${region}`);
  return {
    kind: 'aws',
    region,
    stackName,
    outputs,
    description: `stack ${stackName} in ${region}`,
    clientConfig: config,
  };
}

/**
 * A local cloud's state file as read here: what `startLocalCloud` writes (one definition, in
 * local/state/state-file.ts), though a file written by hand or by an older cloud may lack the pid and
 * the single endpoint.
 */
type LocalState = Omit<LocalCloudState, 'endpoint' | 'pid' | 'port' | 'startedAt'> &
  Partial<Pick<LocalCloudState, 'endpoint' | 'pid'>>;

async function localTarget(stateFile: string, options: TargetOptions): Promise<Target> {
  const state = readState(stateFile);
  // The cloud removes its state file when it stops; one left behind by a killed process points
  // at closed ports, which would otherwise surface as a bare ECONNREFUSED from the first call.
  if (!(await answers(state.endpoints.sqs))) {
    throw new TargetError(
      `The local cloud in ${stateFile} is not running (nothing answers at ${state.endpoints.sqs}): start one with \`npm start -- --keep\`, or delete the stale file`,
    );
  }
  if (state.endpoint) {
    // One endpoint for every service: reached exactly as LocalStack is, outputs from
    // DescribeStacks, so the local run exercises the LocalStack code path.
    // `npm run cloud` runs no stack of its own (an empty name): the default stack is the one the
    // CDK CLI deployed onto it (another is reached with --endpoint and --stack).
    const target = await resolveTarget({
      ...options,
      endpoint: state.endpoint,
      region: state.region,
      stack: state.stackName || undefined,
    });
    return {
      ...target,
      kind: 'local',
      description: `local cloud at ${state.endpoint}${state.pid ? ` (pid ${state.pid})` : ''}`,
    };
  }
  return {
    kind: 'local',
    region: state.region,
    stackName: state.stackName,
    outputs: state.outputs,
    description: `local cloud (SQS ${state.endpoints.sqs}, DynamoDB ${state.endpoints.dynamodb})`,
    clientConfig(service) {
      if (service !== 'sqs' && service !== 'dynamodb') {
        throw new TargetError(`The local cloud serves SQS and DynamoDB only, not ${service}`);
      }
      return {
        region: state.region,
        endpoint: state.endpoints[service],
        credentials: LOCAL_CREDENTIALS,
      };
    },
  };
}

/**
 * A local cloud running in this process as a target: every service at its one endpoint, as an
 * administrator, so the tools read it exactly as they read LocalStack or AWS.
 */
export function runningCloudTarget(
  cloud: Pick<LocalCloud, 'region' | 'endpoint' | 'stackName' | 'outputs' | 'clientConfig'>,
): Target {
  const { region, endpoint, credentials } = cloud.clientConfig('sqs');
  return {
    kind: 'local',
    region,
    stackName: cloud.stackName,
    outputs: cloud.outputs,
    description: `local cloud at ${cloud.endpoint}`,
    clientConfig: () => ({ region, endpoint, credentials }),
  };
}

function readState(stateFile: string): LocalState {
  let state: unknown;
  try {
    state = JSON.parse(readFileSync(stateFile, 'utf8'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new TargetError(`Could not read the local cloud state file ${stateFile}: ${reason}`);
  }
  const s = (state ?? {}) as Partial<Record<keyof LocalState, unknown>>;
  const endpoints = (s.endpoints ?? {}) as Record<string, unknown>;
  const missing = [
    typeof s.region === 'string' ? '' : 'region',
    typeof s.stackName === 'string' ? '' : 'stackName',
    typeof endpoints.sqs === 'string' ? '' : 'endpoints.sqs',
    typeof endpoints.dynamodb === 'string' ? '' : 'endpoints.dynamodb',
    typeof s.outputs === 'object' && s.outputs !== null ? '' : 'outputs',
  ].filter(Boolean);
  if (missing.length > 0) {
    throw new TargetError(`The local cloud state file ${stateFile} has no ${missing.join(', ')}`);
  }
  return state as LocalState;
}

/** Whether something accepts TCP connections at the URL's host and port. */
function answers(url: string): Promise<boolean> {
  const { hostname, port, protocol } = new URL(url);
  return new Promise((done) => {
    const socket = connect({
      host: hostname,
      port: Number(port || (protocol === 'https:' ? 443 : 80)),
    });
    socket.setTimeout(2000);
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
    socket.once('timeout', () => finish(false));
  });
}

function envCredentials(): ClientConfig['credentials'] {
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
  if (!accessKeyId) return undefined;
  return { accessKeyId, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? '' };
}

/** The region the shared config files give the profile, if any. */
async function profileRegion(profile: string | undefined): Promise<string | undefined> {
  const { CloudFormationClient } = await cloudFormation();
  const client = new CloudFormationClient(profile ? { profile } : {});
  try {
    return await client.config.region();
  } catch {
    return undefined;
  } finally {
    client.destroy();
  }
}

/**
 * Resolves credentials before any call, so "no credentials" is reported as such (and, when no
 * local cloud is running either, with every way to get a target) instead of as a failed call.
 */
async function requireCredentials(config: ClientConfig, absentStateFile?: string): Promise<void> {
  const { CloudFormationClient } = await cloudFormation();
  const client = new CloudFormationClient(config);
  try {
    await client.config.credentials();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const where = config.profile ? ` for profile ${config.profile}` : '';
    throw new TargetError(
      absentStateFile
        ? `No local cloud is running (no ${absentStateFile}) and no AWS credentials were found${where} (${reason}): ${START_HINT}`
        : `No AWS credentials were found${where} (${reason})`,
    );
  } finally {
    client.destroy();
  }
}

async function stackOutputs(
  stackName: string,
  config: ClientConfig,
  where: string,
): Promise<Record<string, string>> {
  const { CloudFormationClient, DescribeStacksCommand } = await cloudFormation();
  const cloudformation = new CloudFormationClient(config);
  try {
    const { Stacks = [] } = await cloudformation.send(
      new DescribeStacksCommand({ StackName: stackName }),
    );
    const stack = Stacks[0];
    if (!stack) throw new TargetError(`Stack ${stackName} not found ${where}`);
    return Object.fromEntries(
      (stack.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']),
    );
  } catch (error) {
    if (error instanceof TargetError) throw error;
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (config.endpoint && /ECONNREFUSED/.test(reason)) {
      throw new TargetError(
        `Nothing answers at ${config.endpoint}: start LocalStack (docker compose -f docker-compose.localstack.yml up -d) or check --endpoint`,
      );
    }
    // DescribeStacks answers an unknown stack with a ValidationError "Stack with id X does not exist".
    if (/does not exist/i.test(reason)) {
      throw new TargetError(
        `Stack ${stackName} not found ${where} (deploy it first, or pass --stack NAME)`,
      );
    }
    throw new TargetError(`Could not read stack ${stackName} ${where}: ${reason}`);
  } finally {
    cloudformation.destroy();
  }
}

/** A stack output, or an error naming the missing key and the target. */
export function requireOutput(target: Target, key: OutputKey): string {
  const value = target.outputs[key];
  if (!value) {
    throw new TargetError(
      `${target.description} has no output ${key} (outputs: ${Object.keys(target.outputs).join(', ') || 'none'})`,
    );
  }
  return value;
}
