import {
  cpSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Output } from '../../contract/contract';
import { type LocalCloud, startLocalCloud } from '../../local/cloud';
import {
  HANDLER_SOURCES,
  type HotReload,
  type ReloadEvent,
  startHotReload,
} from '../../local/dev/hot-reload';
import { FunctionRunner } from '../../local/lambda/runtime';
import { sampleMessage } from '../../ops/messages';
import { leanAssembly } from './assembly';

/**
 * A copy of what the handlers are built from (HANDLER_SOURCES), with the project's node_modules,
 * in a new temporary directory: a test edits it freely. Returns the directory.
 */
function copyOfHandlers(prefix: string): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  for (const source of HANDLER_SOURCES) {
    cpSync(resolve(source), join(root, source), { recursive: true });
  }
  symlinkSync(resolve('node_modules'), join(root, 'node_modules'));
  return root;
}

describe('swapping a function’s code', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hot-swap-'));
    // The old code waits for as long as its event asks; the new code answers at once.
    writeFileSync(
      join(dir, 'v1.mjs'),
      'export const handler = async (e) => { await new Promise((r) => setTimeout(r, e.waitMs ?? 0)); return "v1"; };\n',
    );
    writeFileSync(join(dir, 'v2.mjs'), 'export const handler = async () => "v2";\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs invocations that start after the swap on the new code, while one in progress finishes on the old', async () => {
    const lines: string[] = [];
    let started: () => void = () => {};
    const inProgress = new Promise<void>((resolve) => {
      started = resolve;
    });
    const runner = new FunctionRunner(
      {
        logicalId: 'Probe',
        name: 'probe',
        entry: join(dir, 'v1.mjs'),
        handlerName: 'handler',
        runtime: 'nodejs24.x',
        timeoutSeconds: 10,
        memorySize: 128,
        environment: {},
      },
      {
        region: 'us-east-1',
        accountId: '000000000000',
        environment: {},
        log: (line) => {
          lines.push(line);
          // The second START is the slow invocation's: it runs on the old code from here on.
          if (lines.filter((l) => l.startsWith('START')).length === 2) started();
        },
      },
    );
    try {
      const warm = await runner.invoke({});
      expect(warm.result).toBe('v1');
      const slow = runner.invoke({ waitMs: 500 });
      await inProgress;
      await runner.updateCode(join(dir, 'v2.mjs'));
      const after = await runner.invoke({});
      expect(after.result).toBe('v2');
      expect(after.coldStart).toBe(true);
      expect((await slow).result).toBe('v1');
      // Once its invocation is done, the old environment is retired: the next one is new code too.
      expect((await runner.invoke({})).result).toBe('v2');
    } finally {
      await runner.stop();
    }
  });
});

describe('npm run dev hot reload', () => {
  let cloud: LocalCloud;
  let hot: HotReload;
  let root: string;
  const logs: string[] = [];
  const events: ReloadEvent[] = [];
  /** The bundles the functions ran once hot reload had started. */
  let startedOn: string[] = [];
  const waiters = new Set<() => void>();
  /** Resolves with the first log line (past or future) holding `text`. */
  const logged = (text: string) =>
    new Promise<string>((resolve) => {
      const check = () => {
        const line = logs.find((l) => l.includes(text));
        if (!line) return false;
        resolve(line);
        return true;
      };
      if (check()) return;
      const waiter = () => {
        if (check()) waiters.delete(waiter);
      };
      waiters.add(waiter);
    });
  const nextReload = () =>
    new Promise<ReloadEvent>((resolve) => {
      const count = events.length;
      const waiter = () => {
        const event = events[count];
        if (!event) return;
        waiters.delete(waiter);
        resolve(event);
      };
      waiters.add(waiter);
    });
  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };

  beforeAll(async () => {
    root = copyOfHandlers('hot-reload-');
    cloud = await startLocalCloud({
      assemblyDir: inject('pipelineAssembly'),
      timeScale: 10,
      log: (line) => {
        logs.push(line);
        notify();
      },
    });
    hot = await startHotReload({
      cloud,
      rootDir: root,
      outDir: join(root, '.dev'),
      keepCurrentBundles: true,
      onReload: (event) => {
        events.push(event);
        notify();
      },
    });
    startedOn = Object.values(cloud.functions).map((fn) => fn.entry);
  });
  afterAll(async () => {
    await hot?.stop();
    await cloud?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('keeps the deployed bundles at start while their sources read as they were built', () => {
    // Nothing built: both functions still ran the synthesized assets.
    expect(startedOn).toHaveLength(2);
    for (const entry of startedOn) expect(entry.startsWith(inject('pipelineAssembly'))).toBe(true);
  });

  it('runs the edited handler on the next invocation and delivers a message queued before the edit to it', async () => {
    const generator = cloud.outputs[Output.GeneratorFunctionName] ?? '';
    await cloud.pauseConsumer(generator);
    const sqs = new SQSClient(cloud.clientConfig('sqs'));
    const body = sampleMessage('Request');
    const requestId = (JSON.parse(body) as { requestId: string }).requestId;
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: cloud.outputs[Output.RequestQueueUrl],
        MessageBody: body,
      }),
    );
    sqs.destroy();

    const domain = join(root, 'functions/generator/domain.ts');
    const reloaded = nextReload();
    // Saved as many editors do, by writing a new file and renaming it over the old one.
    writeFileSync(
      `${domain}.swp`,
      readFileSync(domain, 'utf8').replace("'generated string'", "'generated string (edited)'"),
    );
    renameSync(`${domain}.swp`, domain);
    const event = await reloaded;
    expect(event).toMatchObject({ kind: 'reloaded', functions: [generator] });

    cloud.resumeConsumer(generator);
    const line = await logged('generated string (edited)');
    expect(line).toContain(requestId);
    await cloud.waitForIdle();
  });

  it('swaps the code of the functions that import the contract when the contract is saved', async () => {
    const contract = join(root, 'contract/contract.ts');
    const original = readFileSync(contract, 'utf8');
    const edited = original.replace("Acknowledged: 'ACKNOWLEDGED'", "Acknowledged: 'ACKED'");
    expect(edited).not.toBe(original);
    const reloaded = nextReload();
    writeFileSync(contract, edited);
    const event = await reloaded;
    expect(event.kind === 'reloaded' && event.functions).toContain(
      cloud.outputs[Output.GeneratorFunctionName],
    );
    const restored = nextReload();
    writeFileSync(contract, original);
    expect((await restored).kind).toBe('reloaded');
  });

  it('reports a build error once and keeps serving the last good code', async () => {
    const domain = join(root, 'functions/generator/domain.ts');
    const good = readFileSync(domain, 'utf8');
    const failed = nextReload();
    writeFileSync(domain, `${good}\nexport const broken = ;\n`);
    const event = await failed;
    expect(event.kind).toBe('failed');
    expect(event.kind === 'failed' && event.errors).toMatch(
      /functions\/generator\/domain\.ts:\d+:\d+: error: /,
    );
    // The same error again is not reported again.
    const again = await hot.reload();
    expect(again.kind).toBe('failed');
    expect(events.filter((e) => e.kind === 'failed')).toHaveLength(1);

    const outcome = await cloud.invoke(cloud.outputs[Output.GeneratorFunctionName] ?? '', {
      Records: [],
    });
    expect(outcome).toEqual({ result: { batchItemFailures: [] } });

    // Fixed: said once, though the code serving does not change.
    const fixed = nextReload();
    writeFileSync(domain, good);
    expect((await fixed).kind).toBe('unchanged');
  });
});

describe('npm run dev started on an older assembly', () => {
  it('builds at start the handlers whose sources changed since, and only those; all of them on a fixed assembly', async () => {
    const root = copyOfHandlers('hot-stale-');
    const domain = join(root, 'functions/generator/domain.ts');
    writeFileSync(domain, `${readFileSync(domain, 'utf8')}\nexport const edited = true;\n`);
    const cloud = await startLocalCloud({ assemblyDir: leanAssembly(), log: () => {} });
    const start = (keepCurrentBundles: boolean) =>
      startHotReload({
        cloud,
        rootDir: root,
        outDir: join(root, '.dev'),
        watch: false,
        keepCurrentBundles,
      });
    const entry = (output: string) =>
      Object.values(cloud.functions).find((f) => f.name === cloud.outputs[output])?.entry ?? '';
    try {
      const kept = await start(true);
      await kept.stop();
      expect(entry(Output.GeneratorFunctionName).startsWith(join(root, '.dev'))).toBe(true);
      expect(entry(Output.RequestorFunctionName).startsWith(leanAssembly())).toBe(true);
      // A fixed `--assembly` may have been bundled with other options: every handler is built.
      const fixed = await start(false);
      await fixed.stop();
      expect(entry(Output.RequestorFunctionName).startsWith(join(root, '.dev'))).toBe(true);
    } finally {
      await cloud.stop();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
