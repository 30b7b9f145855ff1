import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { FailureAttribute, FailureCode, MessageType, Output } from '../../contract/contract';
import { isClean } from '../../ops/reconcile';
import { type Harness, startHarness } from './harness';

/** Runs `body` against a fresh local cloud and always stops it. */
async function withPipeline(body: (h: Harness) => Promise<void>): Promise<void> {
  const h = await startHarness({ timeScale: 600 });
  try {
    await body(h);
  } finally {
    await h.stop();
  }
}

const FOREIGN_VALUE = 'F'.repeat(64);

describe('recovery and proof', () => {
  it('dead-letters the ack of a foreign value as Conflict, leaves the string unacknowledged, and reconciliation reports the mismatch', async () => {
    await withPipeline(async (h) => {
      const generator = h.cloud.outputs[Output.GeneratorFunctionName] ?? '';
      const requestor = h.cloud.outputs[Output.RequestorFunctionName] ?? '';
      await h.cloud.pauseConsumer(generator);
      const [id] = (await h.requestStrings(1)) as [string];
      // A response of the right shape with a value the generator never made, consumed first.
      await h.send(Output.ResponseQueueUrl, [
        {
          body: JSON.stringify({
            v: 1,
            type: MessageType.Response,
            requestId: id,
            value: FOREIGN_VALUE,
            generatedAt: new Date().toISOString(),
          }),
        },
      ]);
      await h.until('the foreign value is stored', () => h.metric('Stored') === 1);
      await h.cloud.pauseConsumer(requestor);
      // Hold the ack naming the foreign value until the generator has recorded its own string.
      const [ack] = await h.drain(Output.AckQueueUrl, 1);
      h.cloud.resumeConsumer(generator);
      await h.until('the generator answered', async () => {
        return (await h.depth(Output.ResponseQueueUrl)).visible === 1;
      });
      await h.send(Output.AckQueueUrl, [{ body: ack?.Body ?? '' }]);
      h.cloud.resumeConsumer(requestor);
      await h.cloud.waitForIdle();

      const summary = await h.reconcile([id]);
      expect(summary.mismatched).toEqual([id]);
      expect(summary.acknowledged).toBe(0);
      expect(isClean(summary)).toBe(false);
      const { Messages = [] } = await h.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: h.cloud.outputs[Output.AckDlqUrl],
          MaxNumberOfMessages: 10,
          MessageAttributeNames: ['All'],
        }),
      );
      expect(Messages).toHaveLength(1);
      const attributes = Messages[0]?.MessageAttributes ?? {};
      expect(attributes[FailureAttribute.Code]?.StringValue).toBe(FailureCode.Conflict);
      expect(attributes[FailureAttribute.Reason]?.StringValue).not.toContain(FOREIGN_VALUE);
      // The generator's own response contradicts the stored value: the requestor's Conflict.
      expect(summary.deadLetters.Response).toBe(1);
    });
  });

  it('retries an async invocation whose environment died, with the same request id, and the run reconciles', async () => {
    await withPipeline(async (h) => {
      const requestor = h.cloud.outputs[Output.RequestorFunctionName] ?? '';
      const { requestId } = await h.cloud.invokeAsync(requestor, { count: 30 });
      // The environment starting for the first attempt dies: Lambda retries the event.
      await h.cloud.crashFunction(requestor);
      await h.cloud.waitForIdle({ timeoutMs: 30_000 });

      const failures = h.logs.filter((l) => l.includes('Asynchronous invocation failed'));
      expect(failures).toHaveLength(1);
      expect(failures[0]).toContain(requestId);
      const summary = await h.reconcile();
      expect(summary.requested).toBe(30);
      expect(summary.complete).toBe(30);
      expect(isClean(summary)).toBe(true);
    });
  });
});
