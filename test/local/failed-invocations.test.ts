import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRedriveQueues } from '../../commands/redrive';
import { Output } from '../../contract/contract';
import { readFailedInvocation, redriveFailedInvocations } from '../../ops/failed-invocations';
import { formatReport, inspect } from '../../ops/inspect';
import { peekMessages } from '../../ops/peek';
import { isClean } from '../../ops/reconcile';
import { resolveTarget, type Target } from '../../ops/target';
import { patchedAssembly } from './assembly';
import { type Harness, startHarness } from './harness';

// The two queues of failed requestor invocations, end to end on the local cloud: make an
// invocation fail for good, see it in inspect and reconciliation with its reason, fix the cause,
// redrive, and see the requests complete once each and the queue empty.

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function withCloud(
  options: Parameters<typeof startHarness>[0],
  body: (h: Harness, target: Target) => Promise<void>,
): Promise<void> {
  const h = await startHarness(options);
  try {
    const target = await resolveTarget({ endpoint: h.cloud.endpoint, stack: h.cloud.stackName });
    await body(h, target);
  } finally {
    await h.stop();
  }
}

const url = (h: Harness, key: string) => h.cloud.outputs[key] ?? '';
const requestorOf = (h: Harness) => {
  const name = h.cloud.outputs[Output.RequestorFunctionName];
  const fn = Object.values(h.cloud.functions).find((f) => f.name === name);
  if (!fn) throw new Error('no requestor');
  return fn;
};

/**
 * A requestor bundle that does all the real work and then fails every invocation that is not an
 * SQS batch, as a deploy that breaks after the requests went out would: the retries re-run it
 * with the same request id, and the event ends in the on-failure destination.
 */
function brokenRequestor(realEntry: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'broken-requestor-'));
  dirs.push(dir);
  const file = join(dir, 'index.mjs');
  writeFileSync(
    file,
    `import { handler as real } from ${JSON.stringify(pathToFileURL(realEntry).href)};
export const handler = async (event, context) => {
  const result = await real(event, context);
  if (!Array.isArray(event?.Records)) throw new Error('Broken deploy: the answer was lost');
  return result;
};
`,
  );
  return file;
}

describe('failed requestor invocations', () => {
  it("shows an async invocation that failed every retry with Lambda's reason, and replays it once fixed without requesting anything twice", async () => {
    // Lambda's retry waits (1 and 2 minutes) / 600.
    await withCloud({ timeScale: 600 }, async (h, target) => {
      const requestor = requestorOf(h);
      const fixed = requestor.entry;
      await h.cloud.updateFunctionCode(requestor.name, brokenRequestor(fixed));

      // No idempotency key: the requestor keys its ids on the Lambda request id, which Lambda
      // keeps across its own retries.
      const { requestId } = await h.cloud.invokeAsync(requestor.name, { count: 5 });
      await h.until(
        'the event reaches the on-failure destination',
        async () => (await h.depth(Output.RequestorFailureDlqUrl)).visible === 1,
      );
      await h.cloud.waitForIdle();

      const report = await inspect(target);
      const queue = report.failedInvocations.find((q) => q.queue === 'requestor-failures');
      expect(queue).toMatchObject({ visible: 1, inFlight: 0 });
      expect(queue?.peeked[0]).toMatchObject({
        source: 'destination',
        condition: 'RetriesExhausted',
        attempts: 3,
        errorCode: 'Error',
        errorMessage: 'Broken deploy: the answer was lost',
        requestId,
        payload: { count: 5 },
        reason: 'RetriesExhausted after 3 attempts: Error: Broken deploy: the answer was lost',
      });
      expect(formatReport(report)).toMatch(
        /requestor-failures:\n {2}\S+ {2}RetriesExhausted after 3 attempts: Error: Broken deploy: the answer was lost\n {4}destination request \S+, payload \{"count":5\}/,
      );
      const failing = await h.reconcile();
      expect(failing.failedInvocations[Output.RequestorFailureDlqUrl]).toBe(1);
      expect(failing.failedInvocationReasons[Output.RequestorFailureDlqUrl]).toEqual([
        'RetriesExhausted after 3 attempts: Error: Broken deploy: the answer was lost',
      ]);
      expect(isClean(failing)).toBe(false);
      // Three attempts under one key recorded five requests, not fifteen.
      expect(failing.requested).toBe(5);

      const [dry] = await redriveFailedInvocations(target, {
        queues: ['requestor-failures'],
        dryRun: true,
      });
      expect(dry).toMatchObject({ method: 'dry-run', waiting: 1, toMove: 1, moved: 0 });
      expect((await h.depth(Output.RequestorFailureDlqUrl)).visible).toBe(1);

      await h.cloud.updateFunctionCode(requestor.name, fixed);
      const [result] = await redriveFailedInvocations(target, { queues: ['requestor-failures'] });
      expect(result).toMatchObject({ method: 'invoke', waiting: 1, moved: 1, failed: [] });
      await h.cloud.waitForIdle();

      const after = await h.reconcile();
      expect(after).toMatchObject({ requested: 5, complete: 5, incomplete: [] });
      expect(after.failedInvocations[Output.RequestorFailureDlqUrl]).toBe(0);
      expect(isClean(after)).toBe(true);
      // The replay ran under the failed invocation's key, so it found its five requests.
      await h.nextLog((line) => line.includes('re-sending only the requests not yet answered'));
    });
  });

  it("shows ticks the schedule could not deliver with Scheduler's reason, and replays each tick's requests once, however often it is redriven", async () => {
    // The schedule's role may not invoke the requestor: every tick ends in the schedule's DLQ.
    const assemblyDir = patchedAssembly((template) => {
      const [, policy] =
        Object.entries(template.Resources).find(([id]) =>
          id.startsWith('ScheduleRoleDefaultPolicy'),
        ) ?? [];
      const document = policy?.Properties.PolicyDocument as { Statement: { Action: unknown }[] };
      document.Statement = document.Statement.filter((s) => s.Action !== 'lambda:InvokeFunction');
    });
    // One minute / 600: a tick every 100 ms.
    await withCloud({ assemblyDir, timeScale: 600, schedules: true }, async (h, target) => {
      await h.until(
        'a tick reaches the schedule DLQ',
        async () => (await h.depth(Output.ScheduleDlqUrl)).visible > 0,
      );
      await h.cloud.stopSchedules();
      const ticks = (await h.depth(Output.ScheduleDlqUrl)).visible;

      const report = await inspect(target, { peek: 100 });
      const queue = report.failedInvocations.find((q) => q.queue === 'schedule-dlq');
      expect(queue?.peeked).toHaveLength(ticks);
      const first = queue?.peeked[0];
      expect(first).toMatchObject({
        source: 'scheduler',
        errorCode: 'AccessDeniedException',
        condition: 'MaximumRetryAttempts',
        attempts: 3,
        payload: { count: 10, idempotencyKey: first?.scheduledTime },
      });
      expect(first?.errorMessage).toMatch(/is not authorized to perform: lambda:InvokeFunction/);
      expect(first?.reason).toMatch(
        /^MaximumRetryAttempts after 3 attempts: AccessDeniedException: User: .*ScheduleRole/,
      );
      expect((await h.reconcile()).failedInvocations[Output.ScheduleDlqUrl]).toBe(ticks);

      // The operator replays with their own credentials; the schedule's role is fixed by a deploy.
      const [dlqMessage] = await peekMessages(h.sqs, url(h, Output.ScheduleDlqUrl), 1);
      const [result] = await redriveFailedInvocations(target, { queues: ['schedule-dlq'] });
      expect(result).toMatchObject({ method: 'invoke', waiting: ticks, moved: ticks, failed: [] });
      await h.cloud.waitForIdle();
      const replayed = await h.reconcile();
      expect(replayed).toMatchObject({ requested: 10 * ticks, complete: 10 * ticks });
      expect(isClean(replayed)).toBe(true);

      // The same tick dead-lettered and redriven again re-requests nothing.
      await h.sqs.send(
        new SendMessageCommand({
          QueueUrl: url(h, Output.ScheduleDlqUrl),
          MessageBody: dlqMessage?.Body,
          MessageAttributes: dlqMessage?.MessageAttributes,
        }),
      );
      expect(readFailedInvocation(dlqMessage ?? {}).source).toBe('scheduler');
      const [again] = await redriveFailedInvocations(target, {
        queues: parseRedriveQueues('schedule-dlq', false).invocations,
      });
      expect(again).toMatchObject({ moved: 1, failed: [] });
      await h.cloud.waitForIdle();
      const twice = await h.reconcile();
      expect(twice).toMatchObject({ requested: 10 * ticks, complete: 10 * ticks });
      expect(isClean(twice)).toBe(true);
    });
  });
});
