import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  firstReceivedAt,
  holding,
  type Probe,
  RETRIES,
  receiveCounts,
  SLACK_MS,
  startProbe,
  useProbes,
} from './parity-probe';

// Each SQS event source mapping behaviour AWS documents (the Lambda developer guide, "Using Lambda
// with Amazon SQS"), checked over the wire against the local cloud running a probe function that
// records its invocations: here, partial batch responses, redelivery and dead-lettering.

const assembly = useProbes({ 'partial-batches': RETRIES });

describe('event source mapping parity: partial batch responses, redelivery and the DLQ', () => {
  let probe: Probe;
  beforeAll(async () => {
    probe = await startProbe(assembly(), 'partial-batches', { warm: true, timeScale: 2 });
  });
  afterAll(() => probe?.stop());

  it('deletes the successes of a partial batch response and redelivers only the failures', async () => {
    const [ok1 = '', failing = '', ok2 = ''] = await probe.send([
      { n: 1 },
      { fail: true },
      { n: 2 },
    ]);
    await probe.cloud.waitForIdle();

    const all = await probe.invocations();
    const [first, retry] = holding(all, failing);
    expect(first?.messageIds.sort()).toEqual([ok1, failing, ok2].sort());
    expect(holding(all, ok1)).toHaveLength(1);
    expect(holding(all, ok2)).toHaveLength(1);
    expect(retry?.messageIds).toEqual([failing]);
    expect(retry?.startedAt).toBeGreaterThanOrEqual(
      firstReceivedAt(first, failing) + probe.queue.visibilityTimeoutSeconds * 1000 - SLACK_MS,
    );
    expect(await probe.drainDlq()).toEqual([failing]);
  });

  it('redelivers a failed message once its visibility timeout expires, with a growing receive count', async () => {
    const [failing = ''] = await probe.send([{ fail: true }]);
    await probe.cloud.waitForIdle();

    const all = await probe.invocations();
    expect(receiveCounts(all, failing)).toEqual([1, 2]);
    const [first, second] = holding(all, failing);
    expect(second?.startedAt).toBeGreaterThanOrEqual(
      firstReceivedAt(first, failing) + probe.queue.visibilityTimeoutSeconds * 1000 - SLACK_MS,
    );
    // ApproximateFirstReceiveTimestamp keeps the first receive across redeliveries.
    expect(firstReceivedAt(second, failing)).toBe(firstReceivedAt(first, failing));
    await probe.drainDlq();
  });

  it('moves a message to the DLQ after maxReceiveCount receives and delivers it no more', async () => {
    const [failing = ''] = await probe.send([{ fail: true }]);
    await probe.cloud.waitForIdle();

    expect(holding(await probe.invocations(), failing)).toHaveLength(RETRIES.maxReceiveCount);
    expect(await probe.drainDlq()).toEqual([failing]);
    expect(await probe.depth()).toEqual({ visible: 0, inFlight: 0 });
  });

  it('builds each SQS event record as Lambda does', async () => {
    const body = JSON.stringify({ n: 7, text: 'héllo' });
    const [id = ''] = await probe.send([{ n: 7, text: 'héllo' }], {
      Colour: { DataType: 'String', StringValue: 'blue' },
      Size: { DataType: 'Number', StringValue: '3' },
      Blob: { DataType: 'Binary', BinaryValue: Uint8Array.from([1, 2, 3]) },
    });
    await probe.cloud.waitForIdle();

    const [invocation] = holding(await probe.invocations(), id);
    expect(invocation?.records).toHaveLength(1);
    expect(invocation?.records[0]).toEqual({
      messageId: id,
      receiptHandle: expect.any(String),
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: expect.stringMatching(/^\d{13}$/),
        SenderId: expect.any(String),
        ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d{13}$/),
      },
      messageAttributes: {
        Colour: {
          dataType: 'String',
          stringValue: 'blue',
          stringListValues: [],
          binaryListValues: [],
        },
        Size: { dataType: 'Number', stringValue: '3', stringListValues: [], binaryListValues: [] },
        Blob: {
          dataType: 'Binary',
          binaryValue: Buffer.from([1, 2, 3]).toString('base64'),
          stringListValues: [],
          binaryListValues: [],
        },
      },
      md5OfBody: createHash('md5').update(body).digest('hex'),
      md5OfMessageAttributes: expect.stringMatching(/^[0-9a-f]{32}$/),
      eventSource: 'aws:sqs',
      eventSourceARN: probe.cloud.outputs.QueueArn,
      awsRegion: probe.cloud.region,
    });
    expect(probe.cloud.outputs.QueueArn).toBe(probe.queue.arn);
  });
});
