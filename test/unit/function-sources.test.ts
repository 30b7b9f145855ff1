import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bundleSources } from '../../local/dev/function-sources';

let project: string;
let elsewhere: string;

/** Writes `files` under `dir`, making directories as needed. */
function write(dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

/** A bundle at `dir/cdk.out/HASH/asset.X/index.mjs` whose map holds `sources` as CDK writes it. */
function bundleIn(dir: string, sources: Record<string, string>): string {
  const asset = join(dir, 'cdk.out', '0123', 'asset.abc');
  write(asset, {
    'index.mjs': 'export const handler = async () => 1;\n',
    'index.mjs.map': JSON.stringify({
      version: 3,
      sources: Object.keys(sources).map((path) => `../../../${path}`),
      sourcesContent: Object.values(sources),
      mappings: '',
    }),
  });
  return join(asset, 'index.mjs');
}

const SOURCES = {
  'node_modules/lib/index.js': 'export const x = 1;\n',
  'contract/contract.ts': 'export const Q = "q";\n',
  'functions/requestor/index.ts': 'export const handler = async () => 1;\n',
};

beforeEach(() => {
  project = mkdtempSync(join(tmpdir(), 'sources-'));
  elsewhere = mkdtempSync(join(tmpdir(), 'copied-'));
  write(project, SOURCES);
});
afterEach(() => {
  rmSync(project, { recursive: true, force: true });
  rmSync(elsewhere, { recursive: true, force: true });
});

describe("a deployed bundle's sources", () => {
  it('name the entry last and every file under the project, current while each reads as built', () => {
    const sources = bundleSources(bundleIn(project, SOURCES), project);
    expect(sources.entry).toBe('functions/requestor/index.ts');
    expect([...sources.inputs].sort()).toEqual(
      Object.keys(SOURCES)
        .map((path) => join(project, path))
        .sort(),
    );
    expect(sources.current).toBe(true);
  });

  it('are not current once any of them changed or went, the contract or a package alike', () => {
    const bundle = bundleIn(project, SOURCES);
    write(project, { 'contract/contract.ts': 'export const Q = "r";\n' });
    expect(bundleSources(bundle, project).current).toBe(false);
    write(project, { 'contract/contract.ts': SOURCES['contract/contract.ts'] });
    expect(bundleSources(bundle, project).current).toBe(true);
    rmSync(join(project, 'node_modules'), { recursive: true });
    expect(bundleSources(bundle, project).current).toBe(false);
  });

  it('are read in the project given when the assembly was copied elsewhere', () => {
    const sources = bundleSources(bundleIn(elsewhere, SOURCES), project);
    expect(sources.entry).toBe('functions/requestor/index.ts');
    expect(sources.inputs.has(join(project, 'contract/contract.ts'))).toBe(true);
    expect(sources.current).toBe(true);
  });

  it('are not current when the map lacks a source text', () => {
    const bundle = bundleIn(project, SOURCES);
    write(join(bundle, '..'), {
      'index.mjs.map': JSON.stringify({
        version: 3,
        sources: Object.keys(SOURCES).map((path) => `../../../${path}`),
        mappings: '',
      }),
    });
    expect(bundleSources(bundle, project).current).toBe(false);
  });

  it('refuse a bundle not built from a handler under functions/, naming it', () => {
    const bundle = bundleIn(project, { 'src/index.ts': 'export {};\n' });
    expect(() => bundleSources(bundle, project)).toThrow(
      /^The bundle \S+index\.mjs was not built from a handler under functions\/ \(\S+src\/index\.ts\)$/,
    );
  });
});
