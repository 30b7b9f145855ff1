import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FailureAttribute, FailureCode, MessageType } from '../../contract/contract';
import { MalformedEventError } from '../../functions/shared/errors';
import { REQUEST_ID, REQUEST_QUEUE_ARN, sqsRecord } from './fakes';
import { REQUEST_DLQ_URL, RESPONSE_QUEUE_URL, request, setup } from './generator-fixtures';

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
