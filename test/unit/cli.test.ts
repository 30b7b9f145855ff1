import { describe, expect, it } from 'vitest';
import {
  integerOption,
  type OptionSpecs,
  parse,
  positiveNumberOption,
  UsageError,
} from '../../commands/cli';
import { colourFor } from '../../commands/terminal';
import { nearest } from '../../lib/nearest';

const COUNT = { requests: { type: 'string', short: 'n', description: 'how many' } } as const;

describe('integer options', () => {
  it('take plain decimal digits within the range', () => {
    expect(integerOption('requests', '100', { min: 1, max: 1000 })).toBe(100);
    expect(integerOption('max', '7', { min: 1 })).toBe(7);
  });

  it.each(['-5', '1e3', '0x10', '+5', '5.0', ' 5', '', 'Infinity', '99999999999999999999'])(
    'refuse %j, naming the option, its range and the value',
    (raw) => {
      expect(() => integerOption('requests', raw, { min: 1, max: 1_000_000 })).toThrow(
        new UsageError(`--requests must be an integer from 1 to 1000000, got ${raw}`),
      );
    },
  );

  it('refuse values outside the range', () => {
    expect(() => integerOption('requests', '0', { min: 1 })).toThrow(
      '--requests must be an integer of at least 1, got 0',
    );
    expect(() => integerOption('peek', '101', { min: 0, max: 100 })).toThrow(
      '--peek must be an integer from 0 to 100, got 101',
    );
  });
});

describe('positive number options', () => {
  it('take finite decimals above zero', () => {
    expect(positiveNumberOption('time-scale', '60')).toBe(60);
    expect(positiveNumberOption('time-scale', '0.5')).toBe(0.5);
    expect(positiveNumberOption('time-scale', '.25')).toBe(0.25);
  });

  it.each(['Infinity', '0', '-1', '1e3', '0x10', 'NaN', '', 'fast'])('refuse %j', (raw) => {
    expect(() => positiveNumberOption('time-scale', raw)).toThrow(
      new UsageError(`--time-scale must be a positive decimal number, got ${raw}`),
    );
  });
});

describe('parsing the command line', () => {
  it('says in one line that a dash value needs the = form, long or short', () => {
    expect(() => parse(['--requests', '-5'], COUNT as OptionSpecs)).toThrow(
      new UsageError(
        '--requests got -5, which looks like an option; write --requests=-5 if it is the value',
      ),
    );
    expect(() => parse(['-n', '-5'], COUNT as OptionSpecs)).toThrow(
      '-n got -5, which looks like an option; write --requests=-5 if it is the value',
    );
  });

  it('reports any parse error as one line', () => {
    try {
      parse(['--requests'], COUNT as OptionSpecs);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).not.toContain('\n');
      expect((error as Error).message).toContain('--requests');
    }
  });
});

describe('what a command prints for a person', () => {
  it('suggests the nearest option only when it is a correction, not a guess', () => {
    expect(nearest('--reqests', ['--requests', '--keep'])).toBe('--requests');
    expect(nearest('--State', ['--state-dir', '--state'])).toBe('--state');
    expect(nearest('--colour', ['--requests', '--keep'])).toBeUndefined();
  });

  it('colours only a terminal, and never with NO_COLOR set or a dumb terminal', () => {
    const tty = { isTTY: true };
    expect(colourFor(tty, { TERM: 'xterm' })).toBe(true);
    expect(colourFor({ isTTY: false }, { TERM: 'xterm' })).toBe(false);
    expect(colourFor(tty, { TERM: 'xterm', NO_COLOR: '1' })).toBe(false);
    expect(colourFor(tty, { TERM: 'xterm', NO_COLOR: '' })).toBe(true);
    expect(colourFor(tty, { TERM: 'dumb' })).toBe(false);
  });
});
