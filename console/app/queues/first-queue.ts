/** Which queue the Queues page opens on. */
import type { QueueInfo } from '../../api';

/**
 * The first dead-letter queue that holds messages, in the page's order; else the first source
 * queue that does; else the request queue's DLQ. Opening on an empty DLQ hid the one to look at.
 */
export function firstQueueToLookAt(queues: readonly QueueInfo[]): string {
  const holds = (q: QueueInfo) => q.visible + q.inFlight + q.delayed > 0;
  return (
    queues.find((q) => q.isDlq && holds(q))?.id ??
    queues.find((q) => !q.isDlq && holds(q))?.id ??
    'request-dlq'
  );
}
