import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FaultInjector,
  type FaultKind,
  type FaultService,
  type FaultSpec,
  FaultSpecError,
  faultErrorNames,
  parseFaultRules,
  seededRandom,
} from '../../local/endpoint/faults';
import { type Endpoint, startEndpoint } from '../../local/endpoint/gateway';
import { sendJson } from '../../local/endpoint/protocol';

/** The first `n` decisions of an injector for calls cycling through `actions`. */
function decisions(injector: FaultInjector, service: string, actions: string[], n: number) {
  return Array.from({ length: n }, (_, i) => {
    const action = actions[i % actions.length] ?? '';
    return injector.decide(service, action)?.kind ?? '-';
  });
}

describe('fault injector', () => {
  it('picks the same calls for the same seed and other calls for another seed', () => {
    const spec = (seed: number): FaultSpec => ({
      seed,
      rules: [
        { service: 'sqs', rate: 0.1, kind: 'throttle' },
        { service: 'sqs', rate: 0.05, kind: 'server' },
      ],
    });
    const actions = ['SendMessageBatch', 'ReceiveMessage', 'DeleteMessageBatch'];
    const first = decisions(new FaultInjector(spec(7)), 'sqs', actions, 500);
    expect(decisions(new FaultInjector(spec(7)), 'sqs', actions, 500)).toEqual(first);
    expect(decisions(new FaultInjector(spec(8)), 'sqs', actions, 500)).not.toEqual(first);
    // Setting the spec again restarts the sequence from its seed.
    const injector = new FaultInjector(spec(7));
    decisions(injector, 'sqs', actions, 123);
    injector.set(spec(7));
    expect(decisions(injector, 'sqs', actions, 500)).toEqual(first);
  });

  it('injects each kind at about its rate', () => {
    const injector = new FaultInjector({
      seed: 1,
      rules: [
        { service: 'dynamodb', rate: 0.05, kind: 'throttle' },
        { service: 'dynamodb', rate: 0.02, kind: 'server' },
      ],
    });
    const kinds = decisions(injector, 'dynamodb', ['PutItem'], 20_000);
    const share = (kind: string) => kinds.filter((k) => k === kind).length / kinds.length;
    expect(share('throttle')).toBeGreaterThan(0.045);
    expect(share('throttle')).toBeLessThan(0.055);
    expect(share('server')).toBeGreaterThan(0.016);
    expect(share('server')).toBeLessThan(0.024);
  });

  it('lets a rule for one action replace the service-wide rule of its kind', () => {
    const injector = new FaultInjector({
      seed: 3,
      rules: [
        { service: 'sqs', rate: 0, kind: 'throttle' },
        { service: 'sqs', action: 'SendMessageBatch', rate: 0.5, kind: 'throttle' },
      ],
    });
    const receives = decisions(injector, 'sqs', ['ReceiveMessage'], 1_000);
    const sends = decisions(injector, 'sqs', ['SendMessageBatch'], 1_000);
    expect(receives.every((k) => k === '-')).toBe(true);
    const thrown = sends.filter((k) => k === 'throttle').length;
    expect(thrown).toBeGreaterThan(400);
    expect(thrown).toBeLessThan(600);
    // Other services and the endpoint's own services are never touched.
    expect(decisions(injector, 'dynamodb', ['PutItem'], 100).every((k) => k === '-')).toBe(true);
    expect(decisions(injector, 'cloudformation', ['DescribeStacks'], 10)).not.toContain('throttle');
  });

  it('draws numbers in [0, 1) that depend only on the seed', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const values = Array.from({ length: 1_000 }, () => a());
    expect(values).toEqual(Array.from({ length: 1_000 }, () => b()));
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(new Set(values).size).toBe(1_000);
  });

  it('reads the command-line form and refuses what it cannot read, naming it', () => {
    expect(parseFaultRules('sqs:0.02,dynamodb.PutItem:0.05:server,lambda:1')).toEqual([
      { service: 'sqs', rate: 0.02, kind: 'throttle' },
      { service: 'dynamodb', action: 'PutItem', rate: 0.05, kind: 'server' },
      { service: 'lambda', rate: 1, kind: 'throttle' },
    ]);
    expect(() => parseFaultRules('sqs:2')).toThrow(/cannot read fault "sqs:2"/);
    expect(() => parseFaultRules('sqs:0.1:flaky')).toThrow(/throttle or server, got flaky/);
    expect(() => parseFaultRules('s3:0.1')).toThrow(/not s3/);
    expect(() => parseFaultRules('sqs:0.1,sqs:0.2')).toThrow(FaultSpecError);
    expect(() => new FaultInjector({ seed: -1, rules: [] })).toThrow(/seed/);
  });
});

describe('injected faults on the wire', () => {
  let endpoint: Endpoint;
  const injector = new FaultInjector();
  const ok = (call: { res: Parameters<typeof sendJson>[0] }) => sendJson(call.res, 200, {});

  beforeAll(async () => {
    endpoint = await startEndpoint({
      port: 0,
      services: { sqs: ok, dynamodb: ok, lambda: ok },
      faults: (call) => injector.inject(call),
    });
  });
  afterAll(async () => {
    await endpoint.stop();
  });

  /**
   * Client settings whose retry strategy records how the SDK classified the error (as its
   * standard strategy sees it) and retries nothing, so each call costs one request.
   */
  function recordingClient(classes: string[]) {
    return {
      region: 'us-east-1',
      endpoint: endpoint.url,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      retryStrategy: {
        mode: 'standard',
        acquireInitialRetryToken: async () => ({
          getRetryCount: () => 0,
          getRetryDelay: () => 0,
        }),
        refreshRetryTokenForRetry: async (_token: unknown, info: { errorType: string }) => {
          classes.push(info.errorType);
          throw new Error('no retries in this test');
        },
        recordSuccess: () => {},
      },
    } as const;
  }

  const calls: Record<FaultService, (classes: string[]) => Promise<unknown>> = {
    sqs: (classes) =>
      new SQSClient(recordingClient(classes)).send(
        new SendMessageBatchCommand({
          QueueUrl: `${endpoint.url}/000000000000/q`,
          Entries: [{ Id: '1', MessageBody: 'x' }],
        }),
      ),
    dynamodb: (classes) =>
      new DynamoDBClient(recordingClient(classes)).send(
        new PutItemCommand({ TableName: 't', Item: { id: { S: '1' } } }),
      ),
    lambda: (classes) =>
      new LambdaClient(recordingClient(classes)).send(
        new InvokeCommand({ FunctionName: 'f', Payload: Buffer.from('{}') }),
      ),
  };
  const cases: [FaultService, FaultKind, string][] = [
    ['sqs', 'throttle', 'THROTTLING'],
    ['sqs', 'server', 'TRANSIENT'],
    ['dynamodb', 'throttle', 'THROTTLING'],
    ['dynamodb', 'server', 'TRANSIENT'],
    ['lambda', 'throttle', 'THROTTLING'],
    ['lambda', 'server', 'TRANSIENT'],
  ];

  it.each(cases)(
    'answers %s calls with a %s error the SDK names and classifies as %s',
    async (service, kind, classification) => {
      const names = new Set<string>();
      // Enough calls to see every error shape the kind has on this service.
      for (let seed = 0; seed < 12; seed++) {
        injector.set({ seed, rules: [{ service, rate: 1, kind }] });
        injector.resetCounts();
        const classes: string[] = [];
        const error = (await calls[service](classes).then(
          () => undefined,
          (e: unknown) => e,
        )) as { name: string; $metadata?: { httpStatusCode?: number } } | undefined;
        expect(error).toBeDefined();
        names.add(error?.name ?? '');
        expect(classes).toEqual([classification]);
        const status = error?.$metadata?.httpStatusCode ?? 0;
        if (kind === 'server') expect(status).toBeGreaterThanOrEqual(500);
        else expect(status).toBeLessThan(500);
        expect(Object.values(injector.injected())).toEqual([1]);
      }
      expect([...names].sort()).toEqual(faultErrorNames(service, kind).sort());
    },
  );

  it('lets calls through untouched once the faults are cleared', async () => {
    injector.set({ seed: 1, rules: [{ service: 'sqs', rate: 1, kind: 'throttle' }] });
    injector.set(undefined);
    const classes: string[] = [];
    await expect(calls.sqs(classes)).resolves.toBeDefined();
    expect(classes).toEqual([]);
  });

  it('counts what it injected by service, action and kind', async () => {
    injector.set({ seed: 5, rules: [{ service: 'dynamodb', rate: 1, kind: 'server' }] });
    injector.resetCounts();
    await calls.dynamodb([]).catch(() => {});
    await calls.dynamodb([]).catch(() => {});
    await calls.sqs([]);
    expect(injector.injected()).toEqual({ 'dynamodb.PutItem.server': 2 });
  });
});
