import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isClean } from '../../ops/reconcile';
import { openPipeline, type Pipeline } from './pipeline';

// Runs against a fresh local cloud; `npm run test:e2e` with PIPELINE_ENDPOINT (LocalStack) or
// PIPELINE_STACK/PIPELINE_REGION (AWS) runs the same test against a deployed stack.
describe('the pipeline end to end', () => {
  let pipeline: Pipeline;
  beforeAll(async () => {
    pipeline = await openPipeline();
  });
  afterAll(() => pipeline.stop());

  it('turns N requests into N generated, stored and acknowledged records and leaves every queue and DLQ empty', async () => {
    const ids = await pipeline.requestStrings(50);
    expect(new Set(ids).size).toBe(50);

    const summary = await pipeline.settle(ids);
    expect(summary.incomplete).toEqual([]);
    expect(summary.mismatched).toEqual([]);
    expect(summary.complete).toBe(50);
    expect(summary.deadLetters).toEqual({ Request: 0, Response: 0, Ack: 0 });
    if (pipeline.fresh) {
      // Nothing but this test's records: no stray writes, no duplicates under other ids.
      expect(summary).toMatchObject({ requested: 50, generated: 50, stored: 50, acknowledged: 50 });
      expect(isClean(summary)).toBe(true);
    } else {
      expect(isClean({ ...summary, unexpected: [] })).toBe(true);
    }
  });
});
