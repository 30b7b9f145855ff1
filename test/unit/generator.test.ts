import { createHash } from 'node:crypto';
import { SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GeneratorDeps } from '../../functions/generator/domain';
import { createGeneratorHandler } from '../../functions/generator/handler';
import {
  FailureAttribute,
  FailureCode,
  MessageType,
  Status,
} from '../../functions/shared/contract';
import {
  MalformedEventError,
  MixedSourcesError,
  UnexpectedSourceError,
} from '../../functions/shared/errors';
import {
  ACK_QUEUE_ARN,
  clock,
  FakeStringsStore,
  newSqsClient,
  noDelay,
  observability,
  REQUEST_ID,
  REQUEST_QUEUE_ARN,
  sqsRecord,
  VALUE_A,
  VALUE_B,
} from './fakes';

const RESPONSE_QUEUE_URL = 'https://sqs.test/response';
const REQUEST_DLQ_URL = 'https://sqs.test/request-dlq';
const ACK_DLQ_URL = 'https://sqs.test/ack-dlq';

const request = (requestId: string) => ({
  v: 1,
  type: MessageType.Request,
  requestId,
  requestedAt: '2026-11-24T11:59:00.000Z',
});
const ack = (requestId: string, value = VALUE_A) => ({
  v: 2,
  type: MessageType.Ack,
  requestId,
  value,
  storedAt: '2026-11-24T11:59:30.000Z',
});
const legacyAck = (requestId: string) => ({
  v: 1,
  type: MessageType.Ack,
  requestId,
  storedAt: '2026-11-24T11:59:30.000Z',
});
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

function setup() {
  const sqs = newSqsClient();
  const sqsMock = mockClient(sqs);
  sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
  const store = new FakeStringsStore();
  const obs = observability('generator');
  const values = [VALUE_A, VALUE_B];
  const deps: GeneratorDeps = {
    store,
    sqs,
    responseQueueUrl: RESPONSE_QUEUE_URL,
    generate: () => values.shift() ?? 'Z'.repeat(64),
    clock,
    logger: obs.logger,
    metrics: obs.metrics,
    retry: noDelay,
  };
  const handler = createGeneratorHandler(deps, {
    requestQueueArn: REQUEST_QUEUE_ARN,
    requestDlqUrl: REQUEST_DLQ_URL,
    ackQueueArn: ACK_QUEUE_ARN,
    ackDlqUrl: ACK_DLQ_URL,
  });
  const sentTo = (url: string) =>
    sqsMock
      .commandCalls(SendMessageBatchCommand)
      .filter((call) => call.args[0].input.QueueUrl === url)
      .flatMap((call) => call.args[0].input.Entries ?? []);
  return { handler, store, sqsMock, obs, sentTo };
}

describe('generator on a request', () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => {
    t = setup();
  });

  it('records a generated string and replies with it on the response queue', async () => {
    const result = await t.handler({
      Records: [sqsRecord(request(REQUEST_ID), REQUEST_QUEUE_ARN)],
    });

    expect(result.batchItemFailures).toEqual([]);
    expect(t.store.items.get(REQUEST_ID)).toMatchObject({
      value: VALUE_A,
      status: Status.Generated,
    });
    const [entry] = t.sentTo(RESPONSE_QUEUE_URL);
    expect(JSON.parse(entry?.MessageBody ?? '')).toEqual({
      v: 1,
      type: MessageType.Response,
      requestId: REQUEST_ID,
      value: VALUE_A,
      generatedAt: '2026-11-24T12:00:00.000Z',
    });
    expect(t.obs.metric('Generated')).toBe(1);
  });

  it('re-sends the stored string when a request is delivered twice', async () => {
    await t.handler({ Records: [sqsRecord(request(REQUEST_ID), REQUEST_QUEUE_ARN)] });
    await t.handler({ Records: [sqsRecord(request(REQUEST_ID), REQUEST_QUEUE_ARN, 2)] });

    const bodies = t.sentTo(RESPONSE_QUEUE_URL).map((e) => JSON.parse(e.MessageBody ?? ''));
    expect(bodies.map((b) => b.value)).toEqual([VALUE_A, VALUE_A]);
    expect(t.store.items.size).toBe(1);
    expect(t.obs.metric('Generated')).toBe(1);
    expect(t.obs.metric('Duplicate')).toBe(1);
  });

  it('replies to a whole batch with one SendMessageBatch call', async () => {
    const ids = Array.from(
      { length: 10 },
      (_, i) => `01JDQK8Z9X00000000000000${String(i).padStart(2, '0')}`,
    );
    const records = ids.map((id) => sqsRecord(request(id), REQUEST_QUEUE_ARN));

    const result = await t.handler({ Records: records });

    expect(result.batchItemFailures).toEqual([]);
    expect(t.sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
    expect(t.sentTo(RESPONSE_QUEUE_URL)).toHaveLength(10);
  });

  it('reports only the message whose reply SQS kept refusing', async () => {
    const good = sqsRecord(request(REQUEST_ID), REQUEST_QUEUE_ARN);
    const refused = sqsRecord(request('01JDQK8Z9X0000000000000009'), REQUEST_QUEUE_ARN);
    t.sqsMock.on(SendMessageBatchCommand).callsFake((input) => ({
      Successful: [],
      Failed: input.Entries.filter((e: { Id: string }) => e.Id === refused.messageId).map(
        (e: { Id: string }) => ({ Id: e.Id, Code: 'InternalError', SenderFault: false }),
      ),
    }));

    const result = await t.handler({ Records: [good, refused] });

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: refused.messageId }]);
    // Retried, then given up: the first call had both entries, the retries only the refused one.
    const calls = t.sqsMock.commandCalls(SendMessageBatchCommand);
    expect(calls.map((c) => c.args[0].input.Entries?.length)).toEqual([2, 1, 1]);
  });

  it('retries a message whose record could not be written, without failing the others', async () => {
    t.store.failNextWrite(
      Object.assign(new Error('throughput exceeded'), {
        name: 'ProvisionedThroughputExceededException',
      }),
    );
    const first = sqsRecord(request(REQUEST_ID), REQUEST_QUEUE_ARN);
    const second = sqsRecord(request('01JDQK8Z9X0000000000000009'), REQUEST_QUEUE_ARN);

    const result = await t.handler({ Records: [first, second] });

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: first.messageId }]);
    expect(t.sentTo(RESPONSE_QUEUE_URL)).toHaveLength(1);
    expect(t.sentTo(REQUEST_DLQ_URL)).toHaveLength(0);
    expect(t.obs.lines.some((l) => l.level === 'WARN' && l.messageId === first.messageId)).toBe(
      true,
    );
  });
  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'database on fire'],
    ['an object without a prototype', Object.create(null)],
  ])('retries only the record whose store write threw %s', async (_, thrown) => {
    t.store.failNextWrite(thrown);
    const first = sqsRecord(request(REQUEST_ID), REQUEST_QUEUE_ARN);
    const second = sqsRecord(request('01JDQK8Z9X0000000000000009'), REQUEST_QUEUE_ARN);

    const result = await t.handler({ Records: [first, second] });

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: first.messageId }]);
    expect(t.sentTo(RESPONSE_QUEUE_URL)).toHaveLength(1);
    const warning = t.obs.lines.find((l) => l.level === 'WARN' && l.messageId === first.messageId);
    expect(warning?.requestId).toBe(REQUEST_ID);
  });
});

describe('generator rejects what can never succeed', () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => {
    t = setup();
  });

  it.each([
    ['invalid JSON', '{"v":1,', FailureCode.InvalidJson],
    ['a wrong schema version', { ...request(REQUEST_ID), v: 2 }, FailureCode.UnsupportedVersion],
    [
      'a missing field',
      { v: 1, type: MessageType.Request, requestId: REQUEST_ID },
      FailureCode.InvalidMessage,
    ],
    [
      'a malformed request id',
      { ...request(REQUEST_ID), requestId: 'not-a-ulid' },
      FailureCode.InvalidMessage,
    ],
    ['an oversize body', { ...request(REQUEST_ID), pad: 'x'.repeat(5000) }, FailureCode.Oversize],
  ])(
    'sends %s to the request DLQ with the reason, and completes the rest',
    async (_, body, code) => {
      const poison = sqsRecord(body, REQUEST_QUEUE_ARN);
      const good = sqsRecord(request(REQUEST_ID), REQUEST_QUEUE_ARN);

      const result = await t.handler({ Records: [poison, good] });

      expect(result.batchItemFailures).toEqual([]);
      const [dead] = t.sentTo(REQUEST_DLQ_URL);
      expect(dead?.MessageBody).toBe(poison.body);
      expect(dead?.MessageAttributes?.[FailureAttribute.Code]?.StringValue).toBe(code);
      expect(dead?.MessageAttributes?.[FailureAttribute.SourceMessageId]?.StringValue).toBe(
        poison.messageId,
      );
      expect(t.sentTo(RESPONSE_QUEUE_URL)).toHaveLength(1);
      const logged = t.obs.lines.find(
        (l) => l.level === 'ERROR' && l.messageId === poison.messageId,
      );
      expect(logged?.failureCode).toBe(code);
      expect(t.obs.metric('Rejected')).toBe(1);
    },
  );

  it('leaves a poison message to the redrive policy when the DLQ send fails', async () => {
    t.sqsMock.on(SendMessageBatchCommand).rejects(new Error('network down'));
    const poison = sqsRecord('not json', REQUEST_QUEUE_ARN);

    const result = await t.handler({ Records: [poison] });

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: poison.messageId }]);
  });
});

describe('generator log lines', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('carry the Lambda request id, the X-Ray trace id and whether it was a cold start', async () => {
    const t = setup();
    vi.stubEnv('_X_AMZN_TRACE_ID', 'Root=1-67891233-abcdef012345678912345678;Sampled=1');
    await t.handler({ Records: [sqsRecord('bad', REQUEST_QUEUE_ARN)] }, { awsRequestId: 'inv-1' });
    vi.stubEnv('_X_AMZN_TRACE_ID', 'Root=1-67891234-abcdef012345678912345678;Sampled=1');
    await t.handler({ Records: [sqsRecord('bad', REQUEST_QUEUE_ARN)] }, { awsRequestId: 'inv-2' });

    const errors = t.obs.lines.filter((line) => line.level === 'ERROR');
    expect(errors.map((l) => [l.function_request_id, l.xray_trace_id, l.cold_start])).toEqual([
      ['inv-1', '1-67891233-abcdef012345678912345678', true],
      ['inv-2', '1-67891234-abcdef012345678912345678', false],
    ]);
    expect(errors[0]).toMatchObject({ service: 'generator', failureCode: FailureCode.InvalidJson });
    expect(errors[0]?.error).toMatchObject({ name: 'InvalidMessageError' });
  });
});

describe('generator routes a batch by its source queue', () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => {
    t = setup();
  });

  it('answers an empty batch with no failures and no calls', async () => {
    const result = await t.handler({ Records: [] });

    expect(result).toEqual({ batchItemFailures: [] });
    expect(t.sqsMock.calls()).toHaveLength(0);
  });

  it('sends poison from the ack queue to the ack DLQ, not the request DLQ', async () => {
    const poison = sqsRecord('garbage', ACK_QUEUE_ARN);

    const result = await t.handler({ Records: [poison] });

    expect(result.batchItemFailures).toEqual([]);
    expect(t.sentTo(ACK_DLQ_URL).map((e) => e.MessageBody)).toEqual(['garbage']);
    expect(t.sentTo(REQUEST_DLQ_URL)).toHaveLength(0);
  });

  it('parses a request-queue batch as requests, so an ack body there is poison', async () => {
    const misplaced = sqsRecord(legacyAck(REQUEST_ID), REQUEST_QUEUE_ARN);

    await t.handler({ Records: [misplaced] });

    const [dead] = t.sentTo(REQUEST_DLQ_URL);
    expect(dead?.MessageAttributes?.[FailureAttribute.Code]?.StringValue).toBe(
      FailureCode.InvalidMessage,
    );
    expect(t.store.items.size).toBe(0);
  });

  it('fails the whole batch from a queue it does not consume, naming the queue', async () => {
    const other = 'arn:aws:sqs:us-east-1:123456789012:other';
    const stray = sqsRecord(request(REQUEST_ID), other);

    const error = await t.handler({ Records: [stray] }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UnexpectedSourceError);
    expect((error as UnexpectedSourceError).sourceArn).toBe(other);
    expect(t.store.items.size).toBe(0);
    expect(t.sqsMock.calls()).toHaveLength(0);
    const logged = t.obs.lines.find((l) => l.level === 'ERROR');
    expect(logged?.error).toMatchObject({ name: 'UnexpectedSourceError' });
  });

  it('fails a batch that mixes queues, touching neither', async () => {
    const records = [
      sqsRecord(request(REQUEST_ID), REQUEST_QUEUE_ARN),
      sqsRecord(ack(REQUEST_ID), ACK_QUEUE_ARN),
    ];

    const error = await t.handler({ Records: records }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MixedSourcesError);
    expect((error as MixedSourcesError).sourceArns).toEqual([REQUEST_QUEUE_ARN, ACK_QUEUE_ARN]);
    expect(t.store.items.size).toBe(0);
    expect(t.sqsMock.calls()).toHaveLength(0);
  });
});

describe('generator on an ack', () => {
  let t: ReturnType<typeof setup>;
  beforeEach(async () => {
    t = setup();
    await t.handler({ Records: [sqsRecord(request(REQUEST_ID), REQUEST_QUEUE_ARN)] });
  });

  it('marks the string acknowledged', async () => {
    const result = await t.handler({ Records: [sqsRecord(ack(REQUEST_ID), ACK_QUEUE_ARN)] });

    expect(result.batchItemFailures).toEqual([]);
    expect(t.store.items.get(REQUEST_ID)).toMatchObject({
      status: Status.Acknowledged,
      acknowledgedAt: '2026-11-24T12:00:00.000Z',
    });
    expect(t.obs.metric('Acknowledged')).toBe(1);
  });

  it('treats a duplicate ack as done, counting it once', async () => {
    await t.handler({ Records: [sqsRecord(ack(REQUEST_ID), ACK_QUEUE_ARN)] });
    const result = await t.handler({ Records: [sqsRecord(ack(REQUEST_ID), ACK_QUEUE_ARN, 2)] });

    expect(result.batchItemFailures).toEqual([]);
    expect(t.obs.metric('Acknowledged')).toBe(1);
    expect(t.obs.metric('Duplicate')).toBe(1);
    expect(t.sentTo(ACK_DLQ_URL)).toHaveLength(0);
  });

  it('dead-letters an ack naming a value it did not generate as Conflict, with both hashes, and leaves the string unacknowledged', async () => {
    const foreign = sqsRecord(ack(REQUEST_ID, VALUE_B), ACK_QUEUE_ARN);

    const result = await t.handler({ Records: [foreign] });

    expect(result.batchItemFailures).toEqual([]);
    expect(t.store.items.get(REQUEST_ID)?.status).toBe(Status.Generated);
    const [dead] = t.sentTo(ACK_DLQ_URL);
    expect(dead?.MessageAttributes?.[FailureAttribute.Code]?.StringValue).toBe(
      FailureCode.Conflict,
    );
    const reason = dead?.MessageAttributes?.[FailureAttribute.Reason]?.StringValue ?? '';
    expect(reason).toContain(sha256(VALUE_A));
    expect(reason).toContain(sha256(VALUE_B));
    expect(reason).not.toContain(VALUE_A);
    expect(reason).not.toContain(VALUE_B);
    expect(t.obs.metric('Acknowledged')).toBe(0);
  });

  it('still reads a version 1 ack (no value) in flight during a deploy, and marks it', async () => {
    const result = await t.handler({ Records: [sqsRecord(legacyAck(REQUEST_ID), ACK_QUEUE_ARN)] });

    expect(result.batchItemFailures).toEqual([]);
    expect(t.store.items.get(REQUEST_ID)?.status).toBe(Status.Acknowledged);
    expect(t.obs.lines.some((line) => String(line.message).startsWith('legacy ack'))).toBe(true);
  });

  it.each([
    ['a version 3 ack', { ...ack(REQUEST_ID), v: 3 }, FailureCode.UnsupportedVersion],
    [
      'a version 2 ack without its value',
      { ...legacyAck(REQUEST_ID), v: 2 },
      FailureCode.InvalidMessage,
    ],
  ])('dead-letters %s', async (_, body, code) => {
    await t.handler({ Records: [sqsRecord(body, ACK_QUEUE_ARN)] });

    expect(t.sentTo(ACK_DLQ_URL)[0]?.MessageAttributes?.[FailureAttribute.Code]?.StringValue).toBe(
      code,
    );
    expect(t.store.items.get(REQUEST_ID)?.status).toBe(Status.Generated);
  });

  it('dead-letters an ack for a request it never saw', async () => {
    const stray = sqsRecord(ack('01JDQK8Z9X000000000000000Z'), ACK_QUEUE_ARN);

    const result = await t.handler({ Records: [stray] });

    expect(result.batchItemFailures).toEqual([]);
    const [dead] = t.sentTo(ACK_DLQ_URL);
    expect(dead?.MessageAttributes?.[FailureAttribute.Code]?.StringValue).toBe(
      FailureCode.UnknownRequest,
    );
    expect(t.sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
  });
});

describe('generator refuses malformed SQS events', () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => {
    t = setup();
  });

  it.each([
    ['attributes', 'Records.1.attributes: is required'],
    ['body', 'Records.1.body: is required'],
    ['messageId', 'Records.1.messageId: is required'],
    ['eventSourceARN', 'Records.1.eventSourceARN: is required'],
  ])('fails a batch whose record lacks %s with a typed error naming it', async (field, detail) => {
    const broken: Record<string, unknown> = { ...sqsRecord('not json', REQUEST_QUEUE_ARN) };
    delete broken[field];
    const records = [sqsRecord(request(REQUEST_ID), REQUEST_QUEUE_ARN), broken];

    const error = await t.handler({ Records: records } as never).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MalformedEventError);
    expect((error as Error).message).toBe(`invalid SQS event: ${detail}`);
    expect(t.store.items.size).toBe(0);
    expect(t.sqsMock.calls()).toHaveLength(0);
  });

  it.each([
    [{}, 'Records: is required'],
    [{ Records: { 0: 'x' } }, 'Records: Invalid type: Expected Array but received Object'],
    [null, 'Invalid type: Expected Object but received null'],
  ])('fails the event %j with a typed error, not a TypeError', async (event, detail) => {
    const error = await t.handler(event as never).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MalformedEventError);
    expect((error as Error).message).toBe(`invalid SQS event: ${detail}`);
  });

  it('dead-letters a body whose JSON error quotes half an emoji with a reason SQS accepts', async () => {
    // JSON.parse's message quotes the offending UTF-16 unit: here a lone high surrogate.
    const poison = sqsRecord('😀'.repeat(600), REQUEST_QUEUE_ARN);

    await t.handler({ Records: [poison] });

    const [dead] = t.sentTo(REQUEST_DLQ_URL);
    const reason = dead?.MessageAttributes?.[FailureAttribute.Reason]?.StringValue ?? '';
    expect(reason).toMatch(/^request message body is not JSON: Unexpected token/);
    expect(reason).not.toMatch(/\p{Cs}/u); // no lone surrogate
    expect(dead?.MessageBody).toBe(poison.body);
  });
});
