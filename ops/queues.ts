/** Finds a queue of the stack by what a person would type: `request`, `ack-dlq`, a name or a URL. */
import { QUEUES, type QueueKey, queueOutputs } from '../contract/contract';
import { type Target, TargetError } from './target';

/** A queue of the stack: which pipeline queue it is, whether it is that queue's DLQ, its URL. */
export interface StackQueue {
  readonly key: QueueKey;
  readonly dlq: boolean;
  readonly url: string;
  /** `request`, `ack-dlq`: how the commands name it. */
  readonly label: string;
}

/** Every queue the stack outputs name: request, request-dlq, response, ... */
export function stackQueues(target: Target): StackQueue[] {
  return QUEUES.flatMap((key) =>
    ([false, true] as const).flatMap((dlq) => {
      const outputs = queueOutputs(key);
      const url = target.outputs[dlq ? outputs.dlq : outputs.queue];
      const label = `${key.toLowerCase()}${dlq ? '-dlq' : ''}`;
      return url ? [{ key, dlq, url, label }] : [];
    }),
  );
}

/**
 * The queue `name` names: `request`, `response`, `ack`, one of those with `-dlq` (case does not
 * matter), a queue's physical name or its URL.
 *
 * @throws TargetError listing the queue names, when none matches
 */
export function resolveQueue(target: Target, name: string): StackQueue {
  const queues = stackQueues(target);
  const wanted = name.toLowerCase();
  const found = queues.find(
    (q) => q.label === wanted || q.url === name || q.url.split('/').pop() === name,
  );
  if (!found) {
    throw new TargetError(
      `No queue ${name} in ${target.description}: use ${queues.map((q) => q.label).join(', ')}, a queue name or a URL`,
    );
  }
  return found;
}
