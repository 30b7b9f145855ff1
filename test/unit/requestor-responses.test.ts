import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it } from 'vitest';
import { FailureAttribute, FailureCode, MessageType, Status } from '../../contract/contract';
import { REQUEST_ID, RESPONSE_QUEUE_ARN, sqsRecord, VALUE_A, VALUE_B } from './fakes';
import { ACK_QUEUE_URL, RESPONSE_DLQ_URL, response, setup } from './requestor-fixtures';

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
