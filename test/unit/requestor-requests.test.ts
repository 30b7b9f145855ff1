import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it } from 'vitest';
import { MessageType, Status } from '../../contract/contract';
import { InvalidMessageError, SendFailedError } from '../../functions/shared/errors';
import { deriveRequestId, REQUEST_ID_PATTERN } from '../../functions/shared/ids';
import { noDelay, RESPONSE_QUEUE_ARN, sqsRecord, VALUE_A } from './fakes';
import { REQUEST_QUEUE_URL, response, setup } from './requestor-fixtures';

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
