import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { START, start } from '../../commands/start';
import { isClean } from '../../ops/reconcile';
import { leanAssembly, seedAssembly } from './assembly';
import { runCommandInProcess } from './command-runner';
import { freePort } from './free-port';
import { type Harness, startHarness } from './harness';

const ALPHABET = /^[A-Za-z0-9]{64}$/;

/**
 * Round trips of the first test: four batches of ten through each queue, two at a time. The
 * heavy runs are e2e.test.ts's 50 at the template's concurrency (test:slow) and test:load's 10,000.
 */
const ROUND_TRIPS = 40;

describe('the pipeline on the local cloud', () => {
  let h: Harness;
  beforeAll(async () => {
    // Batching windows of 0.1 s: the counts, not the waits, are what is checked.
    h = await startHarness({ timeScale: 10 });
  });
  afterAll(() => h.stop());

  it('turns N requests into N generated, stored and acknowledged records and leaves every queue empty', async () => {
    const ids = await h.requestStrings(ROUND_TRIPS);
    expect(new Set(ids).size).toBe(ROUND_TRIPS);
    await h.cloud.waitForIdle();

    const summary = await h.reconcile(ids);
    expect(summary).toMatchObject({
      requested: ROUND_TRIPS,
      generated: ROUND_TRIPS,
      stored: ROUND_TRIPS,
      acknowledged: ROUND_TRIPS,
      complete: ROUND_TRIPS,
      mismatched: [],
      incomplete: [],
      unexpected: [],
      deadLetters: { Request: 0, Response: 0, Ack: 0 },
    });
    expect(isClean(summary)).toBe(true);

    const { Items = [] } = await h.dynamodb.send(
      new ScanCommand({ TableName: h.cloud.outputs.StringsTableName }),
    );
    for (const item of Items) expect(item.value?.S).toMatch(ALPHABET);
    expect(h.metric('Requested')).toBe(ROUND_TRIPS);
    expect(h.metric('Acknowledged')).toBe(ROUND_TRIPS);
    expect(h.metric('Rejected')).toBe(0);
  });

  it('counts every API call made, by service and action, and each function invocation', async () => {
    h.cloud.resetMetrics();
    const ids = await h.requestStrings(30);
    await h.cloud.waitForIdle();
    expect((await h.reconcile(ids)).incomplete).toEqual([]);

    const { calls, writeRequestUnits, lambda } = h.cloud.metrics();
    expect(calls['Lambda.Invoke']).toBe(1);
    // 30 requests, 30 responses and 30 acks: at least 9 batches of 10 each sent and deleted.
    expect(calls['SQS.SendMessageBatch']).toBeGreaterThanOrEqual(9);
    expect(calls['SQS.DeleteMessageBatch']).toBeGreaterThanOrEqual(9);
    expect(calls['SQS.ReceiveMessage']).toBeGreaterThanOrEqual(9);
    // Four writes of an item under 1 KB per round trip: requested, generated, stored, acknowledged.
    expect(writeRequestUnits).toBeGreaterThanOrEqual(120);
    const requestor = lambda[h.cloud.outputs.RequestorFunctionName ?? ''];
    const generator = lambda[h.cloud.outputs.GeneratorFunctionName ?? ''];
    expect(requestor?.invocations).toBeGreaterThanOrEqual(4); // the invoke + >= 3 response batches
    expect(generator?.invocations).toBeGreaterThanOrEqual(6); // >= 3 request and 3 ack batches
    expect(requestor?.errors).toBe(0);
    expect(generator?.totalDurationMs).toBeGreaterThan(0);
  });

  it('rejects a bad requestor payload with an error naming the field', async () => {
    const { error } = await h.cloud.invoke(h.cloud.outputs.RequestorFunctionName ?? '', {
      count: 0,
    });
    expect(error?.errorMessage).toMatch(/count/);
  });
});

describe('the schedule on the local cloud', () => {
  it('invokes the requestor at the template rate (sped up) and every scheduled request completes', async () => {
    // rate(1 minute) / 120 = every 0.5 s, 10 strings each.
    const h = await startHarness({ schedules: true, timeScale: 120 });
    try {
      await h.until('two scheduled ticks were requested', () => h.metric('Requested') >= 20);
      await h.cloud.stopSchedules();
      await h.cloud.waitForIdle();
      const summary = await h.reconcile();
      expect(summary.requested % 10).toBe(0);
      expect(summary.complete).toBe(summary.requested);
      expect(summary.incomplete).toEqual([]);
    } finally {
      await h.stop();
    }
  });
});

describe('starting and stopping the local cloud', () => {
  it('initializes an environment of each function before any invocation when asked, and closes both emulator ports', async () => {
    const h = await startHarness({ preInitialize: true });
    // What npm start and npm run dev ask for: each function's INIT_START with nothing invoked.
    const inits = (name: string | undefined) =>
      h.nextLog((line) => line.includes('"platform.initStart"') && line.includes(`"${name}"`));
    await Promise.all([
      inits(h.cloud.outputs.RequestorFunctionName),
      inits(h.cloud.outputs.GeneratorFunctionName),
    ]);
    expect(Object.values(h.cloud.metrics().lambda).map((m) => m.invocations)).toEqual([0, 0]);
    const { sqs, dynamodb } = h.cloud.endpoints;
    expect((await fetch(dynamodb)).status).toBe(200); // dynalite's health check
    await h.stop();
    await expect(fetch(sqs)).rejects.toThrow();
    await expect(fetch(dynamodb)).rejects.toThrow();
  });

  it('opens its endpoint while the synth still runs, deploys once it is done, and closes it if it fails', async () => {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    /** Resolves once the endpoint answers: the host opened with no assembly yet. */
    const answering = () => vi.waitFor(() => fetch(endpoint), { timeout: 20_000, interval: 20 });
    let finishSynth: (dir: string) => void = () => {};
    const synth = new Promise<string>((resolve) => {
      finishSynth = resolve;
    });
    const starting = startHarness({ assemblyDir: synth, port });
    await answering();
    finishSynth(leanAssembly());
    const h = await starting;
    expect(Object.keys(h.cloud.functions)).toHaveLength(2);
    await h.stop();

    let failSynth: (error: Error) => void = () => {};
    const failing = startHarness({
      assemblyDir: new Promise<string>((_, reject) => {
        failSynth = reject;
      }),
      port,
    });
    await answering();
    failSynth(new Error('the app threw'));
    await expect(failing).rejects.toThrow('the app threw');
    await expect(fetch(endpoint)).rejects.toThrow();
  });
});

describe('npm start', () => {
  it('runs round trips end to end, prints the reconciliation, and keeps DynamoDB data on disk across runs with --data', async () => {
    const home = mkdtempSync(join(tmpdir(), 'string-pipeline-data-'));
    const data = join(home, 'data');
    // In this process, as the command's script runs it: start-process.test.ts (test:slow) starts
    // a real one.
    seedAssembly(join(home, 'state'));
    const run = () =>
      runCommandInProcess(START, start, [
        '--requests',
        '10',
        '--data',
        data,
        '--state-dir',
        join(home, 'state'),
        '--port',
        '0',
      ]);
    const ctrlCListeners = process.listenerCount('SIGINT');
    try {
      const first = await run();
      expect(first.stdout).toMatch(/complete round trips\s+10\/10/);
      expect(first.stdout).toMatch(
        /OK: 10\/10 round trips in [\d.]+ s \(.*; peak memory [1-9]\d* MB: engine [1-9]\d*, runtime hosts [1-9]\d*\)/,
      );
      // Progress, a line at a time when not on a terminal, ends with every string acknowledged.
      expect(first.stdout).toMatch(/^requested 10\/10 {2}generated 10 .*acknowledged 10 /m);
      expect(first.status).toBe(0);
      const second = await run();
      expect(second.status).toBe(0);
      // The second run's tables hold both runs' records; its own ten still reconcile exactly.
      expect(second.stdout).toMatch(/requested \(Requests table\)\s+20/);
      expect(second.stdout).toMatch(/complete round trips\s+10\/10/);
      // It let go of Ctrl-C when it ended: only the process's own listeners are left.
      expect(process.listenerCount('SIGINT')).toBe(ctrlCListeners);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
