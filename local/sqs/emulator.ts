/**
 * SQS for the local cloud, the tests and the benchmarks: fauxqs in-process on 127.0.0.1, metered
 * per call, with the direct reads and wake-ups of ./fauxqs.ts beside its API.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_REGION } from '../../aws/defaults';
import type { ApiMeter } from '../engine/meter';
import { buildFauxqs, type FauxqsBuckets, type PeekedMessage, type QueueDepth } from './fauxqs';

export type { PeekedMessage, QueueDepth } from './fauxqs';

/** A running fauxqs on 127.0.0.1. */
export interface SqsEmulator {
  readonly endpoint: string;
  /** The queue's counts as fauxqs holds them (no API call, so watching costs nothing); undefined for an unknown queue. */
  depth(url: string): QueueDepth | undefined;
  /** Ends pending long polls on the queue at `url`, or on every queue (they return what is there, usually nothing). */
  wake(url?: string): void;
  /** Age of the oldest message of the queue at `url` (see `FauxqsQueues`); undefined if unknown. */
  oldestMessageAgeMs(url: string): number | undefined;
  /** fauxqs's S3 buckets, which the same app serves. */
  readonly buckets: FauxqsBuckets;
  /** Up to `limit` messages of the queue at `url`, without a receive (see `FauxqsQueues`). */
  peek(url: string, limit: number): PeekedMessage[] | undefined;
  /** Serves one request in-process, as if it had arrived on the emulator's port. */
  dispatch(req: IncomingMessage, res: ServerResponse): void;
  stop(): Promise<void>;
}

/** Options of {@link startSqs}. */
export interface SqsEmulatorOptions {
  /** Region of the queue ARNs. @default us-east-1 */
  readonly region?: string;
  /** Counts every call by action. @default not counted */
  readonly meter?: ApiMeter;
}

/**
 * Starts fauxqs in-process on 127.0.0.1 and a free port, with queue URLs on that address. The
 * tests, the benchmarks and the local cloud all start it here.
 */
export async function startSqs(options: SqsEmulatorOptions = {}): Promise<SqsEmulator> {
  const { meter } = options;
  const { app, queues, buckets } = buildFauxqs(options.region ?? DEFAULT_REGION);
  app.addHook('onRequest', async (request: { headers: Record<string, unknown>; url: string }) => {
    const target = request.headers['x-amz-target'];
    const action =
      typeof target === 'string'
        ? target.slice(target.indexOf('.') + 1)
        : new URLSearchParams(request.url.split('?')[1] ?? '').get('Action');
    if (action) meter?.count('SQS', action);
    // SQS counts expired in-flight messages as visible at once; fauxqs only on its next receive.
    if (action === 'GetQueueAttributes') queues.catchUpTimers();
  });
  // Not fauxqs's startFauxqs or CLI, which listen on every interface.
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    endpoint: address.replace('localhost', '127.0.0.1'),
    buckets,
    depth: (url) => queues.depth(url),
    wake: (url) => queues.wake(url),
    oldestMessageAgeMs: (url) => queues.oldestMessageAgeMs(url),
    peek: (url, limit) => queues.peek(url, limit),
    dispatch: (req, res) => app.server.emit('request', req, res),
    stop: async () => {
      queues.wake();
      await app.close();
    },
  };
}
