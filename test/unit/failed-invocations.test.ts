import type { Message } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { readFailedInvocation, replayPayload } from '../../ops/failed-invocations';

const attributes = (values: Record<string, string>): Message['MessageAttributes'] =>
  Object.fromEntries(
    Object.entries(values).map(([name, value]) => [
      name,
      { DataType: 'String', StringValue: value },
    ]),
  );

describe('reading a failed invocation', () => {
  it("reads a Lambda async DLQ message: the body is the payload, the reason Lambda's attributes", () => {
    const f = readFailedInvocation({
      MessageId: 'm',
      Body: '{"count":3}',
      MessageAttributes: attributes({
        RequestID: 'req-1',
        ErrorCode: '200',
        ErrorMessage: 'Task timed out after 30.00 seconds',
      }),
    });
    expect(f).toMatchObject({
      source: 'lambda-dlq',
      requestId: 'req-1',
      payload: { count: 3 },
      reason: '200: Task timed out after 30.00 seconds',
    });
    // Replayed under the failed invocation's request id, which the requestor keyed its ids on.
    expect(replayPayload(f)).toEqual({ count: 3, idempotencyKey: 'req-1' });
  });

  it('reads an invocation record, keeping a payload that names its own idempotency key', () => {
    const f = readFailedInvocation({
      MessageId: 'm',
      Body: JSON.stringify({
        requestContext: {
          requestId: 'req-2',
          condition: 'EventAgeExceeded',
          approximateInvokeCount: 1,
        },
        requestPayload: { count: 2, idempotencyKey: '2026-01-01T00:00:00Z' },
        responseContext: { statusCode: 200, functionError: 'Unhandled' },
        responsePayload: { errorMessage: 'Process exited before completing request' },
      }),
    });
    expect(f.reason).toBe(
      'EventAgeExceeded after 1 attempt: Unhandled: Process exited before completing request',
    );
    expect(replayPayload(f)).toEqual({ count: 2, idempotencyKey: '2026-01-01T00:00:00Z' });
  });

  it('gives a null payload the request id as key, so the default count is replayed under it', () => {
    const f = readFailedInvocation({
      Body: JSON.stringify({ requestContext: { requestId: 'req-3' }, requestPayload: null }),
    });
    expect(replayPayload(f)).toEqual({ idempotencyKey: 'req-3' });
  });

  it('refuses to replay a payload Scheduler truncated, or a message of unknown shape', () => {
    const truncated = readFailedInvocation({
      Body: '{"count":',
      MessageAttributes: attributes({
        ERROR_CODE: 'AWS.Scheduler.InternalServerError',
        ERROR_MESSAGE: 'x',
        IS_PAYLOAD_TRUNCATED: 'true',
        RETRY_ATTEMPTS: '185',
      }),
    });
    expect(truncated).toMatchObject({ source: 'scheduler', attempts: 186 });
    expect(truncated.payloadProblem).toMatch(/truncated/);
    expect(truncated.payload).toBeUndefined();
    const unknown = readFailedInvocation({ Body: 'hello' });
    expect(unknown.source).toBe('unknown');
    expect(unknown.reason).toMatch(/neither a Scheduler dead-letter event/);
  });
});
