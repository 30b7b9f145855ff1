import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { nodeArguments } from '../../commands/precompile.mjs';
import { seedAssembly } from './assembly';
import { spawnCommand } from './command-runner';

// `npm start` as a process, with a second one beside it: the long version of what npm test checks
// in short (npm start refusing a held state directory in commands.test.ts, its run in-process in
// local-cloud.test.ts, the console in console-server.test.ts). `--keep` running the schedules
// again and the tables removed at Ctrl-C are checked here only. In `npm run test:slow`.

const lines = (text: string) => text.trimEnd().split('\n');

describe('npm start as a process', () => {
  it('refuses a second start on the same state directory, leaving the first one whole; the first serves its console from the start, keeps its schedule ticking with --keep and removes its tables at exit', async () => {
    const home = mkdtempSync(join(tmpdir(), 'string-pipeline-two-'));
    // What is tested here is the lock, not the synth.
    const assembly = seedAssembly(home);
    // The engine process `npm start`'s launcher starts, precompiled as it runs it, so that
    // Ctrl-C (SIGINT) reaches the cloud itself: the tsx command's own process relays a signal,
    // and kills its child when the child is too busy to acknowledge it within a few
    // milliseconds, as a loaded machine can be.
    const warnings: string[] = [];
    const engine = await nodeArguments(
      'commands/start.ts',
      [
        '--keep',
        '--requests',
        '1',
        '--state-dir',
        home,
        '--port',
        '0',
        // The schedule every second: it must tick again once the run has been reconciled.
        '--schedules',
        '--time-scale',
        '60',
      ],
      {},
      (line) => warnings.push(line),
    );
    expect(warnings).toEqual([]);
    // Any free port: 4566 may be another cloud's.
    const first = spawn(process.execPath, engine, { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      const printed = (text: string) =>
        new Promise<void>((resolve, reject) => {
          const check = () => {
            if (!out.includes(text)) return;
            first.stdout.off('data', check);
            resolve();
          };
          first.stdout.on('data', check);
          check();
          first.once('exit', (code) => reject(new Error(`first start exited ${code}: ${out}`)));
        });
      first.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
      });
      // Up, with its state file written and its log open: what a second start could break.
      await printed('Local cloud up');
      // The first line names the console, which answers from then on, the run still going.
      const consoleUrl = /^Local cloud up .*; console (http:\S+\/_console\/)$/m.exec(out)?.[1];
      expect(consoleUrl).toBeDefined();
      const page = await fetch(consoleUrl ?? '');
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<script type="module"');
      const log = readFileSync(join(home, 'functions.log'), 'utf8');
      // It used the seeded assembly: a synth would have added another beside it.
      expect(readdirSync(join(home, 'cdk.out'))).toEqual([assembly]);

      const second = await spawnCommand('start', ['--requests', '1', '--state-dir', home]);

      expect(second.status).toBe(1);
      expect(lines(second.stderr)).toEqual([
        expect.stringMatching(
          new RegExp(
            `^A local cloud is already running with state directory ${home}: pid \\d+, started \\S+Z, endpoint http://127\\.0\\.0\\.1:\\d+\\.`,
          ),
        ),
      ]);
      expect(readFileSync(join(home, 'functions.log'), 'utf8').startsWith(log)).toBe(true);
      expect(existsSync(join(home, 'state.json'))).toBe(true);
      // Without --data the tables are on disk, in the state directory, until the run ends.
      expect(existsSync(join(home, 'tables'))).toBe(true);
      // The run stopped the schedule to reconcile, said so, and runs it again while it is kept.
      await printed('Schedules running again until Ctrl-C');
      expect(out).toContain('Schedules stopped, so that the run can settle and be reconciled');
      expect(out).toMatch(/^OK: /m);
      const ticks = () =>
        readFileSync(join(home, 'functions.log'), 'utf8').split('"requested strings"').length;
      const before = ticks();
      await vi.waitFor(() => expect(ticks()).toBeGreaterThan(before + 1), {
        timeout: 20_000,
        interval: 100,
      });
      const exited = new Promise((resolve) => first.once('exit', resolve));
      first.kill('SIGINT');
      await exited;
      expect(existsSync(join(home, 'tables'))).toBe(false);
    } finally {
      // Unless it has exited already (a failed start): its exit event would not come again.
      if (first.exitCode === null && first.signalCode === null) {
        const exited = new Promise((resolve) => first.once('exit', resolve));
        first.kill('SIGINT');
        await exited;
      }
      rmSync(home, { recursive: true, force: true });
    }
  });
});
