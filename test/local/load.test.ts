import { describe, expect, it } from 'vitest';
import { isClean } from '../../ops/reconcile';
import { startHarness } from './harness';

describe('load', () => {
  it('reconciles 10,000 round trips exactly', async () => {
    const h = await startHarness();
    try {
      const started = performance.now();
      // Ten invocations of 1,000: each request is recorded with its own conditional PutItem, and
      // dynalite takes a few hundred a second, so 10,000 in one invocation outlasts the
      // requestor's 30 s timeout locally (on DynamoDB it takes a second or two).
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) ids.push(...(await h.requestStrings(1_000)));
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
