import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it } from 'vitest';
import { MessageType, Status } from '../../contract/contract';
import { REQUEST_ID, REQUEST_QUEUE_ARN, sqsRecord, VALUE_A } from './fakes';
import { REQUEST_DLQ_URL, RESPONSE_QUEUE_URL, request, setup } from './generator-fixtures';

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
