import { describe, expect, it } from 'vitest';
import {
  endLines,
  initStartLine,
  runtimeVersionOf,
  startLine,
} from '../../local/lambda/platform-log.mjs';
import {
  formatLogLine,
  isProblem,
  levelOf,
  parsePlatformReport,
  platformLineAsText,
} from '../../ops/log-format';

const ID = '8f5ac9b2-3c4d-4e5f-9a0b-1c2d3e4f5a6b';
const cold = {
  requestId: ID,
  durationMs: 12.345,
  memorySizeMB: 256,
  maxMemoryUsedMB: 41,
  initDurationMs: 150.5,
  status: 'success' as const,
};

describe('platform lines in the JSON log format', () => {
  it('are platform.start, platform.runtimeDone and platform.report records shaped as Lambda writes them', () => {
    const start = JSON.parse(startLine('JSON', ID)) as Record<string, unknown>;
    expect(start).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      type: 'platform.start',
      record: { requestId: ID, version: '$LATEST' },
    });
    const [done, report] = endLines('JSON', cold).map((l) => JSON.parse(l) as unknown);
    expect(done).toMatchObject({
      type: 'platform.runtimeDone',
      record: { requestId: ID, status: 'success' },
    });
    expect(report).toEqual({
      time: expect.any(String),
      type: 'platform.report',
      record: {
        requestId: ID,
        metrics: {
          durationMs: 12.35,
          billedDurationMs: 13,
          memorySizeMB: 256,
          maxMemoryUsedMB: 41,
          initDurationMs: 150.5,
        },
        status: 'success',
      },
    });
  });

  it('parse to the same report as the text REPORT line, cold or warm', () => {
    for (const r of [cold, { ...cold, initDurationMs: undefined }]) {
      const text = parsePlatformReport(endLines('Text', r)[1]);
      const json = parsePlatformReport(endLines('JSON', r)[1]);
      expect(json).toEqual(text);
      expect(text).toMatchObject({ requestId: ID, billedDurationMs: 13, maxMemoryUsedMB: 41 });
    }
    expect(parsePlatformReport(endLines('JSON', cold)[1])?.initDurationMs).toBe(150.5);
    expect(parsePlatformReport(startLine('JSON', ID))).toBeUndefined();
    expect(parsePlatformReport('{"level":"INFO","message":"REPORT"}')).toBeUndefined();
  });

  it('open a cold start with platform.initStart naming the runtime version, as INIT_START does', () => {
    const version = runtimeVersionOf('v24.21.0', 'us-east-1');
    expect(version).toEqual({
      runtimeVersion: 'nodejs:24.v21',
      runtimeVersionArn: 'arn:aws:lambda:us-east-1::runtime:node-v24.21.0',
    });
    const init = { ...version, functionName: 'fn' };
    expect(JSON.parse(initStartLine('JSON', init))).toEqual({
      time: expect.any(String),
      type: 'platform.initStart',
      record: {
        initializationType: 'on-demand',
        phase: 'init',
        runtimeVersion: 'nodejs:24.v21',
        runtimeVersionArn: 'arn:aws:lambda:us-east-1::runtime:node-v24.21.0',
        functionName: 'fn',
        functionVersion: '$LATEST',
      },
    });
    expect(initStartLine('Text', init)).toBe(
      'INIT_START Runtime Version: nodejs:24.v21\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:node-v24.21.0',
    );
  });

  it('read as the text INIT_START, START, END and REPORT lines they stand for', () => {
    const init = { ...runtimeVersionOf('v24.21.0', 'us-east-1'), functionName: 'fn' };
    const jsonLines = [
      initStartLine('JSON', init),
      startLine('JSON', ID),
      ...endLines('JSON', cold),
    ];
    const textLines = [
      initStartLine('Text', init),
      startLine('Text', ID),
      ...endLines('Text', cold),
    ];
    expect(jsonLines.map((l) => platformLineAsText(l))).toEqual(textLines);
    expect(platformLineAsText(textLines[1] ?? '')).toBeUndefined();
    const shown = formatLogLine('requestor', 0, jsonLines[3] ?? '', {
      colour: false,
      pretty: true,
    });
    expect(shown).toBe(`[requestor] ${textLines[3]}`);
  });

  it('tell of a timeout or a dead runtime as an error in either format, and of a handled error only in JSON', () => {
    const timeout = { ...cold, status: 'timeout' as const, errorType: 'Sandbox.Timedout' };
    for (const format of ['Text', 'JSON'] as const) {
      const [, report] = endLines(format, timeout);
      expect(levelOf(report)).toBe('ERROR');
      expect(isProblem(report)).toBe(true);
      expect(parsePlatformReport(report)?.status).toBe('timeout');
    }
    expect(endLines('Text', timeout)[1]).toMatch(/\tStatus: timeout$/);
    const exited = { ...cold, status: 'error' as const, errorType: 'Runtime.ExitError' };
    expect(endLines('Text', exited)[1]).toMatch(/\tStatus: error\tError Type: Runtime.ExitError$/);
    expect(levelOf(endLines('JSON', exited)[1])).toBe('ERROR');

    // The handler's own error: logged by the runtime as its own ERROR line, not by the report.
    const handled = { ...cold, status: 'error' as const, errorType: 'ValiError' };
    expect(endLines('Text', handled)[1]).not.toContain('Status');
    expect(parsePlatformReport(endLines('JSON', handled)[1])).toMatchObject({
      status: 'error',
      errorType: 'ValiError',
    });
    expect(levelOf(endLines('JSON', handled)[1])).toBe('INFO');
  });
});
