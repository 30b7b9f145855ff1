import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concurrency, type Probe, peakConcurrency, startProbe, useProbes } from './parity-probe';

// The event source mapping's maximum concurrency above the five pollers a mapping starts with:
// reached only by scaling up. In `npm run test:slow`; parity-batching.test.ts checks three.

const assembly = useProbes({ 'concurrency-7': concurrency(7) });

describe('event source mapping parity: maximum concurrency 7 (above the five pollers, reached by scaling up)', () => {
  let probe: Probe;
  beforeAll(async () => {
    probe = await startProbe(assembly(), 'concurrency-7');
  });
  afterAll(() => probe?.stop());

  it('runs as many batches at once as the maximum concurrency allows, and never more', async () => {
    // As many environments as batches ever ran at once: a new one starts only when all are busy.
    expect(await peakConcurrency(probe, 7)).toEqual({ peak: 7, coldStarts: 7 });
  });
});
