import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { Status } from '../../contract/contract';
import {
  type GeneratedString,
  type StringsStore,
  valueMismatch,
} from '../../functions/generator/strings-store';
import type { RequestsStore } from '../../functions/requestor/requests-store';
import { ConflictError, UnknownRequestError } from '../../functions/shared/errors';
import { Logger } from '../../functions/shared/logger';
import { Metrics } from '../../functions/shared/metrics';
import type { RetryPolicy } from '../../functions/shared/retry';

export const NOW = new Date('2026-11-24T12:00:00.000Z');
export const clock = (): Date => NOW;
export const noDelay: RetryPolicy = { maxAttempts: 3, baseDelayMs: 1, sleep: async () => {} };
export const VALUE_A = 'A'.repeat(64);
export const VALUE_B = 'b'.repeat(64);
export const REQUEST_ID = '01JDQK8Z9X0000000000000000';
export const OTHER_ID = '01JDQK8Z9X0000000000000001';

/** Captures log and EMF lines so tests can read them as objects. */
export function observability(service: string) {
  const lines: Record<string, unknown>[] = [];
  const sink = (line: string) => lines.push(JSON.parse(line));
  return {
    lines,
    logger: new Logger({ service }, { sink, clock, level: 'INFO' }),
    metrics: new Metrics('Test', service, sink, clock),
    /** Sum of a metric over every flushed EMF line. */
    metric(name: string): number {
      return lines
        .filter((line) => '_aws' in line)
        .reduce((sum, line) => sum + (Number(line[name]) || 0), 0);
    },
  };
}

/** An in-memory Strings table with the same conditional semantics as the DynamoDB store. */
export class FakeStringsStore implements StringsStore {
  readonly items = new Map<string, GeneratedString & { status: string; acknowledgedAt?: string }>();
  private armed: { readonly thrown: unknown } | undefined;

  /** Makes the next write throw `thrown`, whatever it is (stores can throw non-Errors). */
  failNextWrite(thrown: unknown): void {
    this.armed = { thrown };
  }

  async recordGenerated(record: GeneratedString) {
    this.throwIfArmed();
    const existing = this.items.get(record.requestId);
    if (existing) {
      // Only the string's own fields, as the DynamoDB store returns (not status or ack time).
      const { requestId, value, generatedAt } = existing;
      return { stored: { requestId, value, generatedAt }, created: false };
    }
    this.items.set(record.requestId, { ...record, status: Status.Generated });
    return { stored: record, created: true };
  }

  async markAcknowledged(requestId: string, at: string, value: string | undefined) {
    this.throwIfArmed();
    const existing = this.items.get(requestId);
    if (!existing) throw new UnknownRequestError(requestId);
    if (value !== undefined && value !== existing.value) {
      throw valueMismatch(requestId, value, existing.value);
    }
    const firstTime = existing.status !== Status.Acknowledged;
    existing.status = Status.Acknowledged;
    existing.acknowledgedAt ??= at;
    return { firstTime };
  }

  private throwIfArmed() {
    const armed = this.armed;
    this.armed = undefined;
    if (armed) throw armed.thrown;
  }
}

/** An in-memory Requests table with the same conditional semantics as the DynamoDB store. */
export class FakeRequestsStore implements RequestsStore {
  readonly items = new Map<
    string,
    { requestedAt: string; status: string; value?: string; storedAt?: string }
  >();

  async recordRequested(requests: readonly { requestId: string; requestedAt: string }[]) {
    const pending: string[] = [];
    for (const r of requests) {
      const existing = this.items.get(r.requestId);
      if (!existing) this.items.set(r.requestId, { ...r, status: Status.Requested });
      if ((existing?.status ?? Status.Requested) === Status.Requested) pending.push(r.requestId);
    }
    return pending;
  }

  async storeValue(requestId: string, value: string, at: string) {
    const existing = this.items.get(requestId);
    if (!existing) throw new UnknownRequestError(requestId);
    if (existing.value !== undefined && existing.value !== value) {
      throw new ConflictError(requestId, 'a different value is already stored');
    }
    const firstTime = existing.status !== Status.Stored;
    existing.value = value;
    existing.status = Status.Stored;
    existing.storedAt ??= at;
    return { firstTime, storedAt: existing.storedAt };
  }
}

export const REQUEST_QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:p-request';
export const ACK_QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:p-ack';
export const RESPONSE_QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:p-response';

let counter = 0;
/** An SQS event record as Lambda delivers it. */
export function sqsRecord(body: unknown, eventSourceARN: string, receiveCount = 1): SQSRecord {
  counter += 1;
  return {
    messageId: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    receiptHandle: `handle-${counter}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: String(NOW.getTime()),
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: String(NOW.getTime()),
    },
    messageAttributes: {},
    md5OfBody: 'not-checked',
    eventSource: 'aws:sqs',
    eventSourceARN,
    awsRegion: 'us-east-1',
  };
}

/** A real SQSClient; tests intercept its sends with aws-sdk-client-mock. */
export const newSqsClient = () => new SQSClient({ region: 'us-east-1' });

/**
 * A mocked SQS client whose SendMessageBatch calls succeed unless a test says otherwise, and the
 * entries sent to each queue URL.
 */
export function mockedSqs() {
  const sqs = newSqsClient();
  const sqsMock = mockClient(sqs);
  sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
  const sentTo = (url: string) =>
    sqsMock
      .commandCalls(SendMessageBatchCommand)
      .filter((call) => call.args[0].input.QueueUrl === url)
      .flatMap((call) => call.args[0].input.Entries ?? []);
  return { sqs, sqsMock, sentTo };
}
