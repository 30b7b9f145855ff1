import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const DOCS = readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md'));

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as dashes. */
const anchor = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

/** Every relative Markdown link of `file` (its own path relative to the repository). */
function links(file: string): { target: string; hash?: string }[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1] ?? '')
    .filter((href) => !/^[a-z]+:/.test(href))
    .map((href) => {
      const [path = '', hash] = href.split('#');
      return { target: path ? join(dirname(file), path) : file, hash };
    });
}

function headings(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8').replace(/```[\s\S]*?```/g, '');
  return [...text.matchAll(/^#+ (.+)$/gm)].map((m) => anchor(m[1] ?? ''));
}

describe('the README', () => {
  it('starts with doing: the quick start heading comes within its first 40 lines', () => {
    const line = README.split('\n').indexOf('## Quick start');
    expect(line).toBeGreaterThan(0);
    expect(line).toBeLessThan(40);
  });

  it('stays under 450 lines, the essays and histories living in docs/', () => {
    expect(README.split('\n').length).toBeLessThan(450);
    expect(DOCS).toEqual(expect.arrayContaining(['design.md', 'benchmarks.md', 'local-cloud.md']));
  });

  it('links only to files and headings that exist, and so do the docs', () => {
    for (const file of ['README.md', ...DOCS.map((name) => `docs/${name}`)]) {
      for (const { target, hash } of links(file)) {
        expect(existsSync(join(ROOT, target)), `${file} links to ${target}`).toBe(true);
        if (hash && target.endsWith('.md')) {
          expect(headings(target), `${file} links to ${target}#${hash}`).toContain(hash);
        }
      }
    }
  });
});
