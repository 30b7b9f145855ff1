/**
 * The console's figures (function metrics from REPORT lines and the counts by stage), which are
 * read incrementally and cached, so their refresh behaviour needs tests of its own.
 */
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConsoleApi } from '../../console/api';
import type { LiveStageCounts } from '../../console/context';
import { dynamodb, logs, QUEUE, sqs, target, useConsoleMocks } from './console-api-fixtures';

useConsoleMocks();

describe('console API', () => {
  it('counts invocations, errors and p50/p99 from REPORT lines, reading only what is new on each refresh', async () => {
    let now = 1_000_000_000_000;
    const report = (id: string, ms: number, at: number, status = '') => ({
      eventId: `r-${id}`,
      timestamp: at,
      message: `REPORT RequestId: ${id}\tDuration: ${ms.toFixed(2)} ms\tBilled Duration: ${Math.ceil(ms)} ms\tMemory Size: 256 MB\tMax Memory Used: 80 MB${status}`,
    });
    const reports = [
      report('a', 10, now - 3000),
      report('b', 20, now - 2000),
      report('c', 30, now - 1000, '\tStatus: timeout'),
    ];
    const invokeError = {
      eventId: 'e-b',
      timestamp: now - 2001,
      message: JSON.stringify({ level: 'ERROR', requestId: 'b', message: 'Invoke Error' }),
    };
    logs
      .on(FilterLogEventsCommand)
      .callsFake((input: { logGroupName: string; filterPattern: string }) => {
        if (!input.logGroupName.endsWith('requestor')) return { events: [] };
        return { events: input.filterPattern.includes('REPORT') ? reports : [invokeError] };
      });
    const api = new ConsoleApi(target('aws'), { now: () => now });
    const stats = async () => {
      const page = await api.functionStats();
      return page.find((f) => f.key === 'requestor');
    };
    expect(await stats()).toMatchObject({
      invocations: 3,
      errors: 2,
      p50Ms: 20,
      p99Ms: 30,
      windowMinutes: 5,
    });
    // Against AWS the logs cannot tell throttles: no figure rather than a made-up 0.
    expect((await stats())?.throttles).toBeUndefined();
    now += 2500;
    reports.push(report('d', 40, now - 100));
    expect((await stats())?.invocations).toBe(4);
    const calls = logs
      .commandCalls(FilterLogEventsCommand)
      .map((c) => c.args[0].input)
      .filter((i) => i.logGroupName?.endsWith('requestor') && i.filterPattern?.includes('REPORT'));
    // The second read starts just before the newest event seen, not at the window's start.
    expect(calls[1]?.startTime).toBe(now - 2500 - 1000 - 5000);
  });
});

describe('the counts by stage', () => {
  beforeEach(() => {
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
  });
  /** Every queue empty (idle), or the request queue holding `busy` messages. */
  const depths = (busy: number) =>
    sqs.on(GetQueueAttributesCommand).callsFake((input: { QueueUrl: string }) => ({
      Attributes: { ApproximateNumberOfMessages: input.QueueUrl === QUEUE ? String(busy) : '0' },
    }));
  /** Scans that find `requests` and `strings` items by status. */
  const tables = (requests: Record<string, number>, strings: Record<string, number>) =>
    dynamodb.on(ScanCommand).callsFake((input: { TableName: string }) => {
      const counts = input.TableName === 'Requests' ? requests : strings;
      return {
        Items: Object.entries(counts).flatMap(([status, n]) =>
          Array.from({ length: n }, (_, i) => ({
            requestId: { S: `${status}${i}` },
            status: { S: status },
          })),
        ),
      };
    });

  it("follow the functions' metrics beside a local cloud, without scanning while busy, and are exact once idle", async () => {
    const live: LiveStageCounts = { requested: 0, generated: 0, stored: 0, acknowledged: 0 };
    const api = new ConsoleApi({
      ...target('local'),
      liveStageCounts: () => ({ ...live }),
      tablesStartedEmpty: true,
    });
    depths(5);
    Object.assign(live, { requested: 10, generated: 8, stored: 6, acknowledged: 4 });
    expect((await api.overview()).stages).toMatchObject(live);
    Object.assign(live, { requested: 10, generated: 10, stored: 9, acknowledged: 8 });
    expect((await api.overview()).stages).toMatchObject(live);
    expect(dynamodb.commandCalls(ScanCommand)).toHaveLength(0);

    // Idle: one scan settles the counts on what the tables hold (an item written by hand too).
    depths(0);
    Object.assign(live, { generated: 10, stored: 10, acknowledged: 10 });
    tables({ STORED: 10, REQUESTED: 1 }, { ACKNOWLEDGED: 10 });
    const idle = (await api.overview()).stages;
    expect(idle).toMatchObject({ requested: 11, generated: 10, stored: 10, acknowledged: 10 });
    await api.overview();
    expect(dynamodb.commandCalls(ScanCommand)).toHaveLength(2);
  });

  it('scan once more as the pipeline goes idle elsewhere, however recently they scanned', async () => {
    const api = new ConsoleApi(target('aws'));
    depths(3);
    tables({ REQUESTED: 2 }, {});
    expect((await api.overview()).stages.requested).toBe(2);
    tables({ STORED: 3 }, { ACKNOWLEDGED: 3 });
    // Busy: the last scan is reused for a while.
    expect((await api.overview()).stages.requested).toBe(2);
    depths(0);
    expect((await api.overview()).stages).toMatchObject({ requested: 3, acknowledged: 3 });
  });
});
