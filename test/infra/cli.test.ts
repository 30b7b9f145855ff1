import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const outdir = mkdtempSync(join(tmpdir(), 'string-pipeline-cli-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const cdk = (...args: string[]) =>
  spawnSync('npx', ['cdk', ...args, '--output', outdir, '--no-notices'], {
    encoding: 'utf8',
    timeout: 90_000,
    // No AWS account here: the synth must not need one.
    env: { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '' },
  });

describe('the CDK CLI', () => {
  it('synthesizes the app offline with the pinned 2.x CLI', () => {
    const run = cdk('synth', '--quiet');
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    const template = JSON.parse(readFileSync(join(outdir, 'StringPipeline.template.json'), 'utf8'));
    expect(Object.keys(template.Resources).length).toBeGreaterThan(20);
    expect(existsSync(join(outdir, 'manifest.json'))).toBe(true);
  });

  it('fails on a bad context value with one line naming the key', () => {
    const run = cdk('synth', '--quiet', '-c', 'batchSize=lots');
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/Invalid context: batchSize must be an integer, got "lots"/);
  });
});
