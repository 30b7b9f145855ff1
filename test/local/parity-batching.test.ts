import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BATCHING,
  COLD_START,
  concurrency,
  firstReceivedAt,
  holding,
  type Probe,
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
  'concurrency-7': concurrency(7),
  'cold-start': COLD_START,
});

describe('event source mapping parity: batching', () => {
  const windowMs = BATCHING.maxBatchingWindowSeconds * 1000;
  let probe: Probe;
  beforeAll(async () => {
    probe = await startProbe(assembly(), 'batching', { warm: true });
  });
  afterAll(() => probe?.stop());

  it('gathers messages sent within the batching window into one invocation', async () => {
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

  it('invokes with at most the batch size, without waiting for the window once a batch is full', async () => {
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

for (const { maxConcurrency, when } of [
  { maxConcurrency: 3, when: 'below the five pollers a mapping starts with' },
  { maxConcurrency: 7, when: 'above them, reached by scaling up' },
]) {
  describe(`event source mapping parity: maximum concurrency ${maxConcurrency} (${when})`, () => {
    let probe: Probe;
    beforeAll(async () => {
      probe = await startProbe(assembly(), `concurrency-${maxConcurrency}`);
    });
    afterAll(() => probe?.stop());

    it('runs as many batches at once as the maximum concurrency allows, and never more', async () => {
      const count = maxConcurrency * 5;
      for (let n = 0; n < count; n += 10) {
        await probe.send(
          Array.from({ length: Math.min(10, count - n) }, () => ({ sleepMs: 1_000 })),
        );
      }
      const invocations = await probe.until(
        `all ${count} messages were handled`,
        (all) => all.filter((i) => i.endedAt !== undefined).length === count,
      );

      // The handler's own start and end lie inside each invocation, so the overlap they show is
      // never more than the real one.
      const edges = invocations.flatMap((i) => [
        { at: i.startedAt, delta: 1 },
        { at: i.endedAt ?? i.startedAt, delta: -1 },
      ]);
      edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
      let running = 0;
      let peak = 0;
      for (const edge of edges) {
        running += edge.delta;
        peak = Math.max(peak, running);
      }
      expect(peak).toBe(maxConcurrency);
      // An execution environment runs one invocation at a time, and a new one starts only when all
      // are busy: as many environments as batches ever ran at once.
      const name = probe.cloud.outputs.FunctionName ?? '';
      expect(probe.cloud.metrics().lambda[name]?.coldStarts).toBe(maxConcurrency);
    });
  });
}

describe('event source mapping parity: cold starts', () => {
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
