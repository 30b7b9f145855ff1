import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CloudFormationClient,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  EstimateTemplateCostCommand,
  ListStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeBackupCommand,
  DynamoDBClient,
  ListTablesCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import {
  GetFunctionCommand,
  InvokeCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  ListFunctionsCommand,
  ListLayersCommand,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PortInUseError, startEndpoint } from '../../local/endpoint/gateway';
import { patchedAssembly } from './assembly';
import { type Harness, startHarness } from './harness';

let h: Harness;
let config: {
  region: string;
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
};
const decoder = new TextDecoder();

beforeAll(async () => {
  // Batching windows of 0.1 s: what is tested is the API, not how long a round trip takes.
  h = await startHarness({ timeScale: 10 });
  config = {
    region: h.cloud.region,
    endpoint: h.cloud.endpoint,
    credentials: { accessKeyId: 'any', secretAccessKey: 'any' },
  };
});
afterAll(async () => {
  await h?.stop();
});

describe('the local endpoint', () => {
  it('serves SQS with queue URLs on its own host and port', async () => {
    const sqs = new SQSClient(config);
    const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({}));
    expect(QueueUrls).toContain(h.cloud.outputs.RequestQueueUrl);
    for (const url of QueueUrls) expect(url.startsWith(`${h.cloud.endpoint}/`)).toBe(true);
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: h.cloud.outputs.RequestQueueUrl,
        AttributeNames: ['QueueArn'],
      }),
    );
    expect(Attributes?.QueueArn).toMatch(/^arn:aws:sqs:us-east-1:000000000000:/);
    sqs.destroy();
  });

  it('serves DynamoDB', async () => {
    const dynamodb = new DynamoDBClient(config);
    const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
    expect(TableNames).toContain(h.cloud.outputs.RequestsTableName);
    const { Count } = await dynamodb.send(
      new ScanCommand({ TableName: h.cloud.outputs.StringsTableName }),
    );
    expect(Count).toBeTypeOf('number');
    dynamodb.destroy();
  });

  it('invokes a function synchronously and reports a function error in X-Amz-Function-Error', async () => {
    const lambda = new LambdaClient(config);
    const ok = await lambda.send(
      new InvokeCommand({
        FunctionName: h.cloud.outputs.RequestorFunctionName,
        Payload: JSON.stringify({ count: 2 }),
      }),
    );
    expect(ok.StatusCode).toBe(200);
    expect(ok.FunctionError).toBeUndefined();
    const result = JSON.parse(decoder.decode(ok.Payload)) as { requestIds: string[] };
    expect(result.requestIds).toHaveLength(2);

    const failed = await lambda.send(
      new InvokeCommand({
        FunctionName: h.cloud.outputs.RequestorFunctionName,
        Payload: JSON.stringify({ count: 'many' }),
      }),
    );
    expect(failed.FunctionError).toBe('Unhandled');
    expect(JSON.parse(decoder.decode(failed.Payload))).toMatchObject({
      errorType: expect.any(String),
      errorMessage: expect.stringContaining('count'),
    });
    await h.cloud.waitForIdle();
    lambda.destroy();
  });

  it('accepts an Event invocation with 202 and runs it in the background', async () => {
    const lambda = new LambdaClient(config);
    const before =
      h.cloud.metrics().lambda[h.cloud.outputs.RequestorFunctionName ?? '']?.invocations ?? 0;
    const { StatusCode } = await lambda.send(
      new InvokeCommand({
        FunctionName: h.cloud.outputs.RequestorFunctionName,
        InvocationType: 'Event',
        Payload: JSON.stringify({ count: 1 }),
      }),
    );
    expect(StatusCode).toBe(202);
    await h.cloud.waitForIdle();
    const after =
      h.cloud.metrics().lambda[h.cloud.outputs.RequestorFunctionName ?? '']?.invocations ?? 0;
    expect(after).toBeGreaterThan(before);
    lambda.destroy();
  });

  it('answers an unknown function with ResourceNotFoundException', async () => {
    const lambda = new LambdaClient(config);
    await expect(
      lambda.send(new InvokeCommand({ FunctionName: 'nope', Payload: '{}' })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    lambda.destroy();
  });

  it('lists and describes the functions', async () => {
    const lambda = new LambdaClient(config);
    const { Functions = [] } = await lambda.send(new ListFunctionsCommand({}));
    expect(Functions.map((f) => f.FunctionName).sort()).toEqual(
      [h.cloud.outputs.GeneratorFunctionName, h.cloud.outputs.RequestorFunctionName].sort(),
    );
    const { Configuration } = await lambda.send(
      new GetFunctionCommand({ FunctionName: h.cloud.outputs.GeneratorFunctionName }),
    );
    expect(Configuration).toMatchObject({
      Runtime: expect.stringMatching(/^nodejs/),
      Role: expect.stringMatching(/^arn:aws:iam::000000000000:role\//),
      Environment: {
        Variables: expect.objectContaining({
          RESPONSE_QUEUE_URL: h.cloud.outputs.ResponseQueueUrl,
        }),
      },
    });
    lambda.destroy();
  });

  it('disables and re-enables an event source mapping with UpdateEventSourceMapping', async () => {
    const lambda = new LambdaClient(config);
    const { EventSourceMappings = [] } = await lambda.send(
      new ListEventSourceMappingsCommand({ FunctionName: h.cloud.outputs.GeneratorFunctionName }),
    );
    expect(EventSourceMappings).toHaveLength(2);
    const requestQueueArn = (
      await new SQSClient(config).send(
        new GetQueueAttributesCommand({
          QueueUrl: h.cloud.outputs.RequestQueueUrl,
          AttributeNames: ['QueueArn'],
        }),
      )
    ).Attributes?.QueueArn;
    const mapping = EventSourceMappings.find((m) => m.EventSourceArn === requestQueueArn);
    expect(mapping?.State).toBe('Enabled');

    const disabled = await lambda.send(
      new UpdateEventSourceMappingCommand({ UUID: mapping?.UUID, Enabled: false }),
    );
    expect(disabled.State).toBe('Disabled');
    await h.send('RequestQueueUrl', [{ body: '{"not":"consumed while disabled"}' }]);
    // Nothing consumes it: a paused mapping has no receive on the wire.
    expect(await h.depth('RequestQueueUrl')).toEqual({ visible: 1, inFlight: 0 });

    const enabled = await lambda.send(
      new UpdateEventSourceMappingCommand({ UUID: mapping?.UUID, Enabled: true }),
    );
    expect(enabled.State).toBe('Enabled');
    await h.until('the request queue is drained', async () => {
      const { visible, inFlight } = await h.depth('RequestQueueUrl');
      return visible + inFlight === 0;
    });
    await h.cloud.waitForIdle();
    lambda.destroy();
  });

  it('describes the stack with its resolved outputs and resources', async () => {
    const cfn = new CloudFormationClient(config);
    const { Stacks = [] } = await cfn.send(
      new DescribeStacksCommand({ StackName: h.cloud.stackName }),
    );
    expect(Stacks).toHaveLength(1);
    const outputs = Object.fromEntries(
      (Stacks[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]),
    );
    expect(outputs).toEqual(h.cloud.outputs);
    expect(Stacks[0]?.StackStatus).toBe('CREATE_COMPLETE');

    const { StackResourceSummaries = [] } = await cfn.send(
      new ListStackResourcesCommand({ StackName: h.cloud.stackName }),
    );
    const queue = StackResourceSummaries.find(
      (r) => r.PhysicalResourceId === h.cloud.outputs.RequestQueueUrl,
    );
    expect(queue?.ResourceType).toBe('AWS::SQS::Queue');
    const { StackResources = [] } = await cfn.send(
      new DescribeStackResourcesCommand({
        StackName: h.cloud.stackName,
        LogicalResourceId: queue?.LogicalResourceId,
      }),
    );
    expect(StackResources.map((r) => r.PhysicalResourceId)).toEqual([
      h.cloud.outputs.RequestQueueUrl,
    ]);
    await expect(
      cfn.send(new DescribeStacksCommand({ StackName: 'OtherStack' })),
    ).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'Stack with id OtherStack does not exist',
    });
    cfn.destroy();
  });

  it('names the caller: the account root for any credentials, the role session for a function', async () => {
    const admin = new STSClient(config);
    expect(await admin.send(new GetCallerIdentityCommand({}))).toMatchObject({
      Account: '000000000000',
      Arn: 'arn:aws:iam::000000000000:root',
    });
    const generator = h.cloud.outputs.GeneratorFunctionName ?? '';
    const asGenerator = new STSClient({
      ...config,
      credentials: h.cloud.roleCredentials(generator),
    });
    const { Arn } = await asGenerator.send(new GetCallerIdentityCommand({}));
    expect(Arn).toMatch(
      new RegExp(
        `^arn:aws:sts::000000000000:assumed-role/StringPipeline-GeneratorRole[^/]*/${generator}$`,
      ),
    );
    admin.destroy();
    asGenerator.destroy();
  });

  it("serves each function's log lines as its log group", async () => {
    const logs = new CloudWatchLogsClient(config);
    // The group its logging config names, a generated one, not Lambda's default.
    const group = h.cloud.outputs.RequestorLogGroupName ?? '';
    expect(group).not.toBe(`/aws/lambda/${h.cloud.outputs.RequestorFunctionName}`);
    const { logGroups = [] } = await logs.send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: group }),
    );
    expect(logGroups.map((g) => g.logGroupName)).toContain(group);
    const { events = [] } = await logs.send(
      new FilterLogEventsCommand({ logGroupName: group, filterPattern: '"requested strings"' }),
    );
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) expect(e.message).toContain('requested strings');
    const streamName = events[0]?.logStreamName;
    const page = await logs.send(
      new GetLogEventsCommand({
        logGroupName: group,
        logStreamName: streamName,
        startFromHead: true,
      }),
    );
    expect(page.events?.length).toBeGreaterThanOrEqual(events.length);

    const json = await logs.send(
      new FilterLogEventsCommand({
        logGroupName: group,
        filterPattern: '{ $.level = "INFO" && $.message = "requested*" }',
      }),
    );
    expect(json.events?.map((e) => e.eventId)).toEqual(events.map((e) => e.eventId));
    await expect(
      logs.send(new FilterLogEventsCommand({ logGroupName: group, filterPattern: '[ip, user]' })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining('"[ip, user]"'),
    });
    logs.destroy();
  });

  it("answers operations it does not serve with the service's own error, never a hang", async () => {
    const dynamodb = new DynamoDBClient(config);
    await expect(
      dynamodb.send(new DescribeBackupCommand({ BackupArn: 'arn:aws:dynamodb:x' })),
    ).rejects.toMatchObject({ name: 'UnknownOperationException' });
    const cfn = new CloudFormationClient(config);
    await expect(
      cfn.send(new EstimateTemplateCostCommand({ TemplateBody: '{}' })),
    ).rejects.toMatchObject({
      name: 'InvalidAction',
      message: expect.stringContaining('EstimateTemplateCost'),
    });
    const lambda = new LambdaClient(config);
    await expect(lambda.send(new ListLayersCommand({}))).rejects.toMatchObject({
      name: 'UnsupportedOperationException',
    });
    const kinesisStyle = await fetch(`${h.cloud.endpoint}/some-stream/records`, {
      method: 'PUT',
      headers: {
        authorization:
          'AWS4-HMAC-SHA256 Credential=any/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=x',
      },
      body: 'x',
    });
    expect(kinesisStyle.status).toBe(400);
    expect(await kinesisStyle.text()).toContain('does not serve kinesis');
    for (const c of [dynamodb, cfn, lambda]) c.destroy();
  });
});

describe('a mapping disabled in the template', () => {
  it('polls nothing until UpdateEventSourceMapping enables it, then delivers', async () => {
    const assemblyDir = patchedAssembly((template) => {
      for (const [id, resource] of Object.entries(template.Resources)) {
        if (id.startsWith('RequestEventSource')) {
          resource.Properties.Enabled = false;
        }
      }
    });
    const d = await startHarness({ assemblyDir, timeScale: 10 });
    const lambda = new LambdaClient({ ...config, endpoint: d.cloud.endpoint });
    try {
      const { EventSourceMappings = [] } = await lambda.send(
        new ListEventSourceMappingsCommand({ FunctionName: d.cloud.outputs.GeneratorFunctionName }),
      );
      const disabled = EventSourceMappings.filter((m) => m.State === 'Disabled');
      expect(disabled).toHaveLength(1);
      expect(disabled[0]?.EventSourceArn?.split(':').pop()).toBe(
        d.cloud.outputs.RequestQueueUrl?.split('/').pop(),
      );

      const [requestId] = await d.requestStrings(1);
      expect(await d.depth('RequestQueueUrl')).toEqual({ visible: 1, inFlight: 0 });

      const enabled = await lambda.send(
        new UpdateEventSourceMappingCommand({ UUID: disabled[0]?.UUID, Enabled: true }),
      );
      expect(enabled.State).toBe('Enabled');
      await d.until('the string is generated and acknowledged', async () => {
        const { complete } = await d.reconcile([requestId ?? '']);
        return complete === 1;
      });
    } finally {
      lambda.destroy();
      await d.stop();
    }
  });
});

describe('starting the endpoint', () => {
  it('refuses a taken port, naming it and the process that holds it', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as AddressInfo).port;
    try {
      const attempt = startEndpoint({ port, services: {} });
      await expect(attempt).rejects.toBeInstanceOf(PortInUseError);
      await expect(attempt).rejects.toThrow(
        new RegExp(`Port ${port} on 127.0.0.1 is already in use by pid ${process.pid} `),
      );
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});
