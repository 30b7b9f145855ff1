/** Types of platform-log.mjs: the platform's lines around an invocation, in either log format. */

/** A function's `LoggingConfig.LogFormat`. */
export type LogFormat = 'Text' | 'JSON';

/** What the REPORT line (or platform.report record) of an invocation says. */
export interface InvocationReport {
  readonly requestId: string;
  readonly durationMs: number;
  readonly memorySizeMB: number;
  readonly maxMemoryUsedMB: number;
  /** Only on the first invocation of an environment. */
  readonly initDurationMs?: number;
  readonly status: 'success' | 'error' | 'timeout';
  /** Why an invocation did not succeed (`Sandbox.Timedout`...). */
  readonly errorType?: string;
}

/** The line that opens an invocation: START, or a platform.start record. */
export function startLine(format: LogFormat, requestId: string): string;
/** END and REPORT, or platform.runtimeDone and platform.report records. */
export function endLines(format: LogFormat, report: InvocationReport): [string, string];
/** Whether `line` is the REPORT (or platform.report) line of `requestId`. */
export function isReportOf(line: string, requestId: string): boolean;
