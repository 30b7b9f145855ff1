import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it } from 'vitest';
import { FailureAttribute, FailureCode, Status } from '../../contract/contract';
import { ACK_QUEUE_ARN, REQUEST_ID, REQUEST_QUEUE_ARN, sqsRecord, VALUE_A, VALUE_B } from './fakes';
import { ACK_DLQ_URL, ack, legacyAck, request, setup, sha256 } from './generator-fixtures';

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
