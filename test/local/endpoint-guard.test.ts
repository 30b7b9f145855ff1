import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCloudTarget } from '../../console/local-target';
import {
  CONSOLE_TOKEN_HEADER,
  type ConsoleService,
  createConsoleHandler,
  startConsoleServer,
} from '../../console/server';
import { seededRandom } from '../../local/endpoint/faults';
import { SQS_QUERY_ACTIONS } from '../../local/endpoint/sqs/query';
import { type RawAnswer, rawRequest } from '../raw-http';
import { type Harness, startHarness } from './harness';

let h: Harness;
let service: ConsoleService;
let own: string;
let queueUrl: string;

beforeAll(async () => {
  h = await startHarness({ timeScale: 10 });
  service = createConsoleHandler({ target: localCloudTarget(h.cloud) });
  h.cloud.mount('/_console', service.handle);
  own = h.cloud.endpoint;
  queueUrl = h.cloud.outputs.ResponseDlqUrl ?? '';
});
afterAll(async () => {
  service?.close();
  await h?.stop();
});

/** SigV4-looking credentials of no role session: the administrator, as SDKs and CLIs call. */
const signed = (service: string) => ({
  authorization: `AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
});
const json = (target: string, service: string, version = '1.0') => ({
  'content-type': `application/x-amz-json-${version}`,
  'x-amz-target': target,
  ...signed(service),
});
const form = (service: string) => ({
  'content-type': 'application/x-www-form-urlencoded',
  ...signed(service),
});

/** The error code an answer carries, in whichever protocol's shape. */
function errorCode(answer: RawAnswer): string {
  const header = answer.headers['x-amzn-query-error'] ?? answer.headers['x-amzn-errortype'];
  if (typeof header === 'string') return header.split(/[;:]/)[0] ?? '';
  const xml = /<Code>([^<]+)<\/Code>/.exec(answer.text)?.[1];
  if (xml) return xml;
  const type = (JSON.parse(answer.text) as { __type?: string }).__type ?? '';
  return type.slice(type.indexOf('#') + 1);
}

/** A client's mistake, and the error its service answers it with. */
interface Mistake {
  readonly name: string;
  readonly path?: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** @default 400 */
  readonly status?: number;
  readonly code: string;
}

/** One mistake or more per protocol: SQS (JSON and query), DynamoDB, Logs, Lambda, CloudFormation. */
function mistakes(): Mistake[] {
  const sqs = (action: string) => json(`AmazonSQS.${action}`, 'sqs');
  const invoke = `/2015-03-31/functions/${h.cloud.outputs.RequestorFunctionName}/invocations`;
  const InvalidParameterValue = 'InvalidParameterValue';
  return [
    {
      name: 'SQS JSON, not JSON',
      headers: sqs('SendMessage'),
      body: '{',
      code: InvalidParameterValue,
    },
    {
      name: 'SQS JSON, null',
      headers: sqs('ReceiveMessage'),
      body: 'null',
      code: InvalidParameterValue,
    },
    { name: 'SQS JSON, empty', headers: sqs('ListQueues'), body: '', code: InvalidParameterValue },
    {
      name: 'SQS JSON, a number for a body',
      headers: sqs('SendMessage'),
      body: JSON.stringify({ QueueUrl: queueUrl, MessageBody: 5 }),
      code: InvalidParameterValue,
    },
    {
      name: 'SQS JSON, a batch entry without a body',
      headers: sqs('SendMessageBatch'),
      body: JSON.stringify({ QueueUrl: queueUrl, Entries: [{ Id: 'a' }] }),
      code: 'MissingParameter',
    },
    {
      name: 'SQS query, a number that is not one',
      headers: form('sqs'),
      body: `Action=SendMessage&QueueUrl=${encodeURIComponent(queueUrl)}&MessageBody=x&DelaySeconds=abc`,
      code: InvalidParameterValue,
    },
    {
      name: 'DynamoDB, not JSON',
      headers: json('DynamoDB_20120810.Scan', 'dynamodb'),
      body: '{',
      code: 'SerializationException',
    },
    {
      name: 'Logs, null',
      headers: json('Logs_20140328.FilterLogEvents', 'logs', '1.1'),
      body: 'null',
      code: 'SerializationException',
    },
    {
      name: 'Lambda, a payload that is not JSON',
      path: invoke,
      headers: signed('lambda'),
      body: '{',
      code: 'InvalidRequestContentException',
    },
    {
      name: 'Lambda, a path that is not percent-encoding',
      path: '/2015-03-31/functions/%E0%A4%A/invocations',
      headers: signed('lambda'),
      body: '{}',
      code: 'InvalidParameterValueException',
    },
    {
      name: 'S3, a path that is not percent-encoding',
      path: '/bucket/%E0%A4%A',
      headers: signed('s3'),
      body: '',
      code: 'InvalidURI',
    },
    {
      name: 'CloudFormation, a stack it does not have',
      headers: form('cloudformation'),
      body: 'Action=DescribeStacks&StackName=%00nope',
      code: 'ValidationError',
    },
  ];
}

describe('malformed input on every protocol', () => {
  it("gets a 4xx with the service's own error code, never a 5xx", async () => {
    for (const { name, path = '/', headers, body, status = 400, code } of mistakes()) {
      const answer = await rawRequest(`${own}${path}`, headers, body);
      expect(answer.status, name).toBe(status);
      expect(errorCode(answer), name).toBe(code);
    }
  });

  it('never answers an SQS call whose members have the wrong types with a 5xx', async () => {
    const random = seededRandom(26);
    const members = [
      'QueueUrl',
      'QueueName',
      'MessageBody',
      'ReceiptHandle',
      'Entries',
      'Attributes',
      'AttributeNames',
      'MessageAttributes',
      'MaxNumberOfMessages',
      'VisibilityTimeout',
      'Tags',
      'TagKeys',
    ];
    const values: unknown[] = [
      null,
      5,
      -1,
      'x',
      '',
      true,
      [],
      {},
      [null],
      [{}],
      { a: null },
      { a: 5 },
      [5],
    ];
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
    const actions = [...SQS_QUERY_ACTIONS];
    // A queue of its own, which the calls may change as they like.
    const { QueueUrl } = await h.sqs.send(new CreateQueueCommand({ QueueName: 'guard-fuzz' }));
    const answers: string[] = [];
    for (let i = 0; i < 300; i++) {
      const action = pick(actions);
      const params: Record<string, unknown> = { QueueUrl };
      for (let m = 0; m < 1 + Math.floor(random() * 3); m++) params[pick(members)] = pick(values);
      const body = JSON.stringify(params);
      const answer = await rawRequest(own, json(`AmazonSQS.${action}`, 'sqs'), body);
      if (answer.status >= 500) answers.push(`${action} ${body}: ${answer.status} ${answer.text}`);
    }
    expect(answers).toEqual([]);
  });
});

describe('a request from a browser page', () => {
  it("acts as nobody when unsigned, even from the endpoint's own origin: each service denies it", async () => {
    const sqs = h.sqs;
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'kept' }));
    const page = { origin: own };
    const purge = await rawRequest(
      own,
      {
        ...page,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AmazonSQS.PurgeQueue',
      },
      JSON.stringify({ QueueUrl: queueUrl }),
    );
    expect(purge.status).toBe(403);
    expect(errorCode(purge)).toBe('AccessDenied');
    const scan = await rawRequest(
      own,
      {
        ...page,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.Scan',
      },
      JSON.stringify({ TableName: h.cloud.outputs.StringsTableName }),
    );
    expect(scan.status).toBe(400);
    expect(JSON.parse(scan.text).message).toMatch(
      /^User: anonymous is not authorized to perform: dynamodb:Scan on resource: /,
    );
    const invoke = await rawRequest(
      `${own}/2015-03-31/functions/${h.cloud.outputs.RequestorFunctionName}/invocations`,
      page,
      '{"count":10000}',
    );
    expect(invoke.status).toBe(403);
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    expect(Attributes?.ApproximateNumberOfMessages).toBe('1');
  });
});

/** The token the console's page carries, as the browser gets it with the page. */
async function pageToken(base: string): Promise<string> {
  const html = await (await fetch(`${base}/`)).text();
  const token = /data-token="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error(`no token in the page: ${html}`);
  return token;
}

describe('console writes', () => {
  it("need the console's own origin, a JSON content type and this run's token from the page", async () => {
    const base = `${own}/_console`;
    const token = await pageToken(base);
    const invoke = `${base}/api/functions/requestor/invoke`;
    const body = JSON.stringify({ payload: { count: 1 } });
    const ownJson = { origin: own, 'content-type': 'application/json' };
    const refusals = await Promise.all([
      rawRequest(
        invoke,
        { 'content-type': 'application/json', [CONSOLE_TOKEN_HEADER]: token },
        body,
      ),
      rawRequest(
        invoke,
        { origin: own, 'content-type': 'text/plain', [CONSOLE_TOKEN_HEADER]: token },
        body,
      ),
      rawRequest(invoke, ownJson, body),
      rawRequest(invoke, { ...ownJson, [CONSOLE_TOKEN_HEADER]: `${token}x` }, body),
    ]);
    expect(refusals.map((r) => r.status)).toEqual([403, 415, 403, 403]);
    expect(JSON.parse(refusals[0]?.text ?? '').error).toMatch(
      /^Refused: console changes are accepted only from the console's own page/,
    );
    expect(JSON.parse(refusals[2]?.text ?? '').error).toMatch(
      /need the token of this run's console page/,
    );

    const bad = await rawRequest(invoke, { ...ownJson, [CONSOLE_TOKEN_HEADER]: token }, '{');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).error).toBe('The request body is not JSON');
  });

  it('invokes the requestor with an idempotency key it returns, whose retry re-sends the same ids', async () => {
    const base = `${own}/_console`;
    const headers = {
      origin: own,
      'content-type': 'application/json',
      [CONSOLE_TOKEN_HEADER]: await pageToken(base),
    };
    const invoke = `${base}/api/functions/requestor/invoke`;
    const first = JSON.parse(
      (await rawRequest(invoke, headers, JSON.stringify({ payload: { count: 2 } }))).text,
    ) as { idempotencyKey: string; payload: unknown; result: { requestIds: string[] } };
    expect(first.idempotencyKey).toMatch(/^invoke-[0-9a-f-]{36}$/);
    expect(first.payload).toEqual({ count: 2, idempotencyKey: first.idempotencyKey });
    const retry = JSON.parse(
      (await rawRequest(invoke, headers, JSON.stringify({ payload: first.payload }))).text,
    ) as { idempotencyKey: string; result: { requestIds: string[] } };
    expect(retry.idempotencyKey).toBe(first.idempotencyKey);
    expect(retry.result.requestIds).toEqual(first.result.requestIds);
    await h.cloud.waitForIdle();
  });
});

describe('the standalone console of npm run console', () => {
  it("is guarded as the endpoint is, and its writes as the mounted console's", async () => {
    const server = await startConsoleServer({ target: localCloudTarget(h.cloud) });
    try {
      const base = server.url.replace(/\/$/, '');
      const origin = new URL(base).origin;
      const rebinding = await rawRequest(
        `${base}/`,
        { host: `evil.example:${new URL(base).port}` },
        '',
        'GET',
      );
      const crossSite = await rawRequest(
        `${base}/api/queues/request/purge`,
        { origin: 'http://evil.example', 'content-type': 'text/plain' },
        '{"confirm":"request"}',
      );
      const noToken = await rawRequest(
        `${base}/api/queues/request/purge`,
        { origin, 'content-type': 'application/json' },
        '{"confirm":"request"}',
      );
      expect([rebinding.status, crossSite.status, noToken.status]).toEqual([403, 403, 403]);
      expect(rebinding.text).toMatch(
        /^Refused: Host "evil\.example:\d+" is not one of this server's names/,
      );
      const token = await pageToken(base);
      const invoke = await rawRequest(
        `${base}/api/functions/requestor/invoke`,
        { origin, 'content-type': 'application/json', [CONSOLE_TOKEN_HEADER]: token },
        JSON.stringify({ payload: { count: 1 } }),
      );
      expect(invoke.status, invoke.text).toBe(200);
      await h.cloud.waitForIdle();
    } finally {
      await server.stop();
    }
  });
});
