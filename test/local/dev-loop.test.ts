import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type DevSession, type InfraEvent, startDevSession } from '../../local/dev/session';
import { lockStateDir, type StateLock } from '../../local/state/lock';
import { copyAssembly } from './assembly';

/** What the synth reads, copied so the test can edit the app's sources freely. */
const PROJECT = [
  'bin',
  'lib',
  'functions',
  'contract',
  'cdk.json',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
];

describe('npm run dev applying infrastructure changes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dev-loop-'));
  const root = join(dir, 'project');
  const home = join(root, '.local-cloud');
  const config = join(root, 'lib', 'config.ts');
  const events: InfraEvent[] = [];
  const waiters = new Set<() => void>();
  let original = '';
  let lock: StateLock;
  let session: DevSession;

  /** Resolves with the next infrastructure event that is an outcome, not progress. */
  const nextOutcome = () =>
    new Promise<InfraEvent>((done, fail) => {
      const from = events.length;
      const timer = setTimeout(() => fail(new Error('no outcome after 60 s')), 60_000);
      const check = () => {
        const event = events.slice(from).find((e) => e.kind !== 'synthesizing');
        if (!event) return;
        clearTimeout(timer);
        waiters.delete(check);
        done(event);
      };
      waiters.add(check);
    });
  const memorySizes = () => Object.values(session.cloud.functions).map((f) => f.memorySize);

  beforeAll(async () => {
    for (const part of PROJECT) cpSync(resolve(part), join(root, part), { recursive: true });
    symlinkSync(resolve('node_modules'), join(root, 'node_modules'));
    original = readFileSync(config, 'utf8');
    // The copy has the inputs of the pipeline's assembly, so its first synth finds it in the cache.
    const out = join(home, 'cdk.out');
    const assembly = inject('pipelineAssembly');
    copyAssembly(assembly, join(out, basename(assembly)));
    lock = lockStateDir(home);
    session = await startDevSession({
      lock,
      rootDir: root,
      home,
      context: {},
      verbose: false,
      timeScale: 10,
      schedules: false,
      // Nothing is invoked: environments initialized ahead at start and after each of the four
      // updates took 1.7-1.9 CPU-s of the file's 11.5.
      preInitialize: false,
      stateFile: join(home, 'state.json'),
      port: 0,
      log: () => {},
      onCloud: () => {},
      onReload: () => {},
      onInfra: (event) => {
        events.push(event);
        for (const waiter of [...waiters]) waiter();
      },
    });
    // Three assemblies newer than the running one, as other runs make: the cache keeps three
    // besides the one it commits, so a synth used to prune the assembly the cloud runs.
    const later = Date.now() / 1000 + 60;
    for (const hash of ['0000000000000001', '0000000000000002', '0000000000000003']) {
      mkdirSync(join(out, hash));
      writeFileSync(join(out, hash, 'manifest.json'), '{}');
      utimesSync(join(out, hash), later, later);
    }
  });
  afterAll(async () => {
    await session?.stop();
    lock?.release();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies change, revert, change and revert each in place, never losing the running assembly', async () => {
    const changed = original.replace('memorySize: 256,', 'memorySize: 320,');
    expect(changed).not.toBe(original);
    expect(memorySizes()).toEqual([256, 256]);
    for (const [source, memory] of [
      [changed, 320],
      [original, 256],
      [changed, 320],
      [original, 256],
    ] as const) {
      const outcome = nextOutcome();
      // Written in place, as most editors save: the watcher must see every one of them.
      writeFileSync(config, source);
      expect(await outcome).toMatchObject({ kind: 'in-place' });
      expect(memorySizes()).toEqual([memory, memory]);
    }
    expect(events.filter((e) => e.kind === 'failed' || e.kind === 'synth-failed')).toEqual([]);
  });

  it('reports a synth error as one short block, and carries on from the running stack', async () => {
    const failed = nextOutcome();
    writeFileSync(config, `${original}\nexport const broken = ;\n`);
    const event = await failed;
    if (event.kind !== 'synth-failed') throw new Error(`not a synth failure: ${event.kind}`);
    expect(event.report).toMatch(/lib\/config\.ts:\d+:\d+: ERROR: Unexpected ";"/);
    expect(event.report.split('\n').length).toBeLessThanOrEqual(3);

    const fixed = nextOutcome();
    writeFileSync(config, original);
    expect(await fixed).toMatchObject({ kind: 'unchanged' });
    expect(existsSync(join(home, 'cdk.out', basename(inject('pipelineAssembly'))))).toBe(true);
  });
});
