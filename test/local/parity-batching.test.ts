import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BATCHING,
  COLD_START,
  concurrency,
  firstReceivedAt,
  holding,
  type Probe,
  peakConcurrency,
  SLACK_MS,
  startProbe,
  useProbes,
} from './parity-probe';

// Each SQS event source mapping behaviour AWS documents, checked over the wire against the local
// cloud running a probe function that records its invocations: here, batching windows, maximum
// concurrency and cold starts.

const assembly = useProbes({
  batching: BATCHING,
  'concurrency-3': concurrency(3),
  'cold-start': COLD_START,
});

// The three groups run at once, each on its own cloud: they wait on windows, sleeps and a slow
// init, not on the CPU (13 s one after another).
describe.concurrent('event source mapping parity: batching', () => {
  const windowMs = BATCHING.maxBatchingWindowSeconds * 1000;
  let probe: Probe;
  beforeAll(async () => {
    probe = await startProbe(assembly(), 'batching', { warm: true });
  });
  afterAll(() => probe?.stop());

  // One after the other: both send to the same queue, and a batch must hold one test's messages.
  it.sequential('gathers messages sent within the batching window into one invocation', async () => {
    const [first = ''] = await probe.send([{ n: 1 }]);
    // The window opens once the mapping holds the first message; these two arrive inside it.
    await probe.untilInFlight(1);
    const later = await probe.send([{ n: 2 }, { n: 3 }]);
    await probe.cloud.waitForIdle();

    const batches = holding(await probe.invocations(), first);
    expect(batches).toHaveLength(1);
    expect(batches[0]?.messageIds.sort()).toEqual([first, ...later].sort());
    // A batch short of the batch size waits for the window to close.
    expect(batches[0]?.startedAt).toBeGreaterThanOrEqual(
      firstReceivedAt(batches[0], first) + windowMs - SLACK_MS,
    );
  });

  it.sequential('invokes with at most the batch size, without waiting for the window once a batch is full', async () => {
    const sent = [
      ...(await probe.send(Array.from({ length: 10 }, (_, n) => ({ n })))),
      ...(await probe.send([{ n: 10 }, { n: 11 }])),
    ];
    await probe.cloud.waitForIdle();

    const batches = (await probe.invocations()).filter((i) =>
      i.messageIds.some((id) => sent.includes(id)),
    );
    expect(batches.flatMap((b) => b.messageIds).sort()).toEqual([...sent].sort());
    expect(Math.max(...batches.map((b) => b.batchSize))).toBe(BATCHING.batchSize);
    for (const full of batches.filter((b) => b.batchSize === BATCHING.batchSize)) {
      const received = Math.max(...full.messageIds.map((id) => firstReceivedAt(full, id)));
      expect(full.startedAt - received).toBeLessThan(windowMs);
    }
  });
});

// At three, below the five pollers a mapping starts with; parity-scaling.test.ts (in `npm run
// test:slow`) checks seven, reached by scaling up.
describe.concurrent('event source mapping parity: maximum concurrency 3', () => {
  let probe: Probe;
  beforeAll(async () => {
    probe = await startProbe(assembly(), 'concurrency-3');
  });
  afterAll(() => probe?.stop());

  it('runs as many batches at once as the maximum concurrency allows, and never more', async () => {
    // An execution environment runs one invocation at a time, and a new one starts only when all
    // are busy: as many environments as batches ever ran at once.
    expect(await peakConcurrency(probe, 3)).toEqual({ peak: 3, coldStarts: 3 });
  });
});

describe.concurrent('event source mapping parity: cold starts', () => {
  let probe: Probe;
  beforeAll(async () => {
    probe = await startProbe(assembly(), 'cold-start');
  });
  afterAll(() => probe?.stop());

  it('does not count a cold start against the function timeout', async () => {
    const [id = ''] = await probe.send([{ n: 1 }]);
    await probe.cloud.waitForIdle();

    const batches = holding(await probe.invocations(), id);
    expect(batches).toHaveLength(1);
    expect(batches[0]?.endedAt).toBeDefined();
    expect(await probe.drainDlq()).toEqual([]);
  });
});
