import { beforeEach, describe, expect, it } from 'vitest';
import { FailureAttribute, FailureCode } from '../../contract/contract';
import { MixedSourcesError, UnexpectedSourceError } from '../../functions/shared/errors';
import { ACK_QUEUE_ARN, REQUEST_ID, REQUEST_QUEUE_ARN, sqsRecord } from './fakes';
import { ACK_DLQ_URL, ack, legacyAck, REQUEST_DLQ_URL, request, setup } from './generator-fixtures';

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
