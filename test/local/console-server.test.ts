import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE, main as consoleMain } from '../../commands/console';
import { localCloudTarget } from '../../console/local-target';
import { startConsoleServer } from '../../console/server';
import { runCommandInProcess, spawnCommand } from './command-runner';
import { type Harness, startHarness } from './harness';

// The console's server and command, without a browser: console.test.ts (in `npm run test:slow`)
// drives the page in Chromium.

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(() => h?.stop());

describe('the console server', () => {
  it('is served standalone on 127.0.0.1 by startConsoleServer, the page and its API alike', async () => {
    const server = await startConsoleServer({ target: localCloudTarget(h.cloud) });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/_console\/$/);
      const root = await fetch(server.url.replace('/_console/', '/'), { redirect: 'manual' });
      expect(root.status).toBe(302);
      expect(root.headers.get('location')).toBe('/_console/');
      expect(await (await fetch(server.url)).text()).toContain('<script type="module"');
      const meta = (await (await fetch(`${server.url}api/meta`)).json()) as { kind: string };
      expect(meta.kind).toBe('local');
      const missing = await fetch(`${server.url}api/queues/nope/peek`);
      expect(missing.status).toBe(404);
      expect(((await missing.json()) as { error: string }).error).toMatch(
        /^No queue nope: the stack has request, request-dlq/,
      );
    } finally {
      await server.stop();
    }
  });

  it('answers --help with the AWS and LocalStack modes (exit 0) and a bad option in one line (exit 2)', async () => {
    // The script itself for --help; the option error through the same main, in this process.
    const [help, bad] = await Promise.all([
      spawnCommand('console', ['--help']),
      runCommandInProcess(CONSOLE, consoleMain, ['--port', 'x']),
    ]);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/LocalStack\s+--endpoint/);
    expect(help.stdout).toMatch(/AWS\s+--profile NAME.*\n.*read-only unless --allow-writes/);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe(
      'Usage error: --port must be an integer from 0 to 65535, got x (npm run console -- --help for usage)\n',
    );
  });
});
