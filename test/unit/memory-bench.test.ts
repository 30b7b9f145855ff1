import { describe, expect, it } from 'vitest';
import { lastAcknowledged, slopePerThousand, thirdOf } from '../../bench/memory';

describe('memory bench: reading npm start progress', () => {
  it('takes the last acknowledged count of a chunk of progress lines', () => {
    const chunk =
      'requested 3000/30000  generated 900  stored 850  acknowledged 800  duplicates 0  rejected 0  | queues\n' +
      'requested 4000/30000  generated 1200  stored 1150  acknowledged 1100  duplicates 0  rejected 0  | queues\n';
    expect(lastAcknowledged(chunk)).toBe(1100);
  });

  it('finds no count in output that is not a progress line', () => {
    expect(lastAcknowledged('Local cloud up in 0.44 s (synth 0.00 s)\n')).toBeUndefined();
    expect(lastAcknowledged('unacknowledged 5\n')).toBeUndefined();
  });

  it('places a count in the first, second or last third of the run', () => {
    expect([0, 9_999, 10_000, 19_999, 20_000, 30_000].map((n) => thirdOf(n, 30_000))).toEqual([
      0, 0, 1, 1, 2, 2,
    ]);
  });
});

describe('memory bench: the slope between two peaks', () => {
  it('is MB per 1,000 round trips, falling as well as rising', () => {
    expect(slopePerThousand(460, 466, 10_000)).toBeCloseTo(0.6);
    expect(slopePerThousand(497, 492, 10_000)).toBeCloseTo(-0.5);
  });
});
