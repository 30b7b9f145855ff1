import { execFile, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import dynalite from 'dynalite';
import { buildApp } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseQueues } from '../../commands/redrive';
import { inspect } from '../../ops/inspect';
import { QUEUES } from '../../ops/reconcile';
import { type MoveProgress, redrive } from '../../ops/redrive';
import { resolveTarget, type Target, TargetError } from '../../ops/target';
import { startHarness } from './harness';

const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const TSX = join('node_modules', '.bin', 'tsx');
const execFileAsync = promisify(execFile);

/** Runs a command's CLI in a child process (synchronously: only for cases needing no server here). */
const cli = (script: string, args: string[], env: NodeJS.ProcessEnv = process.env) =>
  spawnSync(TSX, [`commands/${script}.ts`, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env,
  });

const string = (value: string): MessageAttributeValue => ({
  DataType: 'String',
  StringValue: value,
});

describe('inspect and redrive against fauxqs and dynalite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'string-pipeline-commands-'));
  const fauxqs = buildApp({ logger: false, defaultRegion: REGION });
  const dynamo = dynalite({ createTableMs: 0 });
  let endpoints: { sqs: string; dynamodb: string };
  let sqs: SQSClient;
  let dynamodb: DynamoDBClient;

  beforeAll(async () => {
    const sqsEndpoint = (await fauxqs.listen({ host: '127.0.0.1', port: 0 })).replace(
      'localhost',
      '127.0.0.1',
    );
    dynamo.listen(0, '127.0.0.1');
    await once(dynamo, 'listening');
    const { port } = dynamo.address() as AddressInfo;
    endpoints = { sqs: sqsEndpoint, dynamodb: `http://127.0.0.1:${port}` };
    sqs = new SQSClient({ region: REGION, endpoint: endpoints.sqs, credentials: CREDENTIALS });
    dynamodb = new DynamoDBClient({
      region: REGION,
      endpoint: endpoints.dynamodb,
      credentials: CREDENTIALS,
    });
  });
  afterAll(async () => {
    sqs?.destroy();
    dynamodb?.destroy();
    await fauxqs.close();
    await new Promise((done) => dynamo.close(done));
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Creates the stack's queues (each with a DLQ and a redrive policy) and tables under a fresh
   * prefix, writes a local cloud state file naming them, and resolves it, so each test has its own.
   */
  async function pipeline(
    prefix: string,
    options: { ackMaxMessageSize?: number } = {},
  ): Promise<Target> {
    const outputs: Record<string, string> = {};
    for (const queue of QUEUES) {
      const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${prefix}-${queue}-dlq` }));
      const dlqArn = await queueArn(dlq.QueueUrl ?? '');
      const source = await sqs.send(
        new CreateQueueCommand({
          QueueName: `${prefix}-${queue}`,
          Attributes: {
            RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 5 }),
            ...(queue === 'Ack' && options.ackMaxMessageSize
              ? { MaximumMessageSize: String(options.ackMaxMessageSize) }
              : {}),
          },
        }),
      );
      outputs[`${queue}QueueUrl`] = source.QueueUrl ?? '';
      outputs[`${queue}DlqUrl`] = dlq.QueueUrl ?? '';
    }
    for (const table of ['Requests', 'Strings']) {
      const name = `${prefix}-${table}`;
      await dynamodb.send(
        new CreateTableCommand({
          TableName: name,
          KeySchema: [{ AttributeName: 'requestId', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'requestId', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      outputs[`${table}TableName`] = name;
    }
    const stateFile = join(dir, `${prefix}.json`);
    writeFileSync(
      stateFile,
      JSON.stringify({ region: REGION, endpoints, stackName: 'StringPipeline', outputs }),
    );
    return resolveTarget({ stateFile });
  }

  async function queueArn(url: string): Promise<string> {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
    );
    return Attributes?.QueueArn ?? '';
  }

  async function send(
    url: string,
    messages: { body: string; attributes?: Record<string, MessageAttributeValue> }[],
  ): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      const { Failed = [] } = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: messages.slice(i, i + 10).map((m, j) => ({
            Id: String(j),
            MessageBody: m.body,
            MessageAttributes: m.attributes,
          })),
        }),
      );
      expect(Failed).toEqual([]);
    }
  }

  /** Takes every visible message off a queue (fauxqs counts exactly, so an empty receive means empty). */
  async function drain(url: string): Promise<Message[]> {
    const messages: Message[] = [];
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          MessageAttributeNames: ['All'],
        }),
      );
      if (Messages.length === 0) return messages;
      messages.push(...Messages);
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: url,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
  }

  async function visible(url: string): Promise<number> {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages);
  }

  const url = (target: Target, key: string) => target.outputs[key] ?? '';

  it('finds the local cloud through its state file, for SQS and DynamoDB only', async () => {
    const target = await pipeline('resolve');
    expect(target.kind).toBe('local');
    expect(target.clientConfig('sqs').endpoint).toBe(endpoints.sqs);
    expect(target.clientConfig('dynamodb').endpoint).toBe(endpoints.dynamodb);
    expect(() => target.clientConfig('lambda')).toThrow(/serves SQS and DynamoDB only, not lambda/);
  });

  it('reports depths, in-flight and delayed counts, dead letters with their reasons and table counts by status', async () => {
    const target = await pipeline('inspect');
    const requestUrl = url(target, 'RequestQueueUrl');
    await send(requestUrl, [{ body: 'a' }, { body: 'b' }, { body: 'c' }]);
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: requestUrl, VisibilityTimeout: 60 }));
    await sqs.send(
      new SendMessageCommand({ QueueUrl: requestUrl, MessageBody: 'later', DelaySeconds: 60 }),
    );
    // A message dead-lettered by the redrive policy, after its fifth failed receive.
    const responseUrl = url(target, 'ResponseQueueUrl');
    await send(responseUrl, [{ body: 'poison' }]);
    for (let receive = 0; receive < 6; receive++) {
      await sqs.send(new ReceiveMessageCommand({ QueueUrl: responseUrl, VisibilityTimeout: 0 }));
    }
    // Dead letters a handler rejected, with the reason it gives.
    await send(url(target, 'RequestDlqUrl'), [
      {
        body: '{"v":1,"type":"request"}',
        attributes: {
          FailureCode: string('InvalidMessage'),
          FailureReason: string('requestId is required'),
        },
      },
      { body: 'x'.repeat(500) },
    ]);
    const put = (table: string, requestId: string, status: string) =>
      dynamodb.send(
        new PutItemCommand({
          TableName: url(target, table),
          Item: { requestId: { S: requestId }, status: { S: status } },
        }),
      );
    for (const [id, status] of [
      ['r1', 'REQUESTED'],
      ['r2', 'REQUESTED'],
      ['r3', 'STORED'],
    ] as const) {
      await put('RequestsTableName', id, status);
    }
    await put('StringsTableName', 'r3', 'ACKNOWLEDGED');
    await put('StringsTableName', 'r2', 'GENERATED');

    const report = await inspect(target, { peek: 10 });

    const byQueue = Object.fromEntries(report.queues.map((q) => [q.queue, q]));
    expect(byQueue.Request).toMatchObject({
      visible: 2,
      inFlight: 1,
      delayed: 1,
      dlq: { visible: 2, inFlight: 0 },
    });
    const rejected = byQueue.Request?.dlq.peeked.find((m) => m.failureCode);
    expect(rejected).toMatchObject({
      failureCode: 'InvalidMessage',
      failureReason: 'requestId is required',
      body: '{"v":1,"type":"request"}',
    });
    const long = byQueue.Request?.dlq.peeked.find((m) => !m.failureCode);
    expect(long?.body).toBe(`${'x'.repeat(200)}…`);
    expect(byQueue.Response).toMatchObject({ visible: 0, inFlight: 0, dlq: { visible: 1 } });
    expect(byQueue.Response?.dlq.peeked[0]).toMatchObject({ body: 'poison' });
    expect(byQueue.Response?.dlq.peeked[0]?.receiveCount).toBeGreaterThanOrEqual(5);
    expect(byQueue.Ack).toMatchObject({ visible: 0, inFlight: 0, delayed: 0, dlq: { visible: 0 } });
    expect(report.tables).toEqual({
      Requests: { REQUESTED: 2, STORED: 1 },
      Strings: { GENERATED: 1, ACKNOWLEDGED: 1 },
    });
    // Peeking hides nothing: the very next receive gets every dead letter.
    expect(await drain(url(target, 'RequestDlqUrl'))).toHaveLength(2);
    expect(await drain(url(target, 'ResponseDlqUrl'))).toHaveLength(1);
  });

  it('moves nothing on a dry run, and says how many would move', async () => {
    const target = await pipeline('dry');
    await send(url(target, 'RequestDlqUrl'), [{ body: '1' }, { body: '2' }, { body: '3' }]);

    const [all] = await redrive(target, { queues: ['Request'], dryRun: true });
    const [capped] = await redrive(target, { queues: ['Request'], dryRun: true, max: 2 });

    expect(all).toMatchObject({ method: 'dry-run', waiting: 3, toMove: 3, moved: 0 });
    expect(capped).toMatchObject({ method: 'dry-run', waiting: 3, toMove: 2, moved: 0 });
    expect(await visible(url(target, 'RequestDlqUrl'))).toBe(3);
    expect(await visible(url(target, 'RequestQueueUrl'))).toBe(0);
  });

  it('moves every dead letter back once, keeping its body and attributes but not the failure', async () => {
    const target = await pipeline('move');
    const bodies = Array.from({ length: 23 }, (_, i) => `message ${i}`);
    await send(
      url(target, 'RequestDlqUrl'),
      bodies.map((body) => ({
        body,
        attributes: {
          Trace: string(`trace of ${body}`),
          FailureCode: string('UnknownRequest'),
          FailureReason: string('no such request'),
        },
      })),
    );

    const [result] = await redrive(target, { queues: ['Request'] });

    expect(result).toMatchObject({ method: 'copy', waiting: 23, moved: 23, failed: [] });
    expect(await visible(url(target, 'RequestDlqUrl'))).toBe(0);
    const moved = await drain(url(target, 'RequestQueueUrl'));
    expect(moved.map((m) => m.Body).sort()).toEqual([...bodies].sort());
    for (const m of moved) {
      expect(m.MessageAttributes).toEqual({ Trace: string(`trace of ${m.Body}`) });
    }
  });

  it('moves at most --max messages and leaves the rest in the DLQ', async () => {
    const target = await pipeline('max');
    await send(
      url(target, 'ResponseDlqUrl'),
      Array.from({ length: 15 }, (_, i) => ({ body: `m${i}` })),
    );

    const [result] = await redrive(target, { queues: ['Response'], max: 12 });

    expect(result).toMatchObject({ method: 'copy', waiting: 15, toMove: 12, moved: 12 });
    expect(await visible(url(target, 'ResponseQueueUrl'))).toBe(12);
    expect(await visible(url(target, 'ResponseDlqUrl'))).toBe(3);
  });

  it('deletes from the DLQ only what was sent, and leaves a message the source queue refused where it was', async () => {
    // The ack queue takes smaller messages than its DLQ, so one dead letter cannot go back.
    const target = await pipeline('partial', { ackMaxMessageSize: 1024 });
    const dlqUrl = url(target, 'AckDlqUrl');
    await send(dlqUrl, [{ body: 'small 1' }, { body: 'y'.repeat(2000) }, { body: 'small 2' }]);

    const [result] = await redrive(target, { queues: ['Ack'] });

    expect(result).toMatchObject({ method: 'copy', waiting: 3, moved: 2 });
    expect(result?.failed).toEqual([
      { messageId: expect.any(String), stage: 'send', reason: expect.stringMatching(/1024/) },
    ]);
    expect((await drain(url(target, 'AckQueueUrl'))).map((m) => m.Body).sort()).toEqual([
      'small 1',
      'small 2',
    ]);
    // Visible again at once, so the next redrive (after the cause is fixed) sees it.
    const left = await drain(dlqUrl);
    expect(left.map((m) => m.MessageId)).toEqual([result?.failed[0]?.messageId]);
    expect(left[0]?.Body).toHaveLength(2000);
  });

  it('redrives every queue with --all', async () => {
    const target = await pipeline('all');
    for (const queue of QUEUES) await send(url(target, `${queue}DlqUrl`), [{ body: queue }]);

    const results = await redrive(target, { queues: parseQueues(undefined, true) });

    expect(results.map((r) => [r.queue, r.moved])).toEqual([
      ['Request', 1],
      ['Response', 1],
      ['Ack', 1],
    ]);
    for (const queue of QUEUES) {
      expect((await drain(url(target, `${queue}QueueUrl`))).map((m) => m.Body)).toEqual([queue]);
    }
  });

  it('copies instead when the endpoint has no message move tasks', async () => {
    const local = await pipeline('fallback');
    await send(url(local, 'RequestDlqUrl'), [{ body: 'back' }]);
    // Seen as LocalStack or AWS, fauxqs answers StartMessageMoveTask with an unknown-action error.
    const endpoint: Target = { ...local, kind: 'endpoint', clientConfig: local.clientConfig };

    const [result] = await redrive(endpoint, { queues: ['Request'] });

    expect(result).toMatchObject({ method: 'copy', moved: 1 });
    expect((await drain(url(local, 'RequestQueueUrl'))).map((m) => m.Body)).toEqual(['back']);
  });

  it('names the missing output of an incomplete stack', async () => {
    const target = await pipeline('incomplete');
    const { AckDlqUrl: _, ...outputs } = target.outputs;

    await expect(redrive({ ...target, outputs }, { queues: ['Ack'] })).rejects.toThrow(
      /has no output AckDlqUrl/,
    );
    await expect(inspect({ ...target, outputs })).rejects.toThrow(/has no output AckDlqUrl/);
  });

  it('says the local cloud is not running when its state file outlived it', async () => {
    const stateFile = join(dir, 'stale.json');
    writeFileSync(
      stateFile,
      JSON.stringify({
        region: REGION,
        stackName: 'StringPipeline',
        endpoints: { sqs: 'http://127.0.0.1:9', dynamodb: 'http://127.0.0.1:9' },
        outputs: {},
      }),
    );
    await expect(resolveTarget({ stateFile })).rejects.toThrow(
      new TargetError(
        `The local cloud in ${stateFile} is not running (nothing answers at http://127.0.0.1:9): start one with \`npm start -- --keep\`, or delete the stale file`,
      ),
    );
  });

  it('names what a malformed state file lacks', async () => {
    const stateFile = join(dir, 'malformed.json');
    writeFileSync(stateFile, JSON.stringify({ region: REGION, endpoints: { sqs: 'x' } }));
    await expect(resolveTarget({ stateFile })).rejects.toThrow(
      /state file .*malformed\.json has no stackName, endpoints\.dynamodb, outputs/,
    );
  });

  it('prints the report from the command line, as JSON with --json', async () => {
    const target = await pipeline('cli');
    await send(url(target, 'AckQueueUrl'), [{ body: 'waiting' }]);
    // Asynchronously: the emulators answering the command run in this process.
    const { stdout } = await execFileAsync(
      TSX,
      ['commands/inspect.ts', '--state', join(dir, 'cli.json'), '--json'],
      { timeout: 60_000 },
    );
    const report = JSON.parse(stdout);
    expect(report.queues.find((q: { queue: string }) => q.queue === 'Ack').visible).toBe(1);
    expect(report.tables).toEqual({ Requests: {}, Strings: {} });
  });

  it('redrives from the command line and reports the count', async () => {
    const target = await pipeline('cli-redrive');
    await send(url(target, 'ResponseDlqUrl'), [{ body: '1' }, { body: '2' }]);
    const { stdout } = await execFileAsync(
      TSX,
      ['commands/redrive.ts', '--state', join(dir, 'cli-redrive.json'), '--queue', 'response'],
      { timeout: 60_000 },
    );
    expect(stdout).toMatch(/response DLQ -> response queue: moved 2 of 2 \(copy\)/);
    expect(await visible(url(target, 'ResponseQueueUrl'))).toBe(2);
  });
});

describe('finding a stack through CloudFormation', () => {
  const outputs = { RequestQueueUrl: 'https://sqs.example/request', DashboardName: 'Pipeline' };
  const requests: { action: string | null; stackName: string | null; auth: string }[] = [];
  // Answers DescribeStacks (AWS query protocol) for the stack StringPipeline only.
  const cloudformation: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const stackName = form.get('StackName');
      requests.push({
        action: form.get('Action'),
        stackName,
        auth: String(req.headers.authorization),
      });
      res.setHeader('content-type', 'text/xml');
      if (stackName !== 'StringPipeline') {
        res.statusCode = 400;
        res.end(
          `<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id ${stackName} does not exist</Message></Error><RequestId>1</RequestId></ErrorResponse>`,
        );
        return;
      }
      const members = Object.entries(outputs)
        .map(
          ([k, v]) => `<member><OutputKey>${k}</OutputKey><OutputValue>${v}</OutputValue></member>`,
        )
        .join('');
      res.end(
        `<DescribeStacksResponse><DescribeStacksResult><Stacks><member><StackName>StringPipeline</StackName><StackStatus>CREATE_COMPLETE</StackStatus><CreationTime>2026-01-01T00:00:00Z</CreationTime><Outputs>${members}</Outputs></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeStacksResponse>`,
      );
    });
  });
  let endpoint: string;
  const dir = mkdtempSync(join(tmpdir(), 'string-pipeline-target-'));
  // A state file that must be ignored: an explicit endpoint, region or stack wins over it.
  const stateFile = join(dir, 'state.json');

  beforeAll(async () => {
    cloudformation.listen(0, '127.0.0.1');
    await once(cloudformation, 'listening');
    endpoint = `http://127.0.0.1:${(cloudformation.address() as AddressInfo).port}`;
    writeFileSync(
      stateFile,
      JSON.stringify({
        region: REGION,
        stackName: 'StringPipeline',
        endpoints: { sqs: endpoint, dynamodb: endpoint },
        outputs: {},
      }),
    );
  });
  afterAll(async () => {
    cloudformation.close();
    await once(cloudformation, 'close');
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the outputs with DescribeStacks at an explicit endpoint, ahead of a state file', async () => {
    const target = await resolveTarget({ endpoint, stateFile });

    expect(target).toMatchObject({ kind: 'endpoint', region: REGION, stackName: 'StringPipeline' });
    expect(target.outputs).toEqual(outputs);
    expect(target.clientConfig('lambda')).toMatchObject({ endpoint, region: REGION });
    expect(requests.at(-1)).toMatchObject({
      action: 'DescribeStacks',
      stackName: 'StringPipeline',
    });
  });

  it('says which stack was not found, and where', async () => {
    await expect(resolveTarget({ endpoint, stack: 'Nope', stateFile })).rejects.toThrow(
      `Stack Nope not found at ${endpoint} (deploy it first, or pass --stack NAME)`,
    );
  });

  it('goes to AWS when a region or stack is named, even with a local cloud running', async () => {
    const saved = { ...process.env };
    // The default credential chain and endpoint resolution, steered by the environment.
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'AKIDTEST',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_ENDPOINT_URL_CLOUDFORMATION: endpoint,
    });
    try {
      const target = await resolveTarget({ region: 'eu-west-1', stateFile });

      expect(target).toMatchObject({ kind: 'aws', region: 'eu-west-1', outputs });
      expect(target.clientConfig('sqs')).toEqual({ region: 'eu-west-1' });
      expect(requests.at(-1)?.auth).toMatch(/Credential=AKIDTEST\/\d+\/eu-west-1\/cloudformation/);
    } finally {
      process.env = saved;
    }
  });
});

describe('moving dead letters on AWS', () => {
  const dlqArn = 'arn:aws:sqs:us-east-1:123456789012:Request-dlq';
  const sourceArn = 'arn:aws:sqs:us-east-1:123456789012:Request';
  const target: Target = {
    kind: 'aws',
    region: REGION,
    stackName: 'StringPipeline',
    outputs: {
      RequestQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/Request',
      RequestDlqUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/Request-dlq',
    },
    description: 'stack StringPipeline in us-east-1',
    clientConfig: () => ({ region: REGION, credentials: CREDENTIALS }),
  };

  it('starts a message move task from the DLQ to its source queue and follows it to the end', async () => {
    const mock = mockClient(SQSClient);
    try {
      mock
        .on(GetQueueAttributesCommand, { QueueUrl: target.outputs.RequestDlqUrl })
        .resolves({ Attributes: { QueueArn: dlqArn, ApproximateNumberOfMessages: '40' } })
        .on(GetQueueAttributesCommand, { QueueUrl: target.outputs.RequestQueueUrl })
        .resolves({ Attributes: { QueueArn: sourceArn } })
        .on(StartMessageMoveTaskCommand)
        .resolves({ TaskHandle: 'task-1' })
        .on(ListMessageMoveTasksCommand)
        .resolvesOnce({
          Results: [
            {
              TaskHandle: 'task-1',
              Status: 'RUNNING',
              ApproximateNumberOfMessagesMoved: 10,
              ApproximateNumberOfMessagesToMove: 40,
            },
          ],
        })
        .resolves({
          Results: [
            {
              TaskHandle: 'task-1',
              Status: 'COMPLETED',
              ApproximateNumberOfMessagesMoved: 40,
              ApproximateNumberOfMessagesToMove: 40,
            },
          ],
        });
      const progress: MoveProgress[] = [];

      const [result] = await redrive(target, {
        queues: ['Request'],
        pollMs: 0,
        onProgress: (p) => progress.push(p),
      });

      expect(mock.commandCalls(StartMessageMoveTaskCommand)[0]?.args[0].input).toEqual({
        SourceArn: dlqArn,
        DestinationArn: sourceArn,
      });
      expect(result).toMatchObject({
        method: 'move-task',
        waiting: 40,
        moved: 40,
        taskHandle: 'task-1',
      });
      expect(progress.map((p) => p.moved)).toEqual([10, 40]);
      expect(mock.commandCalls(ReceiveMessageCommand)).toHaveLength(0);
    } finally {
      mock.restore();
    }
  });

  it('reports a failed move task with its reason', async () => {
    const mock = mockClient(SQSClient);
    try {
      mock
        .on(GetQueueAttributesCommand)
        .resolves({ Attributes: { QueueArn: dlqArn, ApproximateNumberOfMessages: '3' } })
        .on(StartMessageMoveTaskCommand)
        .resolves({ TaskHandle: 'task-2' })
        .on(ListMessageMoveTasksCommand)
        .resolves({
          Results: [
            {
              TaskHandle: 'task-2',
              Status: 'FAILED',
              ApproximateNumberOfMessagesMoved: 1,
              FailureReason: 'AccessDenied',
            },
          ],
        });

      await expect(redrive(target, { queues: ['Request'], pollMs: 0 })).rejects.toThrow(
        'The move task for the request DLQ failed after 1 messages: AccessDenied',
      );
    } finally {
      mock.restore();
    }
  });
});

describe('a local cloud started with a state file', () => {
  it('is found and inspected through the file it writes, which is gone once it stops', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'string-pipeline-state-'));
    const stateFile = join(dir, 'state.json');
    const h = await startHarness({ stateFile });
    try {
      const target = await resolveTarget({ stateFile });
      expect(target).toMatchObject({ kind: 'local', outputs: h.cloud.outputs });
      const report = await inspect(target);
      expect(report.queues.map((q) => [q.queue, q.visible, q.dlq.visible])).toEqual([
        ['Request', 0, 0],
        ['Response', 0, 0],
        ['Ack', 0, 0],
      ]);
      expect(report.tables).toEqual({ Requests: {}, Strings: {} });
    } finally {
      await h.stop();
    }
    expect(existsSync(stateFile)).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('the commands refuse bad input', () => {
  it('names an unknown queue', () => {
    expect(() => parseQueues('responses', false)).toThrow(/unknown queue "responses"/);
    expect(() => parseQueues(undefined, false)).toThrow(/--queue request\|response\|ack, or --all/);
    expect(() => parseQueues('ack', true)).toThrow(/either --queue or --all/);
    expect(parseQueues('ACK', false)).toEqual(['Ack']);
  });

  it('exits 2 with the usage on an unknown option or a bad value', () => {
    const unknown = cli('redrive', ['--queues', 'ack']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown option '--queues'[\s\S]*usage: npm run redrive/);

    const queue = cli('redrive', ['--queue', 'responses']);
    expect(queue.status).toBe(2);
    expect(queue.stderr).toMatch(/unknown queue "responses"/);

    const peek = cli('inspect', ['--peek', 'lots']);
    expect(peek.status).toBe(2);
    expect(peek.stderr).toMatch(/--peek must be an integer from 0 to 100, got lots/);
  });

  it('says neither a local cloud nor AWS credentials were found', () => {
    const home = mkdtempSync(join(tmpdir(), 'string-pipeline-home-'));
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (!key.startsWith('AWS_')) env[key] = value;
    }
    Object.assign(env, {
      HOME: home,
      AWS_CONFIG_FILE: join(home, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    const stateFile = join(home, 'state.json');
    try {
      const run = cli('inspect', ['--state', stateFile], env);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(
        `No local cloud is running (no ${stateFile}) and no AWS credentials were found`,
      );
      expect(run.stderr).toMatch(/npm start -- --keep.*--endpoint for LocalStack/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
