/**
 * commands/launch.mjs, as `npm start`, `npm run dev` and `npm run cloud` run their commands: a
 * Ctrl-C stops the command once however many processes pass it on, a SIGINT sent to the launcher
 * alone (as npm passes one on) stops it too, and a later Ctrl-C ends a command whose stopping
 * hangs.
 */
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';

/** The probes' process groups still running: a failed test leaves none behind. */
const running = new Set<number>();
afterEach(() => {
  for (const group of running) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  running.clear();
});

/** The probe under the launcher, in a process group of its own as in a terminal. */
function launchProbe(...args: string[]) {
  const child = spawn(
    process.execPath,
    ['commands/launch.mjs', 'test/unit/fixtures/ctrl-c-probe.ts', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let out = '';
  const waiters = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    for (const waiter of [...waiters]) waiter();
  });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  running.add(child.pid ?? 0);
  const exited = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    child.on('exit', (code) => {
      running.delete(child.pid ?? 0);
      resolve({ code, out, err });
    }),
  );
  const printed = (line: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!out.split('\n').includes(line)) return;
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
      check();
      void exited.then(() => reject(new Error(`exited before printing ${line}: ${out}${err}`)));
    });
  return { pid: child.pid ?? 0, printed, exited };
}

describe("the launcher's Ctrl-C", () => {
  it("stops the command once when the terminal's Ctrl-C reaches every process", async () => {
    const probe = launchProbe();
    await probe.printed('ready');
    process.kill(-probe.pid, 'SIGINT');
    // The launcher passes on the SIGINT it got as well: the command takes both as one.
    expect(await probe.exited).toMatchObject({ code: 0, out: 'ready\ninterrupted\n' });
  });

  it('stops the command when the launcher alone gets SIGINT, as when npm passes it on', async () => {
    const probe = launchProbe();
    await probe.printed('ready');
    process.kill(probe.pid, 'SIGINT');
    expect(await probe.exited).toMatchObject({ code: 0, out: 'ready\ninterrupted\n' });
  });

  it('ends a command whose stopping hangs at a later Ctrl-C', async () => {
    const probe = launchProbe('hang');
    await probe.printed('ready');
    process.kill(-probe.pid, 'SIGINT');
    await probe.printed('still stopping');
    process.kill(-probe.pid, 'SIGINT');
    expect(await probe.exited).toMatchObject({ code: 130 });
  });
});
