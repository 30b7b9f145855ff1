import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { usageLine } from '../../commands/cli';
import { DEV } from '../../commands/dev';
import { seedAssembly } from './assembly';
import { spawnCommand } from './command-runner';

/**
 * Ctrl-C as a terminal sends it: SIGINT to every process of the foreground group (npm's, the
 * launcher's and the cloud's), not to one of them.
 */
const ctrlC = (leader: number | undefined, signal: NodeJS.Signals = 'SIGINT') => {
  try {
    if (leader) process.kill(-leader, signal);
  } catch {
    // The group is gone already.
  }
};

describe('npm run dev', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dev-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the endpoint and names, streams each invocation labelled by function, and stops on Ctrl-C saying so', async () => {
    const stateFile = join(dir, 'state.json');
    // The suite's assembly in the state directory's cache, as a synth of these sources would
    // leave it: dev finds it, and keeps its bundles instead of building every handler, as a
    // fixed --assembly makes it do (hot-reload.test.ts checks both).
    const seeded = seedAssembly(dir);
    // As `npm run dev` runs it: the launcher, then the command in a child of its own, in a process
    // group of their own as in a terminal.
    const child = spawn(
      process.execPath,
      ['commands/launch.mjs', 'commands/dev.ts', '--port', '0', '--state-dir', dir],
      { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    let out = '';
    let err = '';
    const waiters = new Set<() => void>();
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      for (const waiter of [...waiters]) waiter();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const printed = (pattern: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!pattern.test(out)) return;
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
        void exited.then(() =>
          reject(new Error(`dev exited before printing ${pattern}:\n${out}${err}`)),
        );
      });
    try {
      await printed(/Local cloud ready in/);
      const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { endpoint: string };
      expect(out).toContain(`AWS endpoint  ${state.endpoint}`);
      expect(out).toMatch(/queues {8}request=\S+ {2}response=\S+ {2}ack=\S+/);
      expect(out).toMatch(/tables {8}requests=\S+ {2}strings=\S+/);
      expect(out).toContain('schedules     off');
      // Synthesized, so infrastructure changes apply too: the template is not fixed.
      expect(out).toContain('lib/, bin/, cdk.json re-synth and apply in place');
      // It ran the seeded assembly: a synth would have added another beside it.
      expect(readdirSync(join(dir, 'cdk.out'))).toEqual([seeded]);
      const consolePage = await fetch(`${state.endpoint}/_console/`);
      expect(consolePage.status).toBe(200);
      expect(out).toContain(`console       ${state.endpoint}/_console/`);

      const lambda = new LambdaClient({
        region: 'us-east-1',
        endpoint: state.endpoint,
        credentials: { accessKeyId: 'any', secretAccessKey: 'any' },
      });
      const functionName = /requestor=(\S+)/.exec(out)?.[1];
      await lambda.send(
        new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from('{"count":1}') }),
      );
      lambda.destroy();
      await printed(/^\[requestor\] REPORT RequestId: /m);
      // JSON lines are indented, one field a line.
      expect(out).toMatch(/^\[requestor\] \{\n {2}"timestamp": /m);
      expect(out).toMatch(/^ {2}"message": "requested strings",$/m);

      ctrlC(child.pid);
      expect(await exited).toBe(0);
      expect(out).toContain('Stopping the local cloud...');
      expect(out.trimEnd().split('\n').pop()).toBe('Stopped: every port is closed.');
    } finally {
      ctrlC(child.pid, 'SIGKILL');
    }
  });

  it('answers --help with its usage', async () => {
    const run = await spawnCommand('dev', ['--help']);
    expect(run.status).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe(usageLine(DEV));
  });
});
