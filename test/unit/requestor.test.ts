import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RequestorDeps } from '../../functions/requestor/domain';
import { createRequestorHandler } from '../../functions/requestor/handler';
import {
  FailureAttribute,
  FailureCode,
  MessageType,
  Status,
} from '../../functions/shared/contract';
import {
  InvalidMessageError,
  MalformedEventError,
  SendFailedError,
} from '../../functions/shared/errors';
import { deriveRequestId, REQUEST_ID_PATTERN } from '../../functions/shared/ids';
import {
  clock,
  FakeRequestsStore,
  newSqsClient,
  noDelay,
  observability,
  REQUEST_ID,
  RESPONSE_QUEUE_ARN,
  sqsRecord,
  VALUE_A,
  VALUE_B,
} from './fakes';

const REQUEST_QUEUE_URL = 'https://sqs.test/request';
const ACK_QUEUE_URL = 'https://sqs.test/ack';
const RESPONSE_DLQ_URL = 'https://sqs.test/response-dlq';

const response = (requestId: string, value = VALUE_A) => ({
  v: 1,
  type: MessageType.Response,
  requestId,
  value,
  generatedAt: '2026-11-24T11:59:30.000Z',
});

function setup() {
  const sqs = newSqsClient();
  const sqsMock = mockClient(sqs);
  sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
  const store = new FakeRequestsStore();
  const obs = observability('requestor');
  const deps: RequestorDeps = {
    store,
    sqs,
    requestQueueUrl: REQUEST_QUEUE_URL,
    ackQueueUrl: ACK_QUEUE_URL,
    requestId: deriveRequestId,
    clock,
    logger: obs.logger,
    metrics: obs.metrics,
    retry: noDelay,
  };
  const handler = createRequestorHandler(deps, {
    responseDlqUrl: RESPONSE_DLQ_URL,
    defaultCount: 3,
  });
  const sentTo = (url: string) =>
    sqsMock
      .commandCalls(SendMessageBatchCommand)
      .filter((call) => call.args[0].input.QueueUrl === url)
      .flatMap((call) => call.args[0].input.Entries ?? []);
  return { handler, store, sqsMock, obs, sentTo };
}

describe('requestor asked for strings', () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => {
    t = setup();
  });

  it('records each request as REQUESTED and sends one request message per id', async () => {
    const result = (await t.handler({ count: 25 })) as { requestIds: string[] };

    expect(result.requestIds).toHaveLength(25);
    expect(new Set(result.requestIds).size).toBe(25);
    for (const id of result.requestIds) {
      expect(t.store.items.get(id)).toMatchObject({ status: Status.Requested });
    }
    const sent = t.sentTo(REQUEST_QUEUE_URL).map((e) => JSON.parse(e.MessageBody ?? ''));
    expect(sent.map((m) => m.requestId).sort()).toEqual([...result.requestIds].sort());
    expect(sent[0]).toEqual({
      v: 1,
      type: MessageType.Request,
      requestId: result.requestIds[0],
      requestedAt: '2026-11-24T12:00:00.000Z',
    });
    expect(t.obs.metric('Requested')).toBe(25);
  });

  it('sends in batches of ten (one billed request each)', async () => {
    await t.handler({ count: 25 });
    const sizes = t.sqsMock
      .commandCalls(SendMessageBatchCommand)
      .map((c) => c.args[0].input.Entries?.length);
    expect(sizes.sort()).toEqual([10, 10, 5]);
  });

  it('asks for the default count when invoked with an empty payload (the schedule)', async () => {
    const result = (await t.handler({})) as { requestIds: string[] };
    expect(result.requestIds).toHaveLength(3);
  });

  it('retries only the entries SQS failed, then succeeds', async () => {
    let calls = 0;
    t.sqsMock.on(SendMessageBatchCommand).callsFake((input) => {
      calls += 1;
      const [first] = input.Entries as { Id: string }[];
      return calls === 1
        ? {
            Successful: [],
            Failed: [{ Id: first?.Id, Code: 'ServiceUnavailable', SenderFault: false }],
          }
        : { Successful: [], Failed: [] };
    });

    const result = (await t.handler({ count: 4 })) as { requestIds: string[] };

    const sizes = t.sqsMock
      .commandCalls(SendMessageBatchCommand)
      .map((c) => c.args[0].input.Entries?.length);
    expect(sizes).toEqual([4, 1]);
    expect(result.requestIds).toHaveLength(4);
  });

  it('fails naming the requests that could not be sent after every retry', async () => {
    t.sqsMock.on(SendMessageBatchCommand).rejects(new Error('throttled'));

    const error = await t.handler({ count: 2 }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SendFailedError);
    expect((error as SendFailedError).failedIds).toHaveLength(2);
    expect(t.sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(noDelay.maxAttempts);
  });

  it.each([
    [{ count: 1, idempotencyKey: '' }, /idempotencyKey: must be 1 to 128 characters/],
    [{ count: 1, idempotencyKey: 'a b' }, /idempotencyKey: must be 1 to 128 characters/],
    [{ count: 1, idempotencyKey: 'k'.repeat(129) }, /idempotencyKey/],
    [{ count: 0 }, /count: must be at least 1/],
    [{ count: 10_001 }, /count: must be at most 10000/],
    [{ count: 2.5 }, /count: must be an integer/],
    [{ count: '5' }, /count/],
    [{ count: 1, extra: true }, /extra: is not allowed/],
  ])('rejects the payload %j with an error naming the field', async (payload, message) => {
    const error = await t.handler(payload).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidMessageError);
    expect((error as Error).message).toMatch(message);
    expect(t.store.items.size).toBe(0);
  });
});

describe('requestor retried (a crash, a timeout, a failed send)', () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => {
    t = setup();
  });
  const KEY = '2026-11-24T12:00:00Z';
  const requested = () =>
    [...t.store.items.entries()].filter(([, item]) => item.status === Status.Requested);
  const sentIds = () =>
    t.sentTo(REQUEST_QUEUE_URL).map((e) => JSON.parse(e.MessageBody ?? '').requestId as string);

  it('derives the same ULID-shaped ids from the same key, timed by the key', async () => {
    const first = (await t.handler({ count: 3, idempotencyKey: KEY })) as { requestIds: string[] };
    const again = (await t.handler({ count: 3, idempotencyKey: KEY })) as { requestIds: string[] };
    const other = (await t.handler({ count: 3, idempotencyKey: 'other-key' })) as {
      requestIds: string[];
    };

    expect(again.requestIds).toEqual(first.requestIds);
    expect(new Set([...first.requestIds, ...other.requestIds]).size).toBe(6);
    for (const id of [...first.requestIds, ...other.requestIds]) {
      expect(id).toMatch(REQUEST_ID_PATTERN);
    }
    expect(first.requestIds[0]?.slice(0, 10)).toBe(deriveRequestId(KEY, 0).slice(0, 10));
    expect(first.requestIds[0]?.slice(0, 10)).toBe(
      deriveRequestId('2026-11-24T12:00:00.000Z', 99).slice(0, 10),
    );
  });

  it('keys an invocation without a key by its Lambda request id, which async retries keep', async () => {
    const context = { awsRequestId: 'c0ffee00-0000-4000-8000-000000000001' };
    const first = (await t.handler({ count: 2 }, context)) as { requestIds: string[] };
    const retry = (await t.handler({ count: 2 }, context)) as { requestIds: string[] };

    expect(retry.requestIds).toEqual(first.requestIds);
    expect(first.requestIds).toEqual([0, 1].map((i) => deriveRequestId(context.awsRequestId, i)));
  });

  it('after a send that finally fails, names the key to retry with; the retry completes every request under the same ids', async () => {
    t.sqsMock.on(SendMessageBatchCommand).rejects(new Error('throttled'));

    const error = await t.handler({ count: 25, idempotencyKey: KEY }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SendFailedError);
    expect((error as Error).message).toContain(`retry with {"count":25,"idempotencyKey":"${KEY}"}`);
    expect(requested()).toHaveLength(25);

    t.sqsMock.reset();
    t.sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const retry = (await t.handler({ count: 25, idempotencyKey: KEY })) as {
      requestIds: string[];
    };

    expect(t.store.items.size).toBe(25);
    expect(retry.requestIds.sort()).toEqual([...t.store.items.keys()].sort());
    expect(sentIds().sort()).toEqual(retry.requestIds.sort());
    for (const id of retry.requestIds) {
      await t.handler({ Records: [sqsRecord(response(id), RESPONSE_QUEUE_ARN)] });
    }
    expect(requested()).toEqual([]);
  });

  it('after a crash between recording and sending, a retry sends every recorded request and records nothing new', async () => {
    // The process dies after the table write: nothing reaches SQS.
    t.sqsMock.on(SendMessageBatchCommand).callsFake(() => {
      throw new Error('Runtime exited');
    });
    await t.handler({ count: 12, idempotencyKey: KEY }).catch(() => undefined);
    const orphans = requested().map(([id]) => id);
    expect(orphans).toHaveLength(12);

    t.sqsMock.reset();
    t.sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    await t.handler({ count: 12, idempotencyKey: KEY });

    expect(t.store.items.size).toBe(12);
    expect(sentIds().sort()).toEqual(orphans.sort());
  });

  it('on a retry re-sends only requests still REQUESTED and never downgrades a STORED one', async () => {
    const { requestIds } = (await t.handler({ count: 3, idempotencyKey: KEY })) as {
      requestIds: string[];
    };
    const [answered] = requestIds as [string];
    await t.handler({ Records: [sqsRecord(response(answered), RESPONSE_QUEUE_ARN)] });
    t.sqsMock.resetHistory();

    await t.handler({ count: 3, idempotencyKey: KEY });

    expect(t.store.items.get(answered)).toMatchObject({ status: Status.Stored, value: VALUE_A });
    expect(sentIds().sort()).toEqual(requestIds.filter((id) => id !== answered).sort());
  });
});

describe('requestor on a response', () => {
  let t: ReturnType<typeof setup>;
  beforeEach(async () => {
    t = setup();
    await t.store.recordRequested([
      { requestId: REQUEST_ID, requestedAt: '2026-11-24T11:59:00.000Z' },
    ]);
  });

  it('stores the string against its request, then sends an ack', async () => {
    const result = await t.handler({
      Records: [sqsRecord(response(REQUEST_ID), RESPONSE_QUEUE_ARN)],
    });

    expect(result).toEqual({ batchItemFailures: [] });
    expect(t.store.items.get(REQUEST_ID)).toMatchObject({ status: Status.Stored, value: VALUE_A });
    const [ack] = t.sentTo(ACK_QUEUE_URL).map((e) => JSON.parse(e.MessageBody ?? ''));
    expect(ack).toEqual({
      v: 2,
      type: MessageType.Ack,
      requestId: REQUEST_ID,
      value: VALUE_A,
      storedAt: '2026-11-24T12:00:00.000Z',
    });
    expect(t.obs.metric('Stored')).toBe(1);
  });

  it('stores a duplicate response once and acknowledges it again', async () => {
    await t.handler({ Records: [sqsRecord(response(REQUEST_ID), RESPONSE_QUEUE_ARN)] });
    const result = await t.handler({
      Records: [sqsRecord(response(REQUEST_ID), RESPONSE_QUEUE_ARN, 2)],
    });

    expect(result).toEqual({ batchItemFailures: [] });
    expect(t.sentTo(ACK_QUEUE_URL)).toHaveLength(2);
    expect(t.obs.metric('Stored')).toBe(1);
    expect(t.obs.metric('Duplicate')).toBe(1);
  });

  it('dead-letters a response that contradicts the stored value', async () => {
    await t.handler({ Records: [sqsRecord(response(REQUEST_ID, VALUE_A), RESPONSE_QUEUE_ARN)] });
    const conflicting = sqsRecord(response(REQUEST_ID, VALUE_B), RESPONSE_QUEUE_ARN);

    await t.handler({ Records: [conflicting] });

    expect(t.store.items.get(REQUEST_ID)?.value).toBe(VALUE_A);
    const [dead] = t.sentTo(RESPONSE_DLQ_URL);
    expect(dead?.MessageAttributes?.[FailureAttribute.Code]?.StringValue).toBe(
      FailureCode.Conflict,
    );
  });

  it('dead-letters a response for a request it never made', async () => {
    const stray = sqsRecord(response('01JDQK8Z9X000000000000000Z'), RESPONSE_QUEUE_ARN);

    const result = await t.handler({ Records: [stray] });

    expect(result).toEqual({ batchItemFailures: [] });
    expect(
      t.sentTo(RESPONSE_DLQ_URL)[0]?.MessageAttributes?.[FailureAttribute.Code]?.StringValue,
    ).toBe(FailureCode.UnknownRequest);
    expect(t.sentTo(ACK_QUEUE_URL)).toHaveLength(0);
  });

  it('reports a response whose ack could not be sent, so it comes back and is acked again', async () => {
    const record = sqsRecord(response(REQUEST_ID), RESPONSE_QUEUE_ARN);
    t.sqsMock.on(SendMessageBatchCommand).callsFake((input) => ({
      Successful: [],
      Failed: input.Entries.map((e: { Id: string }) => ({
        Id: e.Id,
        Code: 'InternalError',
        SenderFault: false,
      })),
    }));

    const result = await t.handler({ Records: [record] });

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
    expect(t.store.items.get(REQUEST_ID)?.status).toBe(Status.Stored);
  });

  it.each([
    ['invalid JSON', 'nope', FailureCode.InvalidJson],
    ['a wrong schema version', { ...response(REQUEST_ID), v: 0 }, FailureCode.UnsupportedVersion],
    ['a short value', response(REQUEST_ID, 'abc'), FailureCode.InvalidMessage],
    [
      'a value outside the alphabet',
      response(REQUEST_ID, `${'a'.repeat(63)}!`),
      FailureCode.InvalidMessage,
    ],
  ])('dead-letters %s and stores the rest of the batch', async (_, body, code) => {
    const poison = sqsRecord(body, RESPONSE_QUEUE_ARN);
    const good = sqsRecord(response(REQUEST_ID), RESPONSE_QUEUE_ARN);

    const result = await t.handler({ Records: [poison, good] });

    expect(result).toEqual({ batchItemFailures: [] });
    expect(
      t.sentTo(RESPONSE_DLQ_URL)[0]?.MessageAttributes?.[FailureAttribute.Code]?.StringValue,
    ).toBe(code);
    expect(t.store.items.get(REQUEST_ID)?.status).toBe(Status.Stored);
  });
});

describe('requestor refuses payloads that are not what its triggers send', () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => {
    t = setup();
  });

  it.each([
    [[], 'an array'],
    [[{ count: 5 }], 'an array'],
    ['10', 'a string'],
    [10, 'a number'],
    [true, 'a boolean'],
  ])('refuses the payload %j, saying what it expected and what it got', async (payload, kind) => {
    const error = await t.handler(payload).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MalformedEventError);
    expect((error as Error).message).toBe(
      `the requestor's payload must be an object such as {"count": 10}, or {} or null for the default count (3); got ${kind}`,
    );
    expect(t.store.items.size).toBe(0);
    expect(t.sqsMock.calls()).toHaveLength(0);
  });

  it.each([{}, null, undefined])('asks for the default count for %j', async (payload) => {
    const result = (await t.handler(payload)) as { requestIds: string[] };
    expect(result.requestIds).toHaveLength(3);
  });

  it.each([
    [{ Records: 'not a list' }, 'Records: Invalid type: Expected Array but received "not a list"'],
    [{ Records: [null] }, 'Records.0: Invalid type: Expected Object but received null'],
  ])('fails the SQS event %j with a typed error naming the field', async (event, detail) => {
    const error = await t.handler(event).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MalformedEventError);
    expect((error as Error).message).toBe(`invalid SQS event: ${detail}`);
    expect(t.sqsMock.calls()).toHaveLength(0);
  });

  it.each([
    ['attributes', 'Records.0.attributes: is required'],
    ['body', 'Records.0.body: is required'],
    ['messageId', 'Records.0.messageId: is required'],
  ])(
    'fails an SQS record without %s with a typed error, not a TypeError',
    async (field, detail) => {
      const record: Record<string, unknown> = { ...sqsRecord('not json', RESPONSE_QUEUE_ARN) };
      delete record[field];

      const error = await t.handler({ Records: [record] }).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(MalformedEventError);
      expect((error as Error).message).toBe(`invalid SQS event: ${detail}`);
      expect(t.sqsMock.calls()).toHaveLength(0);
    },
  );

  it('answers an empty SQS batch with no failures and no calls', async () => {
    expect(await t.handler({ Records: [] })).toEqual({ batchItemFailures: [] });
    expect(t.sqsMock.calls()).toHaveLength(0);
  });
});
