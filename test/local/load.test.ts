import { describe, expect, it } from 'vitest';
import { isClean } from '../../ops/reconcile';
import { startHarness } from './harness';

describe('load', () => {
  it('reconciles 10,000 round trips exactly', async () => {
    const h = await startHarness();
    try {
      const started = performance.now();
      const ids = await h.requestStrings(10_000);
      await h.cloud.waitForIdle({ timeoutMs: 170_000 });
      const seconds = (performance.now() - started) / 1000;

      const summary = await h.reconcile(ids);
      expect(summary.complete).toBe(10_000);
      expect(summary.incomplete).toEqual([]);
      expect(isClean(summary)).toBe(true);
      // Not an assertion on speed (benchmarks do that); a figure for the log.
      console.log(
        `load: 10,000 round trips in ${seconds.toFixed(1)} s (${(10_000 / seconds).toFixed(0)}/s)`,
      );
    } finally {
      await h.stop();
    }
  }, 180_000);
});
