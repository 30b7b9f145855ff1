import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Logger } from '../../functions/shared/logger';
import { endLines } from '../../local/lambda/platform-log.mjs';
import { compileFilterPattern, FilterPatternError } from '../../local/logs/filter';

const json = (fields: Record<string, unknown>) => JSON.stringify(fields);
const error = json({ level: 'ERROR', requestId: 'abc', duration: 250, cold: true, tag: null });
const info = json({ level: 'INFO', requestId: 'abd', duration: 40, cold: false });
const report =
  'REPORT RequestId: abc\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 256 MB';

/** Which of the messages `pattern` selects. */
const select = (pattern: string, messages = [error, info, report]) =>
  messages.filter(compileFilterPattern(pattern));

describe('CloudWatch Logs text filter patterns', () => {
  it('matches every event with an empty pattern', () => {
    expect(select('  ')).toEqual([error, info, report]);
  });

  it('matches events containing every term, case-sensitively', () => {
    expect(select('REPORT Duration')).toEqual([report]);
    expect(select('report')).toEqual([]);
  });

  it('matches a quoted phrase as one term', () => {
    expect(select('"Billed Duration: 13"')).toEqual([report]);
    expect(select('"Duration: 13"')).toEqual([report]);
    expect(select('"Duration: 99"')).toEqual([]);
  });

  it('drops events with an excluded term', () => {
    expect(select('requestId -ERROR')).toEqual([info]);
  });

  it('matches any of the ?terms', () => {
    expect(select('?ERROR ?REPORT')).toEqual([error, report]);
  });

  it('matches a %regex% term', () => {
    expect(select('%Duration: \\d+\\.\\d+ ms%')).toEqual([report]);
  });
});

describe('CloudWatch Logs JSON filter patterns', () => {
  it('compares a string field, with * as a wildcard', () => {
    expect(select('{ $.level = "ERROR" }')).toEqual([error]);
    expect(select('{ $.requestId = "abc" }')).toEqual([error]);
    expect(select('{ $.requestId = ab* }')).toEqual([error, info]);
    expect(select('{ $.level != "ERROR" }')).toEqual([info]);
  });

  it('compares a number field', () => {
    expect(select('{ $.duration > 100 }')).toEqual([error]);
    expect(select('{ $.duration <= 40 }')).toEqual([info]);
    expect(select('{ $.duration = 250 }')).toEqual([error]);
  });

  it('joins comparisons with && and ||, grouped by parentheses', () => {
    expect(select('{ $.level = "ERROR" && $.duration > 1000 }')).toEqual([]);
    expect(select('{ $.level = "INFO" || $.duration > 100 }')).toEqual([error, info]);
    expect(select('{ ($.level = "INFO" || $.level = "ERROR") && $.duration < 100 }')).toEqual([
      info,
    ]);
  });

  it('tests for true, false, null and missing fields', () => {
    expect(select('{ $.cold IS TRUE }')).toEqual([error]);
    expect(select('{ $.cold IS FALSE }')).toEqual([info]);
    expect(select('{ $.tag IS NULL }')).toEqual([error]);
    expect(select('{ $.tag NOT EXISTS }')).toEqual([info]);
  });

  it('reads nested fields and array elements, and the JSON after a text prefix', () => {
    const nested = `2026-01-01T00:00:00Z\tid\tINFO\t${json({ error: { codes: ['E1', 'E2'] } })}`;
    expect(select('{ $.error.codes[1] = "E2" }', [nested, error])).toEqual([nested]);
  });

  it('never matches a message that is not JSON', () => {
    expect(select('{ $.level = "ERROR" }', ['level ERROR', '{ not json'])).toEqual([]);
  });
});

describe('unsupported filter patterns', () => {
  it.each([
    ['[ip, user, status = 500]', 'space-delimited'],
    ['{ $.level = "ERROR" ', 'must end with }'],
    ['{ level = "ERROR" }', 'expected a selector'],
    ['{ $.level ~ "ERROR" }', 'unexpected'],
    ['{ $.level > "ERROR" }', 'compares numbers only'],
    ['{ $.level = "ERROR" && }', 'expected a selector'],
    ['{ $.a IS MAYBE }', 'expected NULL, TRUE or FALSE'],
    ['%unclosed(%', 'invalid regular expression'],
  ])('refuses %s, naming it', (pattern, why) => {
    expect(() => compileFilterPattern(pattern)).toThrow(FilterPatternError);
    expect(() => compileFilterPattern(pattern)).toThrow(
      `Invalid filter pattern ${JSON.stringify(pattern)}`,
    );
    expect(() => compileFilterPattern(pattern)).toThrow(why);
  });
});

describe('the filter patterns the docs give', () => {
  it('each select a line these functions or the platform write', () => {
    const doc = readFileSync(resolve(import.meta.dirname, '../../docs/local-cloud.md'), 'utf8');
    const patterns = [...doc.matchAll(/`(\{ \$\.[^`]+\})`/g)].map((m) => m[1] ?? '');
    expect(patterns.length).toBeGreaterThanOrEqual(4);
    const lines: string[] = [];
    const logger = new Logger(
      { service: 'generator', function_request_id: 'f0', cold_start: true },
      { sink: (line) => lines.push(line), level: 'INFO' },
    );
    logger.info('generated string', { requestId: '01JD6X6B8V0Q4S2T9W3Y5Z7A1C' });
    logger.error('rejected message', { requestId: '01JD6X6B8V0Q4S2T9W3Y5Z7A1D' });
    lines.push(
      ...endLines('JSON', {
        requestId: 'f0',
        durationMs: 150.5,
        memorySizeMB: 256,
        maxMemoryUsedMB: 40,
        initDurationMs: 120,
        status: 'success',
      }),
    );
    for (const pattern of patterns) {
      expect(lines.filter(compileFilterPattern(pattern)), pattern).not.toEqual([]);
    }
  });
});
