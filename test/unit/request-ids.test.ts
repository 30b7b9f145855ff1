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

  it('meets each id once, an id added twice being one, and lists the rest in order', () => {
    const set = RequestIdSet.of([...ids, '01K0E', '01K0D']);
    expect(set.meet('01K0B')).toBe(true);
    expect(set.meet('01K0B')).toBe(false);
    expect(set.meet('01K0A')).toBe(true);
    expect(set.meet('01K0A')).toBe(false);
    expect(set.meet('01K0Z')).toBe(false);
    expect(set.meet('01K0')).toBe(false);
    // latin1 would store U+0141 as 0x41, "A": not a lookalike of 01K0A.
    expect(set.meet('01K0\u0141')).toBe(false);
    expect([...set.unmet()]).toEqual(['01K0C', '01K0D', '01K0E']);
  });

  it('holds thousands of ULIDs and finds each', () => {
    const many = Array.from({ length: 5000 }, (_, i) => `01K${String(i * 7919).padStart(23, '0')}`);
    const set = RequestIdSet.of(many.toReversed());
    for (const id of many.filter((_, i) => i % 2 === 0)) expect(set.meet(id)).toBe(true);
    expect([...set.unmet()]).toEqual(many.filter((_, i) => i % 2 === 1));
  });

  it('refuses an id of another length or outside printable ASCII, naming it', () => {
    const set = RequestIdSet.of(['01K0A']);
    expect(() => set.add('01K0AB')).toThrow(
      'Request id "01K0AB" must be printable ASCII characters, 5 of them like the ids before it',
    );
    expect(() => new RequestIdSet().add('01 0A')).toThrow(
      'Request id "01 0A" must be printable ASCII characters',
    );
    set.meet('01K0A');
    expect(() => set.add('01K0B')).toThrow('add after meet');
  });
});
