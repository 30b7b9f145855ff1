import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Call } from '../../local/endpoint/call';
import { logTail } from '../../local/endpoint/lambda';
import { logsService } from '../../local/endpoint/logs';
import { cutGroupFile } from '../../local/logs/file';
import { LogRing } from '../../local/logs/ring';
import { LogStore } from '../../local/logs/store';

describe('the local log store', () => {
  it('drops the oldest events past its bound and says how many, once, where the gap is', () => {
    const store = new LogStore(10);
    for (let i = 0; i < 25; i++) store.append('/aws/lambda/f', `line ${i}`);
    const events = store.events('/aws/lambda/f');
    expect(events[0]?.message).toBe(
      '[local cloud] 15 older events dropped (this log group keeps the last 10)',
    );
    expect(events.slice(1).map((e) => e.message)).toEqual(
      Array.from({ length: 10 }, (_, i) => `line ${i + 15}`),
    );
    // Readers page by event id: the notice sorts before every kept event.
    const ids = events.map((e) => e.eventId);
    expect([...ids].sort()).toEqual(ids);
  });

  it('keeps every event under its bound, with no notice', () => {
    const store = new LogStore(10);
    for (let i = 0; i < 10; i++) store.append('/aws/lambda/f', `line ${i}`);
    expect(store.events('/aws/lambda/f').map((e) => e.message)).toEqual(
      Array.from({ length: 10 }, (_, i) => `line ${i}`),
    );
  });
});

describe("a log group's ring of events", () => {
  it('keeps any text as written, across buffer growth and dropped blocks', () => {
    const ring = new LogRing(100);
    const messages = Array.from(
      { length: 250 },
      (_, i) => `${i} ${'é€😀'.repeat(i % 7)} ${'x'.repeat((i * 37) % 300)}`,
    );
    for (const [i, m] of messages.entries()) ring.append(1_000 + i, 2_000 + i, m);
    expect(ring.size).toBe(100);
    expect(ring.dropped).toBe(150);
    const kept = [...ring.after(-1)];
    expect(kept.map((e) => e.message)).toEqual(messages.slice(150));
    expect(kept[0]).toMatchObject({ timestamp: 1_150, ingestionTime: 2_150 });
    expect(kept[0]?.eventId).toBe('00000000000000000150');
  });

  it('reads on after an event id, and past every event for an unreadable one', () => {
    const store = new LogStore(10);
    for (let i = 0; i < 25; i++) store.append('/aws/lambda/f', `line ${i}`);
    const all = store.events('/aws/lambda/f');
    const ids = all.map((e) => e.eventId);
    expect([...store.eventsAfter('/aws/lambda/f', ids[3])].map((e) => e.eventId)).toEqual(
      ids.slice(4),
    );
    // The notice's id is the last dropped event's, so a reader past it does not see it again.
    expect([...store.eventsAfter('/aws/lambda/f', ids[0])][0]?.message).toBe('line 15');
    expect([...store.eventsAfter('/aws/lambda/f', 'not-a-token')]).toEqual([]);
  });
});

/** Calls the Logs service as the endpoint would, and returns the JSON it answers. */
async function callLogs(store: LogStore, action: string, params: object) {
  let text = '';
  const res = { writeHead: () => res, end: (body: string) => (text = body) };
  const call = {
    action,
    body: Buffer.from(JSON.stringify(params)),
    res,
  } as unknown as Call;
  await logsService(store, 'us-east-1', '000000000000')(call);
  return JSON.parse(text) as {
    events?: { eventId: string; message: string }[];
    nextToken?: string;
    searchedLogStreams?: { searchedCompletely: boolean }[];
  };
}

describe('FilterLogEvents on the local log store', () => {
  it('pages by nextToken through every matching event once, past dropped blocks', async () => {
    const store = new LogStore(20);
    for (let i = 0; i < 57; i++)
      store.append('/aws/lambda/f', `${i % 3 === 0 ? 'hit' : 'miss'} ${i}`);
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await callLogs(store, 'FilterLogEvents', {
        logGroupName: '/aws/lambda/f',
        filterPattern: 'hit',
        limit: 3,
        nextToken,
      });
      seen.push(...(page.events ?? []).map((e) => e.message));
      expect(page.searchedLogStreams?.[0]?.searchedCompletely).toBe(page.nextToken === undefined);
      nextToken = page.nextToken;
      pages += 1;
    } while (nextToken);
    // 20 kept (37 to 56): the hits among them, the drop notice filtered out by the pattern.
    const hits = Array.from({ length: 20 }, (_, i) => i + 37).filter((i) => i % 3 === 0);
    expect(seen).toEqual(hits.map((i) => `hit ${i}`));
    expect(pages).toBe(Math.ceil(hits.length / 3));
  });
});

describe('GetLogEvents on the local log store', () => {
  const GROUP = '/aws/lambda/f';
  const get = (store: LogStore, params: object) =>
    callLogs(store, 'GetLogEvents', {
      logGroupName: GROUP,
      logStreamName: 'local/[$LATEST]local',
      ...params,
    }) as Promise<{
      events?: { message: string }[];
      nextForwardToken?: string;
      nextBackwardToken?: string;
      __type?: string;
    }>;

  it('pages from the head to the end once, the end giving back its token, even as the group drops', async () => {
    // Bounded at 20, the group drops two at a time: after 25 it keeps lines 6 to 24.
    const store = new LogStore(20);
    for (let i = 0; i < 25; i++) store.append(GROUP, `line ${i}`);
    const first = await get(store, { startFromHead: true, limit: 4 });
    expect(first.events?.map((e) => e.message)).toEqual([
      '[local cloud] 6 older events dropped (this log group keeps the last 20)',
      'line 6',
      'line 7',
      'line 8',
    ]);
    // Ten more arrive, and the group drops up to line 15, past the page just read: the next page
    // says so where the gap is, then reads on.
    for (let i = 25; i < 35; i++) store.append(GROUP, `line ${i}`);
    const seen: string[] = [];
    let token = first.nextForwardToken;
    for (;;) {
      const page = await get(store, { nextToken: token, limit: 4 });
      seen.push(...(page.events ?? []).map((e) => e.message));
      if (page.nextForwardToken === token) break;
      token = page.nextForwardToken;
    }
    expect(seen).toEqual([
      '[local cloud] 16 older events dropped (this log group keeps the last 20)',
      ...Array.from({ length: 19 }, (_, i) => `line ${i + 16}`),
    ]);
  });

  it('reads back from the newest by default, to the drop notice', async () => {
    const store = new LogStore(20);
    for (let i = 0; i < 25; i++) store.append(GROUP, `line ${i}`);
    const newest = await get(store, { limit: 3 });
    expect(newest.events?.map((e) => e.message)).toEqual(['line 22', 'line 23', 'line 24']);
    const pages: string[][] = [];
    let token = newest.nextBackwardToken;
    for (;;) {
      const page = await get(store, { nextToken: token, limit: 7 });
      if (page.nextBackwardToken === token) break;
      pages.push((page.events ?? []).map((e) => e.message));
      token = page.nextBackwardToken;
    }
    expect(pages[0]).toEqual(Array.from({ length: 7 }, (_, i) => `line ${i + 15}`));
    // Lines 6 to 21, then the notice of the six dropped.
    expect(pages.flat()).toHaveLength(17);
    expect(pages.at(-1)?.[0]).toMatch(/^\[local cloud\] 6 older events dropped/);
    // Forward from the newest page finds nothing new until something is logged.
    const after = await get(store, { nextToken: newest.nextForwardToken });
    expect(after.events).toEqual([]);
    store.append(GROUP, 'line 25');
    const next = await get(store, { nextToken: newest.nextForwardToken });
    expect(next.events?.map((e) => e.message)).toEqual(['line 25']);
  });

  it('rejects a token it did not give, and a limit out of range', async () => {
    const store = new LogStore(20);
    store.append(GROUP, 'line');
    expect((await get(store, { nextToken: 'f/abc' })).__type).toBe('InvalidParameterException');
    expect((await get(store, { limit: 0 })).__type).toBe('InvalidParameterException');
    expect((await get(store, { limit: 10_001 })).__type).toBe('InvalidParameterException');
  });
});

describe('the local log store with a data directory', () => {
  it('reads back what an earlier store wrote, and appends without truncating it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'log-store-'));
    try {
      const first = new LogStore(10, dir);
      first.createGroup('/aws/lambda/f');
      first.append('/aws/lambda/f', 'from the first cloud');
      await first.close();

      const second = new LogStore(10, dir);
      second.createGroup('/aws/lambda/f');
      second.append('/aws/lambda/f', 'from the second cloud');
      await second.close();
      expect(second.events('/aws/lambda/f').map((e) => e.message)).toEqual([
        'from the first cloud',
        'from the second cloud',
      ]);

      // A store bounded below what the file holds keeps the newest and counts the rest.
      const small = new LogStore(1, dir);
      small.createGroup('/aws/lambda/f');
      expect(small.events('/aws/lambda/f').map((e) => e.message)).toEqual([
        '[local cloud] 1 older events dropped (this log group keeps the last 1)',
        'from the second cloud',
      ]);
      await small.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the log files of a data directory', () => {
  const eventLines = (dir: string) =>
    readFileSync(join(dir, `${encodeURIComponent('/aws/lambda/f')}.jsonl`), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{"t":'));

  it('stay bounded: past twice the bound the oldest are cut, and their count is kept for the next store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'log-files-'));
    try {
      const store = new LogStore(10, dir);
      for (let i = 0; i < 45; i++) store.append('/aws/lambda/f', `line ${i}`);
      await store.close();
      expect(eventLines(dir).length).toBeLessThanOrEqual(20);

      const next = new LogStore(10, dir);
      next.createGroup('/aws/lambda/f');
      const events = next.events('/aws/lambda/f');
      expect(events[0]?.message).toBe(
        '[local cloud] 35 older events dropped (this log group keeps the last 10)',
      );
      expect(events.slice(1).map((e) => e.message)).toEqual(
        Array.from({ length: 10 }, (_, i) => `line ${i + 35}`),
      );
      await next.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('are cut a line at a time: earlier dropped counts add up, and any text survives', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'log-files-'));
    const path = join(dir, 'group.jsonl');
    try {
      const events = Array.from({ length: 12 }, (_, i) =>
        JSON.stringify({ t: i, i, m: `event ${i} ${'é€😀'.repeat(i)}` }),
      );
      writeFileSync(
        path,
        `{"d":5}\n${events.slice(0, 6).join('\n')}\n{"d":2}\n${events.slice(6).join('\n')}\n`,
      );
      await cutGroupFile(path, 4);
      expect(readFileSync(path, 'utf8')).toBe(`{"d":15}\n${events.slice(8).join('\n')}\n`);
      // A file already within the bound keeps every event; its dropped counts become one line.
      await cutGroupFile(path, 10);
      expect(readFileSync(path, 'utf8')).toBe(`{"d":15}\n${events.slice(8).join('\n')}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('are only appended to by a second store while the first holds the directory, never cut', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'log-files-'));
    try {
      const first = new LogStore(5, dir);
      first.append('/aws/lambda/f', 'from the first cloud');
      // Written before the second store's lines, so its line comes first in the file.
      await first.flushed();
      const second = new LogStore(5, dir);
      expect([first.ownsFiles, second.ownsFiles]).toEqual([true, false]);
      for (let i = 0; i < 30; i++) second.append('/aws/lambda/f', `second ${i}`);
      await second.close();
      expect(eventLines(dir)).toHaveLength(31);
      expect(eventLines(dir)[0]).toContain('from the first cloud');
      await first.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("Invoke's log tail", () => {
  it('is the last 4 KB of the invocation log, base64-encoded, so the REPORT line survives', () => {
    const lines = [
      'START RequestId: r Version: $LATEST',
      ...Array.from({ length: 100 }, (_, i) => `${i} ${'x'.repeat(80)}`),
      'END RequestId: r',
      'REPORT RequestId: r\tDuration: 1.00 ms',
    ];
    const tail = Buffer.from(logTail(lines), 'base64').toString('utf8');
    expect(tail.length).toBe(4096);
    expect(tail.endsWith('END RequestId: r\nREPORT RequestId: r\tDuration: 1.00 ms\n')).toBe(true);
  });
});
