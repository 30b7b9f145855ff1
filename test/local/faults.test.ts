import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { Message } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { isClean } from '../../ops/reconcile';
import { type Harness, startHarness } from './harness';

/** Runs `body` against a fresh local cloud and always stops it. */
async function withPipeline(
  options: Parameters<typeof startHarness>[0],
  body: (h: Harness) => Promise<void>,
): Promise<void> {
  const h = await startHarness(options);
  try {
    await body(h);
  } finally {
    await h.stop();
  }
}

/** Batching windows and visibility timeouts of a tenth: what is checked is counts, not waits. */
const FAST = { timeScale: 10 };

const duplicate = (messages: Message[]) =>
  messages.flatMap((m) =>
    [m, m].map(() => ({ body: m.Body ?? '', attributes: m.MessageAttributes })),
  );

describe('faults', () => {
  it('has no duplicate effects when every request, response and ack is delivered twice', async () => {
    await withPipeline(FAST, async (h) => {
      const n = 10;
      const generator = h.cloud.outputs.GeneratorFunctionName ?? '';
      const requestor = h.cloud.outputs.RequestorFunctionName ?? '';
      await h.cloud.pauseConsumer(generator);
      await h.cloud.pauseConsumer(requestor);

      const ids = await h.requestStrings(n);
      await h.send('RequestQueueUrl', duplicate(await h.drain('RequestQueueUrl', n)));

      h.cloud.resumeConsumer(generator);
      const responses = await h.drain('ResponseQueueUrl', 2 * n);
      await h.cloud.pauseConsumer(generator);
      // A duplicate request is answered with the string already generated, never a new one.
      const valuesById = new Map<string, Set<string>>();
      for (const r of responses) {
        const { requestId, value } = JSON.parse(r.Body ?? '{}') as {
          requestId: string;
          value: string;
        };
        valuesById.set(requestId, (valuesById.get(requestId) ?? new Set()).add(value));
      }
      expect(valuesById.size).toBe(n);
      for (const values of valuesById.values()) expect(values.size).toBe(1);
      await h.send('ResponseQueueUrl', duplicate(responses));

      h.cloud.resumeConsumer(requestor);
      const acks = await h.drain('AckQueueUrl', 4 * n);
      await h.send('AckQueueUrl', duplicate(acks));
      h.cloud.resumeConsumer(generator);
      await h.cloud.waitForIdle();

      const summary = await h.reconcile(ids);
      expect(isClean(summary)).toBe(true);
      expect(summary.complete).toBe(n);
      const { Items = [] } = await h.dynamodb.send(
        new ScanCommand({ TableName: h.cloud.outputs.RequestsTableName }),
      );
      for (const item of Items) {
        expect(valuesById.get(item.requestId?.S ?? '')).toEqual(new Set([item.value?.S]));
      }
      // n extra requests + 3n extra responses + 7n extra acks were recognised as duplicates.
      expect(h.metric('Duplicate')).toBe(n + 3 * n + 7 * n);
      expect(h.metric('Rejected')).toBe(0);
    });
  });

  it('keeps requests waiting in the queue while the generator is stopped and completes them once it is back', async () => {
    await withPipeline(FAST, async (h) => {
      const generator = h.cloud.outputs.GeneratorFunctionName ?? '';
      await h.cloud.pauseConsumer(generator);
      const ids = await h.requestStrings(20);

      expect(await h.depth('RequestQueueUrl')).toEqual({ visible: 20, inFlight: 0 });
      const waiting = await h.reconcile(ids);
      expect(waiting.generated).toBe(0);
      expect(waiting.incomplete.every((r) => r.stage === 'requested, not generated')).toBe(true);

      h.cloud.resumeConsumer(generator);
      await h.cloud.waitForIdle();
      const summary = await h.reconcile(ids);
      expect(summary.complete).toBe(20);
      expect(isClean(summary)).toBe(true);
    });
  });

  // Crashes mid-batch and DynamoDB restarts: see chaos.test.ts, which injects both (with
  // duplicates, pauses and throttling) into 2,000 round trips and reconciles exactly.

  it('dead-letters poison messages with the reason while the rest complete', async () => {
    await withPipeline(FAST, async (h) => {
      const valid = {
        v: 1,
        type: 'request',
        requestId: '01JZ0000000000000000000000',
        requestedAt: new Date().toISOString(),
      };
      await h.send('RequestQueueUrl', [
        { body: '{not json' },
        { body: JSON.stringify({ ...valid, v: 2 }) },
        { body: JSON.stringify({ ...valid, padding: 'x'.repeat(5000) }) },
      ]);
      await h.send('AckQueueUrl', [
        {
          body: JSON.stringify({
            v: 1,
            type: 'ack',
            requestId: '01JZ0000000000000000000001',
            storedAt: new Date().toISOString(),
          }),
        },
      ]);
      await h.send('ResponseQueueUrl', [{ body: JSON.stringify({ v: 1, type: 'response' }) }]);
      const ids = await h.requestStrings(20);
      await h.cloud.waitForIdle();

      const summary = await h.reconcile(ids);
      expect(summary.complete).toBe(20);
      expect(summary.deadLetters).toEqual({ Request: 3, Response: 1, Ack: 1 });

      const codes = async (key: string, n: number) =>
        (await h.drain(key, n)).map((m) => m.MessageAttributes?.FailureCode?.StringValue).sort();
      expect(await codes('RequestDlqUrl', 3)).toEqual([
        'InvalidJson',
        'Oversize',
        'UnsupportedVersion',
      ]);
      expect(await codes('AckDlqUrl', 1)).toEqual(['UnknownRequest']);
      expect(await codes('ResponseDlqUrl', 1)).toEqual(['InvalidMessage']);

      const rejections = h.logs.filter((l) => l.includes('message rejected'));
      expect(rejections).toHaveLength(5);
      for (const line of rejections) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        expect(entry.messageId).toEqual(expect.any(String));
        expect(entry.failureCode).toEqual(expect.any(String));
      }
      expect(h.metric('Rejected')).toBe(5);
    });
  });
});
