import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logTail } from '../../local/endpoint/lambda';
import { LogStore } from '../../local/endpoint/logs';

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
