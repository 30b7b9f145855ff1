import { describe, expect, it } from 'vitest';
import { lastAcknowledged, quarterOf, slopePerThousand } from '../../bench/memory';
import { BENCH, benchOptions } from '../../bench/run';
import { parse } from '../../commands/cli';

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

  it('places a count in its quarter of the run, the end in the last', () => {
    const counts = [0, 14_999, 15_000, 29_999, 30_000, 44_999, 45_000, 60_000];
    expect(counts.map((n) => quarterOf(n, 60_000))).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
  });
});

describe('memory bench: the slope between two peaks', () => {
  it('is MB per 1,000 round trips, falling as well as rising', () => {
    expect(slopePerThousand(460, 466, 10_000)).toBeCloseTo(0.6);
    expect(slopePerThousand(497, 492, 10_000)).toBeCloseTo(-0.5);
  });
});

describe('npm run bench', () => {
  const read = (argv: string[]) => benchOptions(parse(argv, BENCH.options));

  it('measures memory in short runs by default, and adds the 10,000- and 120,000-request runs with --long', () => {
    expect(read([]).memoryRequests).toEqual([100, 1000]);
    expect(read(['--long']).memoryRequests).toEqual([100, 1000, 10_000, 120_000]);
    expect(read(['--long', '--memory-requests', '500']).memoryRequests).toEqual([500]);
  });
});
