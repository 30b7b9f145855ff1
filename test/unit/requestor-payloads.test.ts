import { beforeEach, describe, expect, it } from 'vitest';
import { MalformedEventError } from '../../functions/shared/errors';
import { RESPONSE_QUEUE_ARN, sqsRecord } from './fakes';
import { setup } from './requestor-fixtures';

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
