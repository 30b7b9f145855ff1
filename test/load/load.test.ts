import { describe, expect, it } from 'vitest';
import { LOCAL_REQUESTS_PER_INVOKE } from '../../local/cloud';
import { isClean } from '../../ops/reconcile';
import { startHarness } from '../local/harness';

/**
 * Round trips to run: 1,000 in `npm test`, 10,000 with `npm run test:load`, or any count from
 * `LOAD_ROUND_TRIPS`, asked for in calls of LOCAL_REQUESTS_PER_INVOKE (each request is recorded
 * with its own conditional PutItem, which dynalite serves a few hundred a second).
 */
const ROUND_TRIPS = roundTrips(process.env.LOAD_ROUND_TRIPS ?? '1000');
const PER_CALL = LOCAL_REQUESTS_PER_INVOKE;
/** Generous: 20 ms a round trip is several times slower than a loaded 2-core machine runs. */
const IDLE_TIMEOUT_MS = Math.max(60_000, ROUND_TRIPS * 20);

function roundTrips(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`LOAD_ROUND_TRIPS must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

describe('load', () => {
  it(
    `reconciles ${ROUND_TRIPS.toLocaleString('en')} round trips exactly`,
    async () => {
      const h = await startHarness();
      try {
        const started = performance.now();
        const ids: string[] = [];
        for (let sent = 0; sent < ROUND_TRIPS; sent += PER_CALL) {
          ids.push(...(await h.requestStrings(Math.min(PER_CALL, ROUND_TRIPS - sent))));
        }
        await h.cloud.waitForIdle({ timeoutMs: IDLE_TIMEOUT_MS });
        const seconds = (performance.now() - started) / 1000;

        const summary = await h.reconcile(ids);
        expect(summary.complete).toBe(ROUND_TRIPS);
        expect(summary.incomplete).toEqual([]);
        expect(isClean(summary)).toBe(true);
        // Not an assertion on speed (benchmarks do that); a figure for the log.
        console.log(
          `load: ${ROUND_TRIPS} round trips in ${seconds.toFixed(1)} s (${(ROUND_TRIPS / seconds).toFixed(0)}/s)`,
        );
      } finally {
        await h.stop();
      }
    },
    IDLE_TIMEOUT_MS + 60_000,
  );
});
