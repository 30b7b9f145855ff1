/**
 * The soak's last step before it reconciles: what chaos dead-lettered is redriven once, as an
 * operator would once the cause is gone. Crashes count as receives, so under enough of them a
 * message reaches its DLQ exactly as on SQS; redriven, it must complete its round trip. A dead
 * letter whose round trip a copy of it already completed is delivered again and absorbed by the
 * handlers: counted as a duplicate, not a failure.
 */
import type { Message } from '@aws-sdk/client-sqs';
import { QUEUES, type QueueKey } from '../../contract/contract';
import { FAILED_INVOCATION_QUEUES, redriveFailedInvocations } from '../../ops/failed-invocations';
import { redrive } from '../../ops/redrive';
import { runningCloudTarget } from '../../ops/target';
import type { LocalCloud } from '../cloud';

/** What the one redrive moved, and how much of it the pipeline absorbed as duplicates. */
export interface SoakRedrive {
  /** Dead letters sent back to their source queue, per queue. */
  readonly moved: Record<QueueKey, number>;
  /** Failed requestor invocations replayed (the schedule's DLQ and the on-failure destination). */
  readonly replayed: number;
  /** Redriven messages whose round trip was already complete: delivered twice, absorbed. */
  readonly duplicates: number;
  /** Messages it could not move or replay, one line each. */
  readonly failures: string[];
}

/**
 * Redrives every DLQ and replays every failed-invocation queue of `cloud` once, then waits until
 * the pipeline is idle again.
 *
 * @param complete whether a request's round trip was complete before the redrive
 */
export async function redriveOnce(
  cloud: LocalCloud,
  complete: (requestId: string) => boolean,
  idleTimeoutMs: number,
): Promise<SoakRedrive> {
  const target = runningCloudTarget(cloud);
  let duplicates = 0;
  const onMoved = (_: QueueKey, messages: readonly Message[]) => {
    for (const message of messages) {
      const requestId = requestIdOf(message.Body);
      if (requestId !== undefined && complete(requestId)) duplicates += 1;
    }
  };
  const moved = await redrive(target, { queues: QUEUES, onMoved });
  const replays = await redriveFailedInvocations(target, {
    queues: FAILED_INVOCATION_QUEUES.map((q) => q.label),
  });
  await cloud.waitForIdle({ timeoutMs: idleTimeoutMs });
  const failures = [...moved, ...replays].flatMap((r) =>
    r.failed.map((f) => `${r.queue}: ${f.messageId} ${f.stage}: ${f.reason}`),
  );
  return {
    moved: Object.fromEntries(moved.map((r) => [r.queue, r.moved])) as Record<QueueKey, number>,
    replayed: replays.reduce((n, r) => n + r.moved, 0),
    duplicates,
    failures,
  };
}

/** The request a pipeline message is about, if its body says. */
function requestIdOf(body: string | undefined): string | undefined {
  try {
    const id = (JSON.parse(body ?? '') as { requestId?: unknown }).requestId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
