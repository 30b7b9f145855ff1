import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FunctionRunner, type FunctionSpec } from '../../local/lambda/runtime';

/** A TypeScript handler bundled as CDK bundles ours: minified ESM with a source map beside it. */
const SOURCE = `
import { getHeapStatistics } from 'node:v8';
class Store {
  save(item: string): void {
    if (item === 'bad') throw new TypeError(\`cannot save \${item}\`);
  }
}
function validate(value: string): string {
  new Store().save(value);
  return value;
}
const hoard: unknown[] = [];
export async function handler(event: { values?: string[]; hoardMb?: number; garbageMb?: number; heap?: boolean; runtime?: boolean }) {
  if (event.heap) return { gc: typeof (globalThis as { gc?: unknown }).gc, usedBytes: getHeapStatistics().used_heap_size };
  // Allocates and drops it: garbage an idle environment collects.
  let garbage: unknown[] = [];
  for (let mb = 0; mb < (event.garbageMb ?? 0); mb += 1) garbage.push(Array.from({ length: 131072 }, (_, i) => i + 0.5));
  garbage = [];
  if (event.runtime) return { nodeOptions: process.env.NODE_OPTIONS, sourceMapsEnabled: (process as { sourceMapsEnabled?: boolean }).sourceMapsEnabled };
  // Keeps what it allocates, as a leak would, until the heap is full.
  for (let mb = 0; mb < (event.hoardMb ?? 0); mb += 1) hoard.push(Array.from({ length: 131072 }, (_, i) => i + 0.5));
  return (event.values ?? []).map((v) => validate(v));
}
`;

let dir: string;
let entry: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lambda-runtime-'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'handler.ts'), SOURCE);
  entry = join(dir, 'out', 'index.mjs');
  await build({
    entryPoints: [join(dir, 'src', 'handler.ts')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    minify: true,
    sourcemap: true,
    outfile: entry,
    logLevel: 'silent',
  });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runner(
  spec: Partial<FunctionSpec>,
  options: { preInitialize?: boolean } = {},
): { runner: FunctionRunner; lines: string[] } {
  const lines: string[] = [];
  const run = new FunctionRunner(
    {
      logicalId: 'Fn',
      name: 'fn',
      entry,
      handlerName: 'handler',
      runtime: 'nodejs24.x',
      timeoutSeconds: 30,
      memorySize: 256,
      environment: {},
      logFormat: 'Text',
      ...spec,
    },
    {
      region: 'us-east-1',
      accountId: '000000000000',
      environment: {},
      log: (l) => lines.push(l),
      ...options,
    },
  );
  return { runner: run, lines };
}

/** The REPORT line logged for the invocation `requestId`, or '' if none was. */
const reportOf = (lines: readonly string[], requestId: string) =>
  lines.find((line) => line.startsWith(`REPORT RequestId: ${requestId}`)) ?? '';

/** How many environments began their init (each logs one INIT_START). */
const initStarts = (lines: readonly string[]) =>
  lines.filter((line) => line.startsWith('INIT_START')).length;

/** The stack trace the runtime logged with the invocation's `Invoke Error` record. */
function loggedStack(logs: readonly string[] | undefined): string[] {
  const record = (logs ?? []).find((line) => line.includes('"Invoke Error"'));
  if (!record) throw new Error(`no Invoke Error record in ${JSON.stringify(logs)}`);
  return (JSON.parse(record) as { stackTrace: string[] }).stackTrace;
}

describe('execution environments', () => {
  it('maps stack traces through the source map as node --enable-source-maps does, when NODE_OPTIONS asks', async () => {
    const { runner: mapped } = runner({ environment: { NODE_OPTIONS: '--enable-source-maps' } });
    const { runner: plain } = runner({});
    try {
      const withMaps = await mapped.invoke({ values: ['ok', 'bad'] });
      const without = await plain.invoke({ values: ['ok', 'bad'] });
      expect(withMaps.error?.errorType).toBe('TypeError');
      // What Node itself prints for the same error and call, with the map parsed at load.
      const script = `const { handler } = await import(${JSON.stringify(entry)}); await handler({ values: ['ok', 'bad'] }).catch((e) => console.log(e.stack))`;
      const reference = execFileSync(
        process.execPath,
        ['--enable-source-maps', '--input-type=module', '-e', script],
        { encoding: 'utf8' },
      ).split('\n');
      const bundleFrames = (stack: readonly string[]) =>
        stack.filter((line) => line.includes(join(dir, 'src')));
      expect(bundleFrames(loggedStack(withMaps.logs))).toEqual(bundleFrames(reference));
      expect(bundleFrames(loggedStack(withMaps.logs))[0]).toMatch(
        `.save (${join(dir, 'src', 'handler.ts')}:5:31)`,
      );
      // The handler sees NODE_OPTIONS as set, but Node did not parse the map when it loaded.
      expect((await mapped.invoke({ runtime: true })).result).toEqual({
        nodeOptions: '--enable-source-maps',
        sourceMapsEnabled: false,
      });
      // Without the option, frames name the bundle, as on Lambda.
      expect(bundleFrames(loggedStack(without.logs))).toEqual([]);
      expect(loggedStack(without.logs).join('\n')).toContain('index.mjs:');
    } finally {
      await Promise.all([mapped.stop(), plain.stop()]);
    }
  });

  it('ends an invocation that outgrows the memory size with Runtime.OutOfMemory, as Lambda reports it, and starts afresh', async () => {
    const { runner: small, lines } = runner({ memorySize: 128 });
    try {
      const killed = await small.invoke({ hoardMb: 1024 });
      expect(killed.error).toEqual({
        errorType: 'Runtime.OutOfMemory',
        errorMessage: `RequestId: ${killed.requestId} Error: Runtime exited with error: signal: killed`,
      });
      const report = reportOf(lines, killed.requestId);
      expect(report).toMatch(/\tMax Memory Used: 128 MB\t/);
      expect(report).toMatch(/\tStatus: error\tError Type: Runtime.OutOfMemory$/);
      // The killed environment is gone: the next invocation is a cold start, and succeeds.
      const next = await small.invoke({ values: ['ok'] });
      expect(next).toMatchObject({ result: ['ok'], coldStart: true });
    } finally {
      await small.stop();
    }
  });

  it('initializes an environment ahead of the first invocation, which then reports no Init Duration', async () => {
    const { runner: run, lines } = runner({});
    try {
      await run.warm();
      expect(initStarts(lines)).toBe(1);
      const first = await run.invoke({ values: ['ok'] });
      expect(first).toMatchObject({ result: ['ok'], coldStart: false });
      expect(reportOf(lines, first.requestId)).toMatch(/\tMax Memory Used: \d+ MB$/);
      // Two at once: one finds the initialized environment, the other waits for a new one's init.
      const both = await Promise.all([run.invoke({}), run.invoke({})]);
      expect(both.map((o) => o.coldStart).sort()).toEqual([false, true]);
      const cold = both.find((o) => o.coldStart);
      expect(reportOf(lines, cold?.requestId ?? '')).toMatch(/\tInit Duration: \d+\.\d{2} ms$/);
      expect(run.metrics.coldStarts).toBe(1);
    } finally {
      await run.stop();
    }
  });

  it('counts an invocation that arrives while the environment started ahead still loads as its cold start', async () => {
    const { runner: run, lines } = runner({});
    try {
      const warming = run.warm();
      const waited = await run.invoke({ values: ['ok'] });
      await warming;
      expect(waited).toMatchObject({ result: ['ok'], coldStart: true });
      expect(reportOf(lines, waited.requestId)).toMatch(/\tInit Duration: \d+\.\d{2} ms$/);
      // One environment: the invocation took the one loading, not a second.
      expect(initStarts(lines)).toBe(1);
      expect(run.metrics.coldStarts).toBe(1);
    } finally {
      await run.stop();
    }
  });

  it('initializes the new code ahead after a code update when it pre-initializes', async () => {
    const { runner: run, lines } = runner({}, { preInitialize: true });
    try {
      await run.warm(); // the environment the runner started: no second one
      expect(initStarts(lines)).toBe(1);
      await run.updateCode(entry);
      // Started by the update itself, not by an invocation or a warm() of the test's.
      await vi.waitFor(() => expect(initStarts(lines)).toBe(2), { timeout: 10_000 });
      await run.warm(); // waits for it to load, and starts no third one
      expect(initStarts(lines)).toBe(2);
      expect(await run.invoke({ values: ['ok'] })).toMatchObject({ coldStart: false });
      expect(run.metrics.coldStarts).toBe(0);
    } finally {
      await run.stop();
    }
  });

  it("discards an environment started ahead whose init outlasts Lambda's 10 s limit", async () => {
    const hanging = join(dir, 'hanging.mjs');
    writeFileSync(hanging, 'await new Promise(() => {});\nexport const handler = async () => 1;\n');
    const { runner: run, lines } = runner({ entry: hanging });
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    try {
      const warmed = run.warm();
      // The init started (its INIT_START came), then never finished.
      await vi.waitFor(() => expect(initStarts(lines)).toBe(1), { timeout: 10_000 });
      vi.advanceTimersByTime(10_000);
      await warmed; // resolved: the environment is gone
      vi.useRealTimers();
      // So warming again starts a second one, where it would have found the first still loading.
      void run.warm();
      await vi.waitFor(() => expect(initStarts(lines)).toBe(2), { timeout: 10_000 });
    } finally {
      vi.useRealTimers();
      await run.stop();
    }
  });

  it("collects an environment's garbage while it is idle, with the gc Lambda's Node.js runtime exposes", async () => {
    const { runner: run } = runner({});
    try {
      const before = (await run.invoke({ heap: true })).result as { gc: string; usedBytes: number };
      expect(before.gc).toBe('function');
      // 5 MB of garbage in large objects, which only a full collection frees: less than V8's
      // own 8 MB step past the live heap, so without the idle collection it would still be there.
      await run.invoke({ garbageMb: 5 });
      const after = (await run.invoke({ heap: true })).result as { usedBytes: number };
      expect(after.usedBytes - before.usedBytes).toBeLessThan(2 * 1024 * 1024);
    } finally {
      await run.stop();
    }
  });
});
