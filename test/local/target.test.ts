import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloud } from '../../local/cloud';
import { formatReport, inspect } from '../../ops/inspect';
import { resolveTarget, TargetError } from '../../ops/target';
import { startHarness } from './harness';
import { type OpsFixture, REGION, startOpsFixture } from './ops-fixture';

describe('finding a local cloud through its state file', () => {
  let f: OpsFixture;
  beforeAll(async () => {
    f = await startOpsFixture();
  });
  afterAll(() => f?.stop());

  it('finds the local cloud through its state file, for SQS and DynamoDB only', async () => {
    const target = await f.pipeline('resolve');
    expect(target.kind).toBe('local');
    expect(target.clientConfig('sqs').endpoint).toBe(f.endpoints.sqs);
    expect(target.clientConfig('dynamodb').endpoint).toBe(f.endpoints.dynamodb);
    expect(() => target.clientConfig('lambda')).toThrow(/serves SQS and DynamoDB only, not lambda/);
  });

  it('says the local cloud is not running when its state file outlived it', async () => {
    const stateFile = join(f.dir, 'stale.json');
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
    const stateFile = join(f.dir, 'malformed.json');
    writeFileSync(stateFile, JSON.stringify({ region: REGION, endpoints: { sqs: 'x' } }));
    await expect(resolveTarget({ stateFile })).rejects.toThrow(
      /state file .*malformed\.json has no stackName, endpoints\.dynamodb, outputs/,
    );
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
      // Which Node each function really runs on: the runtime host's Node 24.
      expect(report.functions).toEqual([
        expect.objectContaining({ label: 'requestor', runtime: 'nodejs24.x', otherMajor: false }),
        expect.objectContaining({ label: 'generator', runtime: 'nodejs24.x', otherMajor: false }),
      ]);
      expect(report.functions[0]?.node).toMatch(/^v24\.\d+\.\d+$/);
      expect(formatReport(report)).toMatch(/^requestor +nodejs24\.x +Node v24\.\d+\.\d+$/m);
    } finally {
      await h.stop();
    }
    expect(existsSync(stateFile)).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets the ops tools reach the cloud through its endpoint and refuses a second cloud on the same file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'endpoint-state-'));
    const stateFile = join(dir, 'state.json');
    const cloud = await startHarness({ stateFile });
    try {
      expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toMatchObject({
        endpoint: cloud.cloud.endpoint,
        pid: process.pid,
      });
      const target = await resolveTarget({ stateFile });
      expect(target.kind).toBe('local');
      // The LocalStack path: the outputs come from DescribeStacks on the endpoint.
      expect(target.outputs).toEqual(cloud.cloud.outputs);
      expect(target.clientConfig('sqs').endpoint).toBe(cloud.cloud.endpoint);
      expect(target.clientConfig('lambda').endpoint).toBe(cloud.cloud.endpoint);

      await expect(startLocalCloud({ stateFile })).rejects.toThrow(
        `A local cloud already runs with state file ${stateFile}: pid ${process.pid}, endpoint ${cloud.cloud.endpoint}`,
      );
    } finally {
      await cloud.stop();
      rmSync(dir, { recursive: true, force: true });
    }
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
