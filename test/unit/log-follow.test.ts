import { getEventListeners } from 'node:events';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { describe, expect, it } from 'vitest';
import { followLogs } from '../../ops/logs';

describe('following function logs', () => {
  it('keeps at most one listener on the stop signal however long it follows', async () => {
    const stop = new AbortController();
    let polls = 0;
    const client = {
      send: async () => {
        polls += 1;
        if (polls === 50) {
          // Every earlier wait has ended by now: only the current one may be listening.
          expect(getEventListeners(stop.signal, 'abort').length).toBeLessThanOrEqual(1);
          stop.abort();
        }
        return { events: [] };
      },
    } as unknown as CloudWatchLogsClient;
    const query = { functions: [{ label: 'generator', name: 'g', logGroup: '/g' }] };
    await followLogs(client, query, () => {}, stop.signal, 1);
    expect(polls).toBe(50);
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
  });
});
