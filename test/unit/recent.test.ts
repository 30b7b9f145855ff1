/** The engine's small cache of the last values made, by key. */
import { describe, expect, it } from 'vitest';
import { Recent } from '../../local/engine/recent';

describe('Recent', () => {
  it('makes a value once per key, keeps the last few, and drops the oldest', () => {
    const made: string[] = [];
    const recent = new Recent<string, string>(2);
    const get = (key: string) =>
      recent.get(key, () => {
        made.push(key);
        return key.toUpperCase();
      });
    expect([get('a'), get('a'), get('b')]).toEqual(['A', 'A', 'B']);
    expect(made).toEqual(['a', 'b']);
    get('c'); // a, the oldest, goes
    get('b');
    get('a');
    expect(made).toEqual(['a', 'b', 'c', 'a']);
  });

  it('keeps nothing when making the value throws', () => {
    const recent = new Recent<string, number>(2);
    expect(() =>
      recent.get('k', () => {
        throw new Error('no');
      }),
    ).toThrow('no');
    expect(recent.get('k', () => 1)).toBe(1);
  });
});
