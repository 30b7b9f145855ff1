import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import {
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  PublishVersionCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type CloudHost, startCloudHost } from '../../local/engine/host';
import { resolveTarget } from '../../ops/target';
import { patchedAssembly, stageAssembly } from './assembly';
import { type Harness, startHarness } from './harness';

/** The stack `npm start` runs, as the local CloudFormation deployed it. */
describe('the stack npm start deploys through CloudFormation', () => {
  let h: Harness;
  let cfn: CloudFormationClient;
  let lambda: LambdaClient;

  beforeAll(async () => {
    h = await startHarness();
    cfn = new CloudFormationClient(h.cloud.clientConfig('sqs'));
    lambda = new LambdaClient(h.cloud.clientConfig('sqs'));
  });

  afterAll(async () => {
    cfn.destroy();
    lambda.destroy();
    await h.stop();
  });

  const status = async (stackName: string) =>
    (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];

  it('is a CloudFormation stack beside the bootstrap stack, with its events and outputs', async () => {
    expect((await status('CDKToolkit'))?.StackStatus).toBe('CREATE_COMPLETE');
    const stack = await status('StringPipeline');
    expect(stack?.StackStatus).toBe('CREATE_COMPLETE');
    const outputs = Object.fromEntries(
      (stack?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]),
    );
    expect(outputs).toEqual(h.cloud.outputs);
    const { StackEvents = [] } = await cfn.send(
      new DescribeStackEventsCommand({ StackName: 'StringPipeline' }),
    );
    const created = StackEvents.filter((e) => e.ResourceStatus === 'CREATE_COMPLETE');
    expect(created.map((e) => e.ResourceType)).toEqual(
      expect.arrayContaining(['AWS::SQS::Queue', 'AWS::DynamoDB::Table', 'AWS::Lambda::Function']),
    );
  });

  it('diffs a context change as cdk diff does: a change set that modifies the mappings in place', async () => {
    const batchOf5 = patchedAssembly((template) => {
      for (const resource of Object.values(template.Resources))
        if (resource.Type === 'AWS::Lambda::EventSourceMapping') resource.Properties.BatchSize = 5;
    });
    const { Id } = await cfn.send(
      new CreateChangeSetCommand({
        StackName: 'StringPipeline',
        ChangeSetName: 'batch-size',
        ChangeSetType: 'UPDATE',
        TemplateBody: readFileSync(join(batchOf5, 'StringPipeline.template.json'), 'utf8'),
      }),
    );
    const { Changes = [] } = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: Id }));
    const changed = Changes.map((c) => c.ResourceChange);
    expect(changed.map((c) => c?.ResourceType)).toEqual([
      'AWS::Lambda::EventSourceMapping',
      'AWS::Lambda::EventSourceMapping',
      'AWS::Lambda::EventSourceMapping',
    ]);
    for (const change of changed) {
      expect(change).toMatchObject({ Action: 'Modify', Replacement: 'False' });
      expect(change?.Details?.map((d) => d.Target?.Name)).toEqual(['BatchSize']);
    }
    await cfn.send(new DeleteChangeSetCommand({ ChangeSetName: Id }));
  });

  it('rolls back an update whose resource fails, naming it, and the old stack keeps serving', async () => {
    const broken = patchedAssembly((template) => {
      for (const resource of Object.values(template.Resources))
        if (resource.Type === 'AWS::Lambda::Function') resource.Properties.Runtime = 'python3.12';
    });
    await expect(h.cloud.updateStack(broken)).rejects.toThrow(
      /StringPipeline UPDATE_ROLLBACK_COMPLETE: \w+Function\w+ \(AWS::Lambda::Function\): The local cloud runs Node\.js functions only, got runtime python3\.12/,
    );
    expect((await status('StringPipeline'))?.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    const ids = await h.requestStrings(3);
    await h.cloud.waitForIdle();
    expect((await h.reconcile(ids)).complete).toBe(3);
  });

  it('changes configuration and publishes versions as a hotswap does', async () => {
    const FunctionName = h.cloud.outputs.GeneratorFunctionName ?? '';
    const before = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName }));
    const Variables = { ...before.Environment?.Variables, HOTSWAPPED: 'yes' };
    const updated = await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName,
        Environment: { Variables },
        Timeout: 7,
      }),
    );
    expect(updated).toMatchObject({ Timeout: 7, LastUpdateStatus: 'Successful' });
    const after = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName }));
    expect(after.Environment?.Variables?.HOTSWAPPED).toBe('yes');
    const running = Object.values(h.cloud.functions).find((f) => f.name === FunctionName);
    expect(running?.timeoutSeconds).toBe(7);
    const versions = [
      await lambda.send(new PublishVersionCommand({ FunctionName })),
      await lambda.send(new PublishVersionCommand({ FunctionName })),
    ];
    expect(versions.map((v) => v.Version)).toEqual(['1', '2']);
    expect(versions[1]?.FunctionArn).toBe(`${before.FunctionArn}:2`);
  });
});

describe('stages side by side on one endpoint', () => {
  let host: CloudHost;
  const stateFile = join(mkdtempSync(join(tmpdir(), 'stages-')), 'state.json');

  beforeAll(async () => {
    host = await startCloudHost({ stateFile });
  });

  afterAll(() => host.stop());

  it('deploys a dev and a prod stack, each with its own functions, queues and tables', async () => {
    const dev = await host.deploy(inject('pipelineAssembly'));
    const prod = await host.deploy(stageAssembly('StringPipeline-prod'));
    expect([dev.status, prod.status]).toEqual(['CREATE_COMPLETE', 'CREATE_COMPLETE']);
    const names = (stack: typeof dev) =>
      [...stack.resources.values()]
        .filter((r) => r.type === 'AWS::DynamoDB::Table' || r.type === 'AWS::Lambda::Function')
        .map((r) => r.physicalId);
    expect(names(prod).every((name) => name.startsWith('StringPipeline-prod-'))).toBe(true);
    expect(names(dev).some((name) => names(prod).includes(name))).toBe(false);
    // Each stage's schedule lives in its own schedule group, as its ARN says.
    for (const stack of [dev, prod]) {
      const all = [...stack.resources.values()];
      const group = all.find((r) => r.type === 'AWS::Scheduler::ScheduleGroup')?.physicalId;
      const schedule = all.find((r) => r.type === 'AWS::Scheduler::Schedule');
      expect(schedule?.attributes.Arn).toContain(`:schedule/${group}/`);
    }
    const lambda = new LambdaClient({
      region: 'us-east-1',
      endpoint: host.endpoint,
      credentials: { accessKeyId: 'a', secretAccessKey: 's' },
    });
    for (const FunctionName of ['StringPipeline-requestor', 'StringPipeline-prod-requestor']) {
      const answer = await lambda.send(
        new InvokeCommand({ FunctionName, Payload: JSON.stringify({ count: 0 }) }),
      );
      // Each stage's requestor runs and validates its input.
      expect(answer.FunctionError).toBe('Unhandled');
      expect(Buffer.from(answer.Payload ?? []).toString()).toMatch(/count/);
    }
    lambda.destroy();
  });

  it('lets the tools find the stack the CDK CLI deployed onto `npm run cloud`, and another at its endpoint', async () => {
    // `npm run cloud` writes a state file naming no stack: the default one is what was deployed.
    const found = await resolveTarget({ stateFile });
    expect(found.stackName).toBe('StringPipeline');
    expect(found.outputs.RequestorFunctionName).toBe('StringPipeline-requestor');
    const prod = await resolveTarget({ endpoint: host.endpoint, stack: 'StringPipeline-prod' });
    expect(prod.outputs.RequestorFunctionName).toBe('StringPipeline-prod-requestor');
  });
});
