import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Call } from '../../local/endpoint/call';
import { type Endpoint, startEndpoint } from '../../local/endpoint/gateway';
import { HostAllowlist, parseAllowedHost } from '../../local/endpoint/guard';
import { sendJson } from '../../local/endpoint/protocol';
import { answeredBeforeBody, rawRequest, sendToTheEnd, streamUntilAnswered } from '../raw-http';

/** What reached the services and the route, newest last. */
const calls: Call[] = [];
let routed = 0;
let endpoint: Endpoint;
let port: number;

beforeAll(async () => {
  const record = (call: Call) => {
    calls.push(call);
    sendJson(call.res, 200, { ok: true });
  };
  endpoint = await startEndpoint({
    port: 0,
    services: { sqs: record, dynamodb: record, lambda: record, sts: record, s3: record },
    routes: new Map([
      [
        '/_console',
        async (_req, res) => {
          routed += 1;
          res.writeHead(200).end('page');
        },
      ],
    ]),
    allowHosts: ['devbox', 'proxy.test:8080'],
  });
  port = endpoint.port;
});
afterAll(async () => {
  await endpoint?.stop();
});

/** A request to the test's endpoint with exactly these headers (Host included). */
function send(path: string, headers: Record<string, string>, body = '', method = 'POST') {
  return rawRequest(`http://127.0.0.1:${port}${path}`, headers, body, method);
}

const SQS_JSON = {
  'content-type': 'application/x-amz-json-1.0',
  'x-amz-target': 'AmazonSQS.PurgeQueue',
};
const SIGNED = {
  authorization:
    'AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0',
};

describe('the endpoint refuses a Host that is not its own (DNS rebinding)', () => {
  it('answers 403 with a one-line reason on the AWS APIs and the console alike', async () => {
    const before = calls.length;
    const host = `rebind.evil.example:${port}`;
    const json = await send('/', { ...SQS_JSON, host }, '{}');
    const lambda = await send('/2015-03-31/functions/f/invocations', { host }, '{}');
    const query = await send('/', { ...SIGNED, host }, 'Action=PurgeQueue');
    const page = await send('/_console/', { host }, '', 'GET');
    for (const answer of [json, lambda, query, page]) expect(answer.status).toBe(403);
    expect(JSON.parse(json.text).__type).toBe('AccessDeniedException');
    expect(lambda.headers['x-amzn-errortype']).toBe('AccessDeniedException');
    expect(query.text).toContain('<Code>AccessDenied</Code>');
    expect(page.text.trim().split('\n')).toHaveLength(1);
    expect(page.text).toMatch(
      new RegExp(
        `^Refused: Host "rebind\\.evil\\.example:${port}" is not one of this server's names \\(127\\.0\\.0\\.1:${port}, localhost:${port}, \\[::1\\]:${port}`,
      ),
    );
    expect(calls.length).toBe(before);
    expect(routed).toBe(0);
  });

  it('answers its loopback names on its port and the names given with --allow-host', async () => {
    const hosts = [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `[::1]:${port}`,
      `LOCALHOST:${port}`,
      'devbox',
      'devbox:9999',
      'proxy.test:8080',
    ];
    for (const host of hosts) {
      expect((await send('/', { ...SQS_JSON, host }, '{}')).status, host).toBe(200);
    }
    for (const host of [`localhost:${port + 1}`, 'proxy.test:8081', 'proxy.test', 'localhost']) {
      expect((await send('/', { ...SQS_JSON, host }, '{}')).status, host).toBe(403);
    }
  });

  it('refuses before the body and lets a client still sending it finish, with no reset', async () => {
    const { client, answer } = await answeredBeforeBody(
      port,
      `POST / HTTP/1.1\r\nHost: rebind.evil.example:${port}\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: AmazonSQS.PurgeQueue\r\nContent-Length: ${2 ** 30}\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 403 /);
    // Far more than the loopback's buffers hold, within the declared length: a reset ends it.
    expect(await sendToTheEnd(client, 32 * 1024 * 1024)).toEqual([]);
  });

  it('checks --allow-host values, taking a name or address with an optional port', () => {
    expect(parseAllowedHost('DevBox:4566')).toBe('devbox:4566');
    expect(parseAllowedHost('[::1]:80')).toBe('[::1]:80');
    for (const bad of ['http://devbox', 'devbox:99999', 'a b', '', 'devbox/']) {
      expect(() => parseAllowedHost(bad), bad).toThrow(/^--allow-host takes a host name/);
    }
    expect(new HostAllowlist(80, ['x']).allows(undefined)).toBe(false);
  });
});

describe('the endpoint refuses cross-site requests from a browser', () => {
  it('refuses another origin, and Sec-Fetch-Site cross-site or same-site', async () => {
    const before = calls.length;
    const hostile = await send('/', { ...SQS_JSON, origin: 'http://evil.example' }, '{}');
    const form = await send(
      '/',
      {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'http://evil.example',
      },
      'Action=PurgeQueue&QueueUrl=x',
    );
    const nullOrigin = await send('/_console/api/queues/request/purge', { origin: 'null' }, '{}');
    const imageGet = await send(
      '/?Action=PurgeQueue&QueueUrl=x',
      { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' },
      '',
      'GET',
    );
    const linkToApi = await send(
      '/?Action=PurgeQueue&QueueUrl=x',
      { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' },
      '',
      'GET',
    );
    const otherPort = await send('/', { ...SQS_JSON, 'sec-fetch-site': 'same-site' }, '{}');
    for (const answer of [hostile, form, nullOrigin, imageGet, linkToApi, otherPort]) {
      expect(answer.status).toBe(403);
    }
    expect(JSON.parse(hostile.text).message).toBe(
      `Refused a request from the web page at http://evil.example: only this server's own pages (http://127.0.0.1:${port}) may call it from a browser`,
    );
    expect(imageGet.text).toMatch(/^Refused a cross-site request from a browser/);
    expect(calls.length).toBe(before);
  });

  it("lets the server's own pages through, and a link from another site open the console", async () => {
    const own = await send('/', { ...SQS_JSON, origin: `http://localhost:${port}` }, '{}');
    expect(own.status).toBe(200);
    const routedBefore = routed;
    const link = await send(
      '/_console/',
      { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' },
      '',
      'GET',
    );
    expect(link.status).toBe(200);
    expect(routed).toBe(routedBefore + 1);
  });

  it('never lets an unsigned browser request act as administrator', async () => {
    await send('/', { ...SQS_JSON, origin: `http://127.0.0.1:${port}` }, '{}');
    expect(calls.at(-1)?.session?.principalArn).toBe('anonymous');
    await send('/', { ...SQS_JSON, 'sec-fetch-site': 'same-origin' }, '{}');
    expect(calls.at(-1)?.session?.principalArn).toBe('anonymous');
    // An SDK or a CLI sends neither header: any credentials act as administrator, as before.
    await send('/', { ...SQS_JSON, ...SIGNED }, '{}');
    expect(calls.at(-1)?.session).toBeUndefined();
  });
});

describe('a browser opening the endpoint', () => {
  const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
  const signedFor = (service: string) => ({
    authorization: `AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
  });

  it('is sent to the console from any page that is not an API call', async () => {
    const typed = { ...HTML, 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate' };
    const link = { ...HTML, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' };
    const answers = [
      await send('/', HTML, '', 'GET'),
      await send('/favicon.html?x=1', typed, '', 'GET'),
      await send('/some/bucket/key', HTML, '', 'HEAD'),
      await send('/', link, '', 'GET'),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(302);
      expect(answer.headers.location).toBe('/_console/');
    }
  });

  it('leaves API calls, health checks and foreign requests as they were', async () => {
    const before = calls.length;
    const query = await send('/?Action=ListQueues', HTML, '', 'GET');
    const s3 = await send('/bucket/key', { ...HTML, ...signedFor('s3') }, '', 'GET');
    const lambda = await send('/2015-03-31/functions/f', HTML, '', 'GET');
    const presigned = await send('/bucket/key?X-Amz-Signature=0', HTML, '', 'GET');
    expect([query.status, s3.status, lambda.status]).toEqual([200, 200, 200]);
    expect(calls.slice(before).map((c) => `${c.service} ${c.action}`)).toEqual([
      'sqs ListQueues',
      's3 GET',
      'lambda GetFunction',
    ]);
    expect(presigned.status).toBe(400);
    const curl = await send('/', { accept: '*/*' }, '', 'GET');
    const health = await send('/_localstack/health', HTML, '', 'GET');
    for (const answer of [curl, health]) {
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text).edition).toBe('local-cloud');
    }
    const rebinding = await send('/', { ...HTML, host: `rebind.evil.example:${port}` }, '', 'GET');
    expect(rebinding.status).toBe(403);
  });
});

describe('the endpoint bounds request bodies per service', () => {
  it("refuses an oversized body with the service's error while it is still arriving, memory flat", async () => {
    const total = 256 * 1024 * 1024;
    const sqs = await streamUntilAnswered(`http://127.0.0.1:${port}/`, {
      headers: SQS_JSON,
      chunk: Buffer.alloc(64 * 1024, 'a'),
      total,
    });
    expect(sqs.status).toBe(400);
    expect(JSON.parse(sqs.text).__type).toBe('com.amazonaws.sqs#InvalidParameterValue');
    expect(sqs.sentBeforeAnswer).toBeLessThan(16 * 1024 * 1024);
    // Neither side held the body: the client sends one reused chunk, the server drops what is over.
    expect(sqs.rssGrowth).toBeLessThan(32 * 1024 * 1024);
    console.log(
      `oversized SQS body: answered after ${(sqs.sentBeforeAnswer / 2 ** 20).toFixed(1)} MB of ${total / 2 ** 20} MB sent, RSS +${(sqs.rssGrowth / 2 ** 20).toFixed(1)} MB`,
    );
    const lambda = await send('/2015-03-31/functions/f/invocations', {
      'x-amz-invocation-type': 'Event',
      'content-length': String(1024 * 1024 + 1),
    });
    expect(lambda.status).toBe(413);
    expect(lambda.headers['x-amzn-errortype']).toBe('RequestTooLargeException');
  });

  it('refuses a declared Content-Length over the bound without reading the body', async () => {
    const answer = await send('/', {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'DynamoDB_20120810.BatchWriteItem',
      'content-length': String(512 * 1024 * 1024),
    });
    expect(answer.status).toBe(400);
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.text).__type).toBe('com.amazon.coral.validate#ValidationException');
  });

  it('takes a body at the bound', async () => {
    const before = calls.length;
    const body = JSON.stringify({ QueueUrl: 'q', MessageBody: 'x'.repeat(1024 * 1024) });
    expect((await send('/', SQS_JSON, body)).status).toBe(200);
    expect(calls.at(-1)?.body.length).toBe(Buffer.byteLength(body));
    expect(calls.length).toBe(before + 1);
  });
});
