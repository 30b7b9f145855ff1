import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deadLettered,
  holding,
  type Probe,
  RETRIES,
  receiveCounts,
  startProbe,
  useProbes,
} from './parity-probe';

// Each SQS event source mapping behaviour AWS documents, checked over the wire against the local
// cloud running a probe function that records its invocations: here, batches that fail whole.

const assembly = useProbes({ 'whole-batch-failures': RETRIES });

describe('event source mapping parity: whole-batch failures', () => {
  let probe: Probe;
  beforeAll(async () => {
    probe = await startProbe(assembly(), 'whole-batch-failures', { warm: true, timeScale: 2 });
  });
  afterAll(() => probe?.stop());

  it('fails the whole batch when the function throws', async () => {
    const [ok = '', throwing = ''] = await probe.send([{ n: 3 }, { throw: true }]);
    await probe.cloud.waitForIdle();

    const all = await probe.invocations();
    // The good message shared the failing batch, so it comes back too.
    expect(holding(all, ok)[0]?.messageIds).toContain(throwing);
    expect(receiveCounts(all, ok)).toEqual([1, 2]);
    expect(receiveCounts(all, throwing)).toEqual([1, 2]);
    expect(await probe.drainDlq()).toEqual(deadLettered(all, ok, throwing));
  });

  it('fails the whole batch when a batch item failure has an empty itemIdentifier', async () => {
    const [ok = '', invalid = ''] = await probe.send([{ n: 4 }, { invalid: 'empty' }]);
    await probe.cloud.waitForIdle();

    const all = await probe.invocations();
    expect(holding(all, ok)[0]?.messageIds).toContain(invalid);
    expect(receiveCounts(all, ok)).toEqual([1, 2]);
    expect(receiveCounts(all, invalid)).toEqual([1, 2]);
    expect(await probe.drainDlq()).toEqual(deadLettered(all, ok, invalid));
  });

  it('fails the whole batch when a batch item failure names a message not in the batch', async () => {
    const [ok = '', invalid = ''] = await probe.send([{ n: 5 }, { invalid: 'unknown' }]);
    await probe.cloud.waitForIdle();

    const all = await probe.invocations();
    expect(holding(all, ok)[0]?.messageIds).toContain(invalid);
    expect(receiveCounts(all, ok)).toEqual([1, 2]);
    expect(receiveCounts(all, invalid)).toEqual([1, 2]);
    expect(await probe.drainDlq()).toEqual(deadLettered(all, ok, invalid));
  });

  it('fails the whole batch when the function times out', async () => {
    const [ok = '', slow = ''] = await probe.send([
      { n: 6 },
      { sleepMs: RETRIES.timeoutSeconds * 1000 + 1000 },
    ]);
    await probe.cloud.waitForIdle();

    const all = await probe.invocations();
    expect(holding(all, ok)[0]?.messageIds).toContain(slow);
    expect(receiveCounts(all, ok)).toEqual([1, 2]);
    expect(receiveCounts(all, slow)).toEqual([1, 2]);
    // Each was stopped at the timeout: it never got to record its end.
    for (const invocation of holding(all, slow)) expect(invocation.endedAt).toBeUndefined();
    expect(await probe.drainDlq()).toEqual(deadLettered(all, ok, slow));
  });
});
