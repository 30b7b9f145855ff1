import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { Output } from '../../contract/contract';
import type { LocalCloud } from '../../local/cloud';
import { describeFaults } from '../../local/session/fault-summary';
import { requestRoundTrips } from '../../local/session/round-trips';

const sqs = mockClient(SQSClient);
afterAll(() => sqs.restore());
beforeEach(() => {
  sqs.reset();
  sqs.on(GetQueueAttributesCommand).resolves({ Attributes: {} });
});

/** A cloud whose requestor answers with `answers` in turn, and that is idle at once. */
function fakeCloud(answers: { error?: { errorType: string; errorMessage: string } }[]) {
  const payloads: unknown[] = [];
  let faults: unknown = 'on';
  const cloud = {
    outputs: {
      [Output.RequestorFunctionName]: 'requestor',
      [Output.RequestQueueUrl]: 'http://q/request',
      [Output.ResponseQueueUrl]: 'http://q/response',
      [Output.AckQueueUrl]: 'http://q/ack',
    },
    queues: {},
    invoke: async (_fn: string, payload: { count: number }) => {
      payloads.push(payload);
      const answer = answers.shift();
      if (answer?.error) return answer;
      return { result: { requestIds: Array.from({ length: payload.count }, (_, i) => `id${i}`) } };
    },
    waitForIdle: async () => {},
    stopSchedules: async () => {},
    injectedFaults: () => ({ 'sqs.SendMessageBatch.throttle': 2, 'dynamodb.PutItem.server': 1 }),
    setFaults: (spec: unknown) => {
      faults = spec;
    },
    metrics: () => ({ calls: {}, writeRequestUnits: 0, readRequestUnits: 0, lambda: {} }),
  } as unknown as LocalCloud;
  return { cloud, payloads, faults: () => faults };
}

describe("npm start's own requestor calls", () => {
  it('retry what the SDK would retry, with the same idempotency key, and survive', async () => {
    const throttled = {
      error: {
        errorType: 'SendFailedError',
        errorMessage: 'ThrottlingException: Rate exceeded (injected by the local cloud)',
      },
    };
    const f = fakeCloud([throttled, throttled]);
    const said: string[] = [];
    const ids = await requestRoundTrips(
      f.cloud,
      new SQSClient({}),
      { requests: 3, schedules: false },
      (text) => said.push(text),
    );
    expect([...ids]).toHaveLength(3);
    expect(f.payloads).toHaveLength(3);
    const keys = f.payloads.map((p) => (p as { idempotencyKey: string }).idempotencyKey);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    // Once settled, the faults are turned off for the reconciliation, saying what they did.
    expect(f.faults()).toBeUndefined();
    expect(said).toEqual([
      'Faults off for the reconciliation; injected: sqs throttle 2, dynamodb server 1',
    ]);
  });

  it('do not retry what no retry mends', async () => {
    const f = fakeCloud([
      { error: { errorType: 'MalformedEventError', errorMessage: 'count must be positive' } },
    ]);
    await expect(
      requestRoundTrips(f.cloud, new SQSClient({}), { requests: 3, schedules: false }),
    ).rejects.toThrow(/^The requestor failed: MalformedEventError: count must be positive$/);
    expect(f.payloads).toHaveLength(1);
  });
});

describe('the faults npm start tells', () => {
  it('are summed by service and kind, whatever the action', () => {
    expect(
      describeFaults({
        'sqs.SendMessageBatch.throttle': 2,
        'sqs.ReceiveMessage.throttle': 3,
        'sqs.DeleteMessageBatch.server': 1,
      }),
    ).toBe('sqs throttle 5, sqs server 1');
    expect(describeFaults({})).toBe('');
  });
});
