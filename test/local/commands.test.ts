import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HOT_RELOAD_BENCH, hotReloadBench } from '../../bench/hot-reload';
import { MEMORY_BENCH, memoryBench } from '../../bench/memory';
import { usageLine } from '../../commands/cli';
import { CLOUD, main as cloud } from '../../commands/cloud';
import { INSPECT, main as inspect } from '../../commands/inspect';
import { parseQueues, parseRedriveQueues, REDRIVE, main as redrive } from '../../commands/redrive';
import { START, start } from '../../commands/start';
import { startLocalCloud } from '../../local/cloud';
import { DataDirLockedError, LOCK_FILE } from '../../local/state/lock';
import { type CommandRun as Run, runCommandInProcess, spawnCommand } from './command-runner';
import { type OpsFixture, startOpsFixture } from './ops-fixture';

/** Each command's main, run in this process by runCommandInProcess. */
const inProcess = {
  start: (args: string[]) => runCommandInProcess(START, start, args),
  inspect: (args: string[]) => runCommandInProcess(INSPECT, inspect, args),
  redrive: (args: string[]) => runCommandInProcess(REDRIVE, redrive, args),
};

const lines = (text: string) => text.trimEnd().split('\n');
/** A usage error's line without its pointer to `--help`, which every one of them ends with. */
const withoutHelp = (line: string | undefined) =>
  line?.replace(/ \([^()]+ --help for usage\)$/, '');

describe('every command answers --help', () => {
  const commands = [
    ['start', START],
    ['inspect', INSPECT],
    ['redrive', REDRIVE],
  ] as const;

  it('prints usage, every option with its description and examples on stdout, and exits 0', async () => {
    // redrive's script itself, wired to its spec, prints and exits; the start and inspect scripts
    // are spawned elsewhere (start's in precompile.test.ts and start-process.test.ts, inspect's
    // below), so their help is read through the same main, in this process.
    const runs = await Promise.all([
      inProcess.start(['--help']),
      inProcess.inspect(['--help']),
      spawnCommand('redrive', ['--help']),
    ]);
    for (const [i, [script, spec]] of commands.entries()) {
      const run = runs[i];
      expect(run?.status, script).toBe(0);
      expect(run?.stderr, script).toBe('');
      const out = run?.stdout ?? '';
      expect(lines(out)[0]).toBe(usageLine(spec));
      for (const [name, option] of Object.entries(spec.options)) {
        const line = lines(out).find(
          (l) => l.includes(`--${name}`) && l.includes(option.description),
        );
        expect(line, `${script} --${name} is described`).toBeDefined();
      }
      expect(out).toMatch(/Examples:\n {2}npm (start|run)/);
    }
  });

  it('treats -h as --help, even after a mistake on the same line', async () => {
    const run = await inProcess.start(['--requests', 'many', '-h']);
    expect(run.status).toBe(0);
    expect(lines(run.stdout)[0]).toBe(usageLine(START));
    expect(run.stdout).toContain('--verbose');
  });
});

describe('the commands refuse bad input', () => {
  it('redrive names an unknown queue, a missing one, or both --queue and --all', () => {
    expect(() => parseQueues('responses', false)).toThrow(/unknown queue "responses"/);
    expect(() => parseQueues(undefined, false)).toThrow(/--queue request\|response\|ack, or --all/);
    expect(() => parseQueues('ack', true)).toThrow(/either --queue or --all/);
    expect(parseQueues('ACK', false)).toEqual(['Ack']);
    expect(parseRedriveQueues('Schedule-DLQ', false)).toEqual({
      queues: [],
      invocations: ['schedule-dlq'],
    });
    expect(parseRedriveQueues(undefined, true)).toEqual({
      queues: ['Request', 'Response', 'Ack'],
      invocations: ['schedule-dlq', 'requestor-failures'],
    });
    expect(() => parseRedriveQueues(undefined, false)).toThrow(
      /--queue request\|response\|ack\|schedule-dlq\|requestor-failures, or --all/,
    );
  });

  it('exit 2 with one line naming an unknown option, the nearest one and where help is', async () => {
    const [start, inspect, redrive] = await Promise.all([
      inProcess.start(['--request', '5']),
      inProcess.inspect(['--peak', '3']),
      inProcess.redrive(['--queues', 'ack']),
    ]);
    for (const [run, option, meant, invocation] of [
      [start, '--request', '--requests', 'npm start --'],
      [inspect, '--peak', '--peek', 'npm run inspect --'],
      [redrive, '--queues', '--queue', 'npm run redrive --'],
    ] as const) {
      expect(run.status).toBe(2);
      expect(run.stdout).toBe('');
      expect(lines(run.stderr)).toEqual([
        `Usage error: Unknown option '${option}'; did you mean ${meant}? (${invocation} --help for usage)`,
      ]);
    }
    const farOff = await inProcess.start(['--colour']);
    expect(lines(farOff.stderr)).toEqual([
      "Usage error: Unknown option '--colour' (npm start -- --help for usage)",
    ]);
  });

  it('exit 2 naming a bad value', async () => {
    const [requests, peek, max, queue, pair] = await Promise.all([
      inProcess.start(['--requests', 'many']),
      inProcess.inspect(['--peek', 'lots']),
      inProcess.redrive(['--queue', 'ack', '--max', '0']),
      inProcess.redrive(['--queue', 'responses']),
      inProcess.start(['-c', 'batchSize']),
    ]);
    const first = (run: Run) => {
      expect(run.status).toBe(2);
      expect(lines(run.stderr)).toHaveLength(1);
      return withoutHelp(lines(run.stderr)[0]);
    };
    expect(first(requests)).toBe(
      'Usage error: --requests must be an integer from 1 to 1000000, got many',
    );
    expect(first(peek)).toBe('Usage error: --peek must be an integer from 0 to 100, got lots');
    expect(first(max)).toBe('Usage error: --max must be an integer of at least 1, got 0');
    expect(first(queue)).toBe(
      'Usage error: unknown queue "responses": use request, response, ack, schedule-dlq, requestor-failures',
    );
    expect(first(pair)).toBe('Usage error: -c takes key=value, got "batchSize"');
  });

  it('exit 2 naming the option for numbers Number() would read but nobody means', async () => {
    const [exponent, hex, negative, infinite] = await Promise.all([
      inProcess.start(['--requests', '1e3']),
      inProcess.start(['--requests', '0x10']),
      inProcess.start(['--requests', '-5']),
      inProcess.start(['--time-scale', 'Infinity']),
    ]);
    for (const run of [exponent, hex, negative, infinite]) {
      expect(run.status).toBe(2);
      expect(lines(run.stderr)).toHaveLength(1);
    }
    expect(withoutHelp(lines(exponent.stderr)[0])).toBe(
      'Usage error: --requests must be an integer from 1 to 1000000, got 1e3',
    );
    expect(withoutHelp(lines(hex.stderr)[0])).toBe(
      'Usage error: --requests must be an integer from 1 to 1000000, got 0x10',
    );
    expect(lines(negative.stderr)[0]).toMatch(/^Usage error: --requests got -5/);
    expect(withoutHelp(lines(infinite.stderr)[0])).toBe(
      'Usage error: --time-scale must be a positive decimal number, got Infinity',
    );
  });

  it("the bench's own scripts answer --help and refuse bad input in one line, exit 2", async () => {
    const memory = (args: string[]) => runCommandInProcess(MEMORY_BENCH, memoryBench, args);
    const hotReload = (args: string[]) =>
      runCommandInProcess(HOT_RELOAD_BENCH, hotReloadBench, args);
    const help = await memory(['--help']);
    expect(help.status).toBe(0);
    expect(lines(help.stdout)[0]).toBe(usageLine(MEMORY_BENCH));
    expect(help.stdout).toContain(MEMORY_BENCH.options.requests.description);
    const reloadHelp = await hotReload(['-h']);
    expect(reloadHelp.status).toBe(0);
    expect(reloadHelp.stdout).toMatch(/Arguments:\n {2}SAVES +how many saves/);

    const counts = await memory(['--requests', '100,lots']);
    expect(counts.status).toBe(2);
    expect(lines(counts.stderr)).toEqual([
      `Usage error: --requests takes counts from 1 to 1000000 separated by commas, got 100,lots (${MEMORY_BENCH.invocation} --help for usage)`,
    ]);
    const saves = await hotReload(['0']);
    expect(saves.status).toBe(2);
    expect(withoutHelp(lines(saves.stderr)[0])).toBe(
      'Usage error: SAVES must be an integer from 1 to 100, got 0',
    );
  });

  it('the bench refuses a bad option in one line, exit 2', async () => {
    const { stdout, stderr, status: code } = await spawnCommand('bench/run', ['--runs', '5']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(lines(stderr)).toEqual([
      'Usage error: --runs must be an integer from 10 to 1000, got 5 (npm run bench -- --help for usage)',
    ]);
  });

  it('exit 2 with one line naming a bad context value or key, before starting anything', async () => {
    // Each its own state directory: one running start locks a directory against another.
    const home = mkdtempSync(join(tmpdir(), 'string-pipeline-context-'));
    const [value, key] = await Promise.all([
      inProcess.start(['-c', 'batchSize=lots', '--state-dir', join(home, 'value')]),
      inProcess.start(['-c', 'batchsize=0', '--state-dir', join(home, 'key')]),
    ]).finally(() => rmSync(home, { recursive: true, force: true }));
    expect(value.status).toBe(2);
    expect(lines(value.stderr)).toEqual([
      'Invalid context: batchSize must be an integer, got "lots"',
    ]);
    expect(value.stdout).toBe('');
    expect(key.status).toBe(2);
    expect(lines(key.stderr)).toEqual([
      'Invalid context: unknown context key "batchsize" (did you mean "batchSize"?)',
    ]);
    expect(key.stdout).toBe('');
  });

  it('say neither a local cloud nor AWS credentials were found', async () => {
    const home = mkdtempSync(join(tmpdir(), 'string-pipeline-home-'));
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (!key.startsWith('AWS_')) env[key] = value;
    }
    Object.assign(env, {
      HOME: home,
      AWS_CONFIG_FILE: join(home, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    const stateFile = join(home, 'state.json');
    try {
      const run = await spawnCommand('inspect', ['--state', stateFile], env);
      expect(run.status).toBe(1);
      expect(lines(run.stderr)).toHaveLength(1);
      expect(run.stderr).toContain(
        `No local cloud is running (no ${stateFile}) and no AWS credentials were found`,
      );
      expect(run.stderr).toMatch(/npm start -- --keep.*--endpoint for LocalStack/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('inspect and redrive from the command line', () => {
  let f: OpsFixture;
  beforeAll(async () => {
    f = await startOpsFixture();
  });
  afterAll(() => f?.stop());

  it('prints the report, as JSON with --json', async () => {
    const target = await f.pipeline('cli');
    await f.send(target.outputs.AckQueueUrl ?? '', [{ body: 'waiting' }]);

    const run = await inProcess.inspect(['--state', join(f.dir, 'cli.json'), '--json']);

    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.queues.find((q: { queue: string }) => q.queue === 'Ack').visible).toBe(1);
    expect(report.tables).toEqual({ Requests: {}, Strings: {} });
  });

  it('redrives and reports the count', async () => {
    const target = await f.pipeline('cli-redrive');
    await f.send(target.outputs.ResponseDlqUrl ?? '', [{ body: '1' }, { body: '2' }]);

    const run = await inProcess.redrive([
      '--state',
      join(f.dir, 'cli-redrive.json'),
      '--queue',
      'response',
    ]);

    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/response DLQ -> response queue: moved 2 of 2 \(copy\)/);
    expect(await f.visible(target.outputs.ResponseQueueUrl ?? '')).toBe(2);
  });
});

describe('npm start guards what another run or the disk would break', () => {
  it('reports a taken port in one line before it synthesizes anything', async () => {
    const home = mkdtempSync(join(tmpdir(), 'string-pipeline-port-'));
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const run = await inProcess.start(['--port', String(port), '--state-dir', home]);
      expect(run.status).toBe(2);
      expect(lines(run.stderr)).toEqual([
        expect.stringMatching(
          new RegExp(
            `^Port ${port} on 127.0.0.1 is already in use by pid ${process.pid} .*--port N`,
          ),
        ),
      ]);
      // No synth ran: the cache it would have filled is not there.
      expect(existsSync(join(home, 'cdk.out'))).toBe(false);
    } finally {
      taken.close();
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('refuses a state directory a live cloud holds in one line, exit 1, leaving its lock alone', async () => {
    const home = mkdtempSync(join(tmpdir(), 'string-pipeline-held-'));
    // The lock of a cloud that is still running: the parent of this test worker is alive.
    // start-process.test.ts (test:slow) starts a real one beside npm start as a process.
    const holder = {
      pid: process.ppid,
      startedAt: '2026-12-07T00:00:00.000Z',
      endpoint: 'http://127.0.0.1:4566',
    };
    writeFileSync(join(home, LOCK_FILE), JSON.stringify(holder));
    try {
      const run = await inProcess.start(['--requests', '1', '--state-dir', home, '--port', '0']);
      expect(run.status).toBe(1);
      expect(lines(run.stderr)).toEqual([
        `A local cloud is already running with state directory ${home}: pid ${process.ppid}, started 2026-12-07T00:00:00.000Z, endpoint http://127.0.0.1:4566. Stop it first (Ctrl-C in its terminal), or give this one its own --state-dir`,
      ]);
      expect(JSON.parse(readFileSync(join(home, LOCK_FILE), 'utf8'))).toEqual(holder);
      // Refused before anything else: no synth, no log.
      expect(existsSync(join(home, 'cdk.out'))).toBe(false);
      expect(existsSync(join(home, 'functions.log'))).toBe(false);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('refuses a --data path it cannot use with one line naming it', async () => {
    const home = mkdtempSync(join(tmpdir(), 'string-pipeline-data-'));
    const file = join(home, 'file');
    writeFileSync(file, 'not a directory');
    try {
      const [proc, regular, emptied] = await Promise.all([
        inProcess.start(['--data', '/proc/nope', '--state-dir', join(home, 'a')]),
        inProcess.start(['--data', file, '--state-dir', join(home, 'b')]),
        // Where a run without --data keeps its tables, emptied each run: data kept there would go.
        inProcess.start(['--data', join(home, 'c', 'tables', 'x'), '--state-dir', join(home, 'c')]),
      ]);
      expect(proc.status).toBe(1);
      expect(lines(proc.stderr)).toEqual([
        expect.stringMatching(/^Cannot use \/proc\/nope as the --data directory: cannot create it/),
      ]);
      expect(regular.status).toBe(1);
      expect(lines(regular.stderr)).toEqual([
        `Cannot use ${file} as the --data directory: it is not a directory`,
      ]);
      expect(emptied.status).toBe(2);
      expect(lines(emptied.stderr)).toEqual([
        `--data ${join(home, 'c', 'tables', 'x')} is inside ${join(home, 'c', 'tables')}, which npm start empties for each run; choose another directory`,
      ]);
      // Refused before anything was made there.
      expect(existsSync(join(home, 'c'))).toBe(false);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('refuses a --data directory another cloud keeps its tables in, in one line naming its pid and endpoint', async () => {
    const home = mkdtempSync(join(tmpdir(), 'string-pipeline-shared-data-'));
    const data = join(home, 'data');
    const first = await startLocalCloud({ assemblyDir: inject('pipelineAssembly'), dataDir: data });
    try {
      const second = await inProcess.start(['--data', data, '--state-dir', join(home, 'state')]);
      expect(second.status).toBe(1);
      expect(lines(second.stderr)).toEqual([
        `The data directory ${data} is in use by another local cloud: pid ${process.pid}, endpoint ${first.endpoint}. Stop it first (Ctrl-C in its terminal), or give this one its own --data directory`,
      ]);
      // Refused before the synth and the emulators: nothing was made in its state directory.
      expect(existsSync(join(home, 'state', 'cdk.out'))).toBe(false);
      // npm run cloud, the empty cloud for the CDK CLI, the same way.
      const empty = await runCommandInProcess(CLOUD, cloud, [
        '--data',
        data,
        '--state-dir',
        join(home, 'cloud'),
        '--port',
        '0',
      ]);
      expect(empty.status).toBe(1);
      expect(lines(empty.stderr)).toEqual(lines(second.stderr));
      // The engine refuses too, for callers that start a cloud themselves.
      await expect(
        startLocalCloud({ assemblyDir: inject('pipelineAssembly'), dataDir: data }),
      ).rejects.toThrow(DataDirLockedError);
      // The first cloud still serves its tables.
      await first.waitForIdle();
    } finally {
      await first.stop();
    }
    // Its stop gave the directory back: a later cloud may keep its tables there.
    const later = await startLocalCloud({ assemblyDir: inject('pipelineAssembly'), dataDir: data });
    await later.stop();
    rmSync(home, { recursive: true, force: true });
  });
});
