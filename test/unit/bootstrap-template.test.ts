/**
 * The CDK CLI's bootstrap template as the local cloud deploys it: the YAML the CLI ships, sent as
 * JSON as `cdk bootstrap` sends it, converted once and then read from the cache.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { bootstrapTemplateBody } from '../../local/stack/deploy';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bootstrap-template-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const shipped = () =>
  readFileSync(
    createRequire(import.meta.url).resolve('aws-cdk/lib/api/bootstrap/bootstrap-template.yaml'),
    'utf8',
  );

describe('bootstrapTemplateBody', () => {
  it('is the shipped YAML as JSON, indented by two as the CLI writes it', () => {
    const body = bootstrapTemplateBody(dir);
    expect(body.startsWith('{\n  "')).toBe(true);
    expect(JSON.parse(body)).toEqual(parse(shipped()));
  });

  it('converts once: the next call reads what the first one kept', () => {
    const first = bootstrapTemplateBody(dir);
    const [kept] = readdirSync(dir);
    expect(readdirSync(dir)).toEqual([
      expect.stringMatching(/^bootstrap-template-[0-9a-f]{16}\.json$/),
    ]);
    writeFileSync(join(dir, kept ?? ''), '{"kept": true}');
    expect(bootstrapTemplateBody(dir)).toBe('{"kept": true}');
    expect(first).not.toBe('{"kept": true}');
  });

  it('still converts where the cache cannot be written', () => {
    const notADirectory = join(dir, 'file');
    writeFileSync(notADirectory, '');
    expect(JSON.parse(bootstrapTemplateBody(join(notADirectory, 'cache')))).toEqual(
      parse(shipped()),
    );
  });
});
