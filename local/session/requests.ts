/** How `npm start` asks the requestor for its strings: in chunks, paced by the request queue. */
import { RequestIdSet } from '../../ops/request-ids';

/**
 * Request messages `npm start` lets wait in the request queue before it asks for more. The
 * requestor records and sends requests faster than the generator answers them, so asking for all
 * of them at once left a backlog that grew with the count, every message held in the emulator's
 * memory. The generator is the bottleneck either way, and this many keep it fed for several
 * seconds between two asks.
 */
export const MAX_REQUEST_BACKLOG = 3_000;

/** How often a paused ask reads the backlog again. */
const BACKLOG_POLL_MS = 100;

/** What {@link requestStrings} does to the cloud. */
export interface RequestDriver {
  /** Asks the requestor for `count` strings; resolves with their request ids. */
  invoke(count: number): Promise<readonly string[]>;
  /** Messages waiting in the request queue (visible ones: not yet received). */
  backlog(): Promise<number>;
}

/**
 * Asks for `total` strings, `perInvoke` per requestor invocation, one invocation after another,
 * each once the request queue's backlog is under `maxBacklog`. Returns every request id, packed
 * so that holding them costs a long run little memory.
 */
export async function requestStrings(
  driver: RequestDriver,
  total: number,
  perInvoke: number,
  { maxBacklog = MAX_REQUEST_BACKLOG, pollMs = BACKLOG_POLL_MS } = {},
): Promise<RequestIdSet> {
  const ids = new RequestIdSet();
  for (let sent = 0; sent < total; sent += perInvoke) {
    while ((await driver.backlog()) >= maxBacklog) {
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    for (const id of await driver.invoke(Math.min(perInvoke, total - sent))) ids.add(id);
  }
  return ids;
}
