import { describe, expect, it } from 'vitest';
import { RequestIdSet } from '../../ops/request-ids';

describe('a packed set of request ids', () => {
  const ids = ['01K0C', '01K0A', '01K0B', '01K0A'];

  it('gives the ids back in the order they were added', () => {
    const set = RequestIdSet.of(ids);
    expect(set.size).toBe(4);
    expect([...set]).toEqual(ids);
    expect(RequestIdSet.of(set)).toBe(set);
  });

  it('once sorted, an id added twice being one, finds each id and no other', () => {
    const set = RequestIdSet.of([...ids, '01K0E', '01K0D']).sorted();
    expect([...set]).toEqual(['01K0A', '01K0B', '01K0C', '01K0D', '01K0E']);
    expect(set.size).toBe(5);
    for (const [index, id] of [...set].entries()) expect(set.indexOf(id)).toBe(index);
    expect(set.at(set.indexOf('01K0D'))).toBe('01K0D');
    expect(set.indexOf('01K0Z')).toBe(-1);
    expect(set.indexOf('01K0')).toBe(-1);
    // latin1 would store U+0141 as 0x41, "A": not a lookalike of 01K0A.
    expect(set.indexOf('01K0\u0141')).toBe(-1);
    expect(set.sorted()).toBe(set);
  });

  it('sorts itself on the first lookup, and finds each of thousands of ULIDs', () => {
    const many = Array.from({ length: 5000 }, (_, i) => `01K${String(i * 7919).padStart(23, '0')}`);
    const set = RequestIdSet.of(many.toReversed());
    for (const [index, id] of many.entries()) expect(set.indexOf(id)).toBe(index);
    expect(set.indexOf(`01K${'9'.repeat(23)}`)).toBe(-1);
  });

  it('refuses an id of another length or outside printable ASCII, naming it', () => {
    const set = RequestIdSet.of(['01K0A']);
    expect(() => set.add('01K0AB')).toThrow(
      'Request id "01K0AB" must be printable ASCII characters, 5 of them like the ids before it',
    );
    expect(() => new RequestIdSet().add('01 0A')).toThrow(
      'Request id "01 0A" must be printable ASCII characters',
    );
    set.sorted();
    expect(() => set.add('01K0B')).toThrow('add after sorted');
  });
});
