import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';

/** Where the pipeline the commands talk to runs. */
export type TargetKind = 'local' | 'endpoint' | 'aws';

/** AWS services the commands and the end-to-end tests use. */
export type Service = 'sqs' | 'dynamodb' | 'lambda' | 'cloudformation';

/** Settings for an SDK client of one service. */
export interface ClientConfig {
  region: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
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
  clientConfig(service: Service): ClientConfig;
}

/** How to find the target, from command-line options or environment variables. */
export interface TargetOptions {
  /** One endpoint for every service (LocalStack: http://localhost:4566). */
  readonly endpoint?: string;
  /** @default AWS_REGION, then us-east-1 */
  readonly region?: string;
  /** @default StringPipeline */
  readonly stack?: string;
  /** The state file a local cloud started with `npm start -- --keep` writes. */
  readonly stateFile?: string;
}

/** The target could not be found; the message says what is missing. */
export class TargetError extends Error {
  override readonly name = 'TargetError';
}

export const DEFAULT_STATE_FILE = '.local-cloud/state.json';
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * Finds the pipeline to talk to, in this order:
 * 1. `endpoint` given: LocalStack (or any single-endpoint emulator); outputs from DescribeStacks.
 * 2. neither `region` nor `stack` given and a local cloud's state file exists: that local cloud.
 * 3. otherwise AWS, with the default credential chain; outputs from DescribeStacks.
 *
 * @throws TargetError naming what is missing (stack, outputs, a running local cloud)
 */
export async function resolveTarget(options: TargetOptions = {}): Promise<Target> {
  const stateFile = resolve(options.stateFile ?? DEFAULT_STATE_FILE);
  const region =
    options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const stackName = options.stack ?? 'StringPipeline';

  if (options.endpoint) {
    const endpoint = options.endpoint;
    const config = (): ClientConfig => ({
      region,
      endpoint,
      credentials: process.env.AWS_ACCESS_KEY_ID
        ? {
            accessKeyId: process.env.AWS_ACCESS_KEY_ID,
            secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? '',
          }
        : { accessKeyId: 'test', secretAccessKey: 'test' },
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
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as {
      region: string;
      stackName: string;
      endpoints: { sqs: string; dynamodb: string };
      outputs: Record<string, string>;
    };
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

  const config = (): ClientConfig => ({ region });
  const outputs = await stackOutputs(stackName, config(), `in ${region}`, () =>
    existsSync(stateFile)
      ? ''
      : ` (no local cloud is running either: start one with \`npm start -- --keep\`, or pass --endpoint for LocalStack)`,
  );
  return {
    kind: 'aws',
    region,
    stackName,
    outputs,
    description: `stack ${stackName} in ${region}`,
    clientConfig: config,
  };
}

async function stackOutputs(
  stackName: string,
  config: ClientConfig,
  where: string,
  hint: () => string = () => '',
): Promise<Record<string, string>> {
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
    throw new TargetError(`Could not read stack ${stackName} ${where}: ${reason}${hint()}`);
  } finally {
    cloudformation.destroy();
  }
}

/** A stack output, or an error naming the missing key and the target. */
export function requireOutput(target: Target, key: string): string {
  const value = target.outputs[key];
  if (!value) {
    throw new TargetError(
      `${target.description} has no output ${key} (outputs: ${Object.keys(target.outputs).join(', ') || 'none'})`,
    );
  }
  return value;
}
