import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEPLOY_LOCALSTACK, main as deployLocalStack } from '../../commands/localstack-deploy';
import { TEST_LOCALSTACK, main as testLocalStack } from '../../commands/localstack-test';
import { runCommandInProcess, spawnCommand } from './command-runner';
import { freePort } from './free-port';

// The LocalStack commands cannot reach LocalStack here (no Docker, no token): what runs is the
// path that tells the user what is missing (their scripts, spawned), and their --help and option
// errors (in this process).

/** Runs a command with `env` added to a PATH that holds node and nothing else (so no docker). */
function cli(script: string, args: string[], env: Record<string, string> = {}) {
  const base = { ...process.env };
  delete base.LOCALSTACK_AUTH_TOKEN;
  delete base.EDGE_PORT;
  return spawnCommand(script, args, { ...base, PATH: dirname(process.execPath), ...env });
}

describe('npm run test:localstack', () => {
  it('says in one line that Docker and the auth token are missing, and exits 1', async () => {
    const { status: code, stdout, stderr } = await cli('localstack-test', []);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'npm run test:localstack needs Docker (docker is not on PATH) and LOCALSTACK_AUTH_TOKEN (not set)\n',
    );
  });

  it('names only Docker when the token is there', async () => {
    const { status: code, stderr } = await cli('localstack-test', [], {
      LOCALSTACK_AUTH_TOKEN: 'x',
    });
    expect(code).toBe(1);
    expect(stderr).toBe('npm run test:localstack needs Docker (docker is not on PATH)\n');
  });

  it('answers --help with exit 0 and a bad option with one line and exit 2', async () => {
    const help = await runCommandInProcess(TEST_LOCALSTACK, testLocalStack, ['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run test:localstack -- /);
    expect(help.stdout).toContain('Examples:');
    const bad = await runCommandInProcess(TEST_LOCALSTACK, testLocalStack, [
      '--start-timeout',
      'soon',
    ]);
    expect(bad.status).toBe(2);
    expect(bad.stderr.split('\n')[0]).toContain('start-timeout');
  });
});

describe('npm run deploy:localstack', () => {
  it('says how to start LocalStack when nothing answers on its port, instead of deploying', async () => {
    const port = await freePort();
    const { status: code, stderr } = await cli('localstack-deploy', [], {
      EDGE_PORT: String(port),
    });
    expect(code).toBe(1);
    expect(stderr).toBe(
      `Nothing answers at http://localhost:${port}/_localstack/health: start LocalStack first (LOCALSTACK_AUTH_TOKEN=... docker compose -f docker-compose.localstack.yml up -d), then run this again\n`,
    );
  });

  it('answers --help with exit 0', async () => {
    const help = await runCommandInProcess(DEPLOY_LOCALSTACK, deployLocalStack, ['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run deploy:localstack -- \[--region REGION\]/);
  });
});
