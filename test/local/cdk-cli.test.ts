import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudFormationClient,
  DeleteStackCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient, UpdateFunctionCodeCommand } from '@aws-sdk/client-lambda';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { strToU8, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CloudHost, startCloudHost } from '../../local/engine/host';
import { isClean, reconcile } from '../../ops/reconcile';
import { leanAssembly } from './assembly';

const CDK = join(process.cwd(), 'node_modules', '.bin', 'cdk');
/** Round trips through the deployed stack: enough for each function's mapping to batch. */
const ROUND_TRIPS = 30;

let host: CloudHost;
let dir: string;

beforeAll(async () => {
  // Batching windows of a tenth, and no schedule adding requests of its own: the round trips
  // prove the deploy, not the windows' length.
  host = await startCloudHost({ timeScale: 10, schedules: false });
  dir = mkdtempSync(join(tmpdir(), 'cdk-cli-'));
});

afterAll(async () => {
  await host.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the CDK CLI from node_modules against the host; resolves with its exit code and output. */
function cdk(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(CDK, [...args, '--no-notices'], {
      cwd: dir,
      env: {
        ...process.env,
        AWS_ENDPOINT_URL: host.endpoint,
        AWS_ENDPOINT_URL_S3: host.endpoint,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_REGION: 'us-east-1',
        CDK_DISABLE_CLI_TELEMETRY: 'true',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('close', (code) => resolve({ code, output }));
  });
}

const config = () => ({
  region: 'us-east-1',
  endpoint: host.endpoint,
  credentials: { accessKeyId: 'a', secretAccessKey: 's' },
});

describe('the unmodified CDK CLI against the local cloud', () => {
  it('bootstraps the environment: the toolkit stack, its version parameter and roles the deploy can assume', async () => {
    const run = await cdk(['bootstrap', 'aws://000000000000/us-east-1']);
    expect(run.output).toContain('Environment aws://000000000000/us-east-1 bootstrapped');
    expect(run.code).toBe(0);

    const cfn = new CloudFormationClient(config());
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: 'CDKToolkit' }));
    expect(Stacks?.[0]?.StackStatus).toBe('CREATE_COMPLETE');
    const version = Stacks?.[0]?.Outputs?.find(
      (o) => o.OutputKey === 'BootstrapVersion',
    )?.OutputValue;

    // The deploy role is what `cdk deploy` assumes: its policies (with their conditions) must let
    // it read the version, as they do on AWS.
    const sts = new STSClient(config());
    const { Credentials } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: 'arn:aws:iam::000000000000:role/cdk-hnb659fds-deploy-role-000000000000-us-east-1',
        RoleSessionName: 'test',
      }),
    );
    const ssm = new SSMClient({
      ...config(),
      credentials: {
        accessKeyId: Credentials?.AccessKeyId ?? '',
        secretAccessKey: Credentials?.SecretAccessKey ?? '',
        sessionToken: Credentials?.SessionToken ?? '',
      },
    });
    const { Parameter } = await ssm.send(
      new GetParameterCommand({ Name: '/cdk-bootstrap/hnb659fds/version' }),
    );
    expect(Parameter?.Value).toBe(version);
    for (const c of [cfn, sts, ssm]) c.destroy();
  });

  it('deploys the app with its assets, and round trips on it reconcile exactly', async () => {
    // The app at the lean concurrency the other local tests run: the deploy is the same, with
    // fewer environments to start. With 30 round trips, 3.5 CPU-s less than at its own with 100.
    const run = await cdk([
      'deploy',
      '--app',
      leanAssembly(),
      '--require-approval',
      'never',
      'StringPipeline',
    ]);
    expect(run.output).toContain('✅  StringPipeline');
    expect(run.code).toBe(0);
    const cfn = new CloudFormationClient(config());
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: 'StringPipeline' }));
    expect(Stacks?.[0]?.StackStatus).toBe('CREATE_COMPLETE');
    const outputs = Object.fromEntries(
      (Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]),
    );

    const lambda = new LambdaClient(config());
    const response = await lambda.send(
      new InvokeCommand({
        FunctionName: outputs.RequestorFunctionName,
        Payload: Buffer.from(JSON.stringify({ count: ROUND_TRIPS })),
      }),
    );
    const { requestIds } = JSON.parse(Buffer.from(response.Payload ?? []).toString('utf8')) as {
      requestIds: string[];
    };
    await host.waitForIdle();
    const sqs = new SQSClient(config());
    const dynamodb = new DynamoDBClient(config());
    const summary = await reconcile({
      sqs,
      dynamodb,
      outputs: outputs as Record<string, string>,
      expected: requestIds,
    });
    expect(summary.complete).toBe(ROUND_TRIPS);
    expect(isClean(summary)).toBe(true);
    for (const c of [cfn, lambda, sqs, dynamodb]) c.destroy();
  });

  it('swaps in new handler code with UpdateFunctionCode, as cdk deploy --hotswap does', async () => {
    const lambda = new LambdaClient(config());
    const zip = zipSync({
      'index.mjs': strToU8('export const handler = async () => "swapped";\n'),
    });
    await lambda.send(
      new UpdateFunctionCodeCommand({ FunctionName: 'StringPipeline-requestor', ZipFile: zip }),
    );
    const response = await lambda.send(
      new InvokeCommand({ FunctionName: 'StringPipeline-requestor', Payload: Buffer.from('{}') }),
    );
    expect(Buffer.from(response.Payload ?? []).toString('utf8')).toBe('"swapped"');
    lambda.destroy();
  });

  it('deletes the stack: its queues, tables and functions go, the toolkit stays', async () => {
    const cfn = new CloudFormationClient(config());
    await cfn.send(new DeleteStackCommand({ StackName: 'StringPipeline' }));
    await host.cloudformation.settled();
    const sqs = new SQSClient(config());
    const dynamodb = new DynamoDBClient(config());
    const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({}));
    const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
    expect(QueueUrls.filter((u) => u.includes('StringPipeline'))).toEqual([]);
    expect(TableNames.filter((t) => t.startsWith('StringPipeline'))).toEqual([]);
    expect([...host.compute.functions.keys()]).toEqual([]);
    const { Stacks = [] } = await cfn.send(new DescribeStacksCommand({}));
    expect(Stacks.map((stack) => stack.StackName)).toEqual(['CDKToolkit']);
    for (const c of [sqs, dynamodb, cfn]) c.destroy();
  });
});
