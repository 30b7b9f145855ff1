import { describe, expect, it } from 'vitest';
import { ConfigError, describeError } from '../../functions/shared/errors';
import { invocationScope, traceIdFrom } from '../../functions/shared/invocation';
import { Logger, type LogLevel, logLevelFromEnv } from '../../functions/shared/logger';
import { Metrics } from '../../functions/shared/metrics';
import { clock } from './fakes';

const TRACE_HEADER = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';

function capture(level: LogLevel = 'INFO') {
  const lines: Record<string, unknown>[] = [];
  const logger = new Logger(
    { service: 'test' },
    { level, clock, sink: (line) => lines.push(JSON.parse(line)) },
  );
  return { lines, logger };
}

function logAtEveryLevel(logger: Logger): void {
  logger.debug('d');
  logger.info('i');
  logger.warn('w');
  logger.error('e');
}

describe('the logger', () => {
  it('writes one JSON line with timestamp, level, message, persistent and call fields', () => {
    const { lines, logger } = capture();

    logger.child({ requestId: 'r1' }).info('hello', { messageId: 'm1' });

    expect(lines).toEqual([
      {
        timestamp: '2026-11-24T12:00:00.000Z',
        level: 'INFO',
        message: 'hello',
        service: 'test',
        requestId: 'r1',
        messageId: 'm1',
      },
    ]);
  });

  it.each([
    ['TRACE', ['d', 'i', 'w', 'e']],
    ['DEBUG', ['d', 'i', 'w', 'e']],
    ['INFO', ['i', 'w', 'e']],
    ['WARN', ['w', 'e']],
    ['ERROR', ['e']],
    ['FATAL', []],
  ] as const)('at level %s drops the lines below it', (level, kept) => {
    const { lines, logger } = capture(level);
    logAtEveryLevel(logger);
    expect(lines.map((line) => line.message)).toEqual(kept);
  });

  it('keeps its level in child loggers', () => {
    const { lines, logger } = capture('WARN');
    logAtEveryLevel(logger.child({ extra: 1 }));
    expect(lines.map((line) => line.message)).toEqual(['w', 'e']);
  });

  it('writes a logged error as its name, message and stack', () => {
    const { lines, logger } = capture();
    const error = Object.assign(new TypeError('bad thing'), { code: 'E42' });

    logger.error('failed', { error });

    expect(lines[0]?.error).toEqual({
      name: 'TypeError',
      message: 'bad thing',
      stack: error.stack,
      code: 'E42',
    });
    expect(lines[0]?.error).toHaveProperty('stack', expect.stringContaining('logger.test.ts'));
  });

  it('describes a thrown non-Error under the error key too', () => {
    const { lines, logger } = capture();
    logger.error('failed', { error: null });
    logger.error('failed', { error: 'just a string' });
    expect(lines.map((line) => line.error)).toEqual([
      { name: 'null', message: 'null' },
      { name: 'string', message: 'just a string' },
    ]);
  });

  it('never throws on fields JSON cannot hold, and says so in the line', () => {
    const { lines, logger } = capture();
    const circular: Record<string, unknown> = {};
    circular.self = circular;

    logger.warn('odd fields', { circular, big: 10n });

    expect(lines[0]).toMatchObject({ level: 'WARN', message: 'odd fields', service: 'test' });
    expect(lines[0]?.logFailure).toMatch(/could not be serialized/);
  });

  it('writes bigints as strings', () => {
    const { lines, logger } = capture();
    logger.info('count', { big: 10n });
    expect(lines[0]?.big).toBe('10');
  });
});

describe('the log level setting', () => {
  it('defaults to INFO', () => {
    expect(logLevelFromEnv({})).toBe('INFO');
  });

  it('follows Lambda’s AWS_LAMBDA_LOG_LEVEL over LOG_LEVEL', () => {
    expect(logLevelFromEnv({ AWS_LAMBDA_LOG_LEVEL: 'ERROR', LOG_LEVEL: 'DEBUG' })).toBe('ERROR');
  });

  it('falls back to LOG_LEVEL, in any case', () => {
    expect(logLevelFromEnv({ LOG_LEVEL: 'debug' })).toBe('DEBUG');
  });

  it('refuses a value that is not a level, naming the variable', () => {
    expect(() => logLevelFromEnv({ LOG_LEVEL: 'LOUD' })).toThrow(ConfigError);
    expect(() => logLevelFromEnv({ AWS_LAMBDA_LOG_LEVEL: 'LOUD' })).toThrow(
      /AWS_LAMBDA_LOG_LEVEL must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL, got "LOUD"/,
    );
  });
});

describe('invocation fields', () => {
  it('mark the first invocation of an environment as the cold start, and no other', () => {
    const { lines, logger } = capture();
    const begin = invocationScope({});

    begin({ logger }, { awsRequestId: 'a' }).logger.info('first');
    begin({ logger }, { awsRequestId: 'b' }).logger.info('second');

    expect(lines.map((line) => [line.function_request_id, line.cold_start])).toEqual([
      ['a', true],
      ['b', false],
    ]);
  });

  it('carry the X-Ray trace id that Lambda sets for each invocation', () => {
    const { lines, logger } = capture();
    const env: NodeJS.ProcessEnv = { _X_AMZN_TRACE_ID: TRACE_HEADER };
    const begin = invocationScope(env);

    begin({ logger }).logger.info('one');
    env._X_AMZN_TRACE_ID = 'Root=1-00000000-000000000000000000000002;Sampled=0';
    begin({ logger }).logger.info('two');

    expect(lines.map((line) => line.xray_trace_id)).toEqual([
      '1-5759e988-bd862e3fe1be46a994272793',
      '1-00000000-000000000000000000000002',
    ]);
  });

  it('leave out the trace id where no trace header is set', () => {
    const { lines, logger } = capture();
    invocationScope({})({ logger }).logger.info('untraced');
    expect(lines[0]).not.toHaveProperty('xray_trace_id');
  });

  it.each([
    [TRACE_HEADER, '1-5759e988-bd862e3fe1be46a994272793'],
    ['Parent=53995c3f42cd8ad8; Root=1-abc', '1-abc'],
    ['Parent=53995c3f42cd8ad8', undefined],
    [undefined, undefined],
  ])('read the Root of trace header %s', (header, root) => {
    expect(traceIdFrom(header)).toBe(root);
  });
});

describe('describeError', () => {
  it.each([
    ['null', null, { name: 'null', message: 'null' }],
    ['undefined', undefined, { name: 'undefined', message: 'undefined' }],
    ['a number', 42, { name: 'number', message: '42' }],
    ['a plain object', { why: 'because' }, { name: 'object', message: '{"why":"because"}' }],
    ['an object without a prototype', Object.create(null), { name: 'object', message: '{}' }],
  ])('describes %s without throwing', (_, thrown, description) => {
    expect(describeError(thrown)).toEqual(description);
  });

  it('describes an object that cannot be printed at all', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(describeError(circular)).toEqual({ name: 'object', message: '[object Object]' });
  });

  it('keeps an error’s scalar properties and leaves out nested objects such as HTTP responses', () => {
    const error = Object.assign(new Error('throttled'), {
      name: 'ThrottlingException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
      $response: { body: { pipe: () => {} } },
    });

    const description = describeError(error);

    expect(description).toMatchObject({
      name: 'ThrottlingException',
      message: 'throttled',
      $fault: 'client',
    });
    expect(description).not.toHaveProperty('$metadata');
    expect(description).not.toHaveProperty('$response');
  });
});

describe('EMF metrics', () => {
  it('flush one embedded-metric line per invocation, with the Service dimension', () => {
    const lines: Record<string, unknown>[] = [];
    const metrics = new Metrics('NS', 'generator', (line) => lines.push(JSON.parse(line)), clock);

    metrics.add('Generated', 3);
    metrics.add('Duplicate');
    metrics.add('Rejected', 0);
    metrics.flush();
    metrics.flush();

    expect(lines).toEqual([
      {
        _aws: {
          Timestamp: clock().getTime(),
          CloudWatchMetrics: [
            {
              Namespace: 'NS',
              Dimensions: [['Service']],
              Metrics: [
                { Name: 'Generated', Unit: 'Count' },
                { Name: 'Duplicate', Unit: 'Count' },
              ],
            },
          ],
        },
        Service: 'generator',
        Generated: 3,
        Duplicate: 1,
      },
    ]);
  });
});
