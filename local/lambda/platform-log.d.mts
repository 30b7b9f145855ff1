/** Types of platform-log.mjs: the platform's lines around an invocation, in either log format. */

/** A function's `LoggingConfig.LogFormat`. */
export type LogFormat = 'Text' | 'JSON';

/** What the REPORT line (or platform.report record) of an invocation says. */
export interface InvocationReport {
  readonly requestId: string;
  readonly durationMs: number;
  readonly memorySizeMB: number;
  readonly maxMemoryUsedMB: number;
  /** Only on a cold start (the invocation its environment was started for). */
  readonly initDurationMs?: number;
  readonly status: 'success' | 'error' | 'timeout';
  /** Why an invocation did not succeed (`Sandbox.Timedout`...). */
  readonly errorType?: string;
}

/** The runtime version INIT_START names: `nodejs:24.v21` and its ARN. */
export interface RuntimeVersion {
  readonly runtimeVersion: string;
  readonly runtimeVersionArn: string;
}

/** The runtime version of the Node `nodeVersion` (`v24.21.0`), as INIT_START names it. */
export function runtimeVersionOf(nodeVersion: string, region: string): RuntimeVersion;
/** INIT_START, or a platform.initStart record: a cold start's first line. */
export function initStartLine(
  format: LogFormat,
  init: RuntimeVersion & { readonly functionName: string },
): string;
/** The line that opens an invocation: START, or a platform.start record. */
export function startLine(format: LogFormat, requestId: string): string;
/** END and REPORT, or platform.runtimeDone and platform.report records. */
export function endLines(format: LogFormat, report: InvocationReport): [string, string];
/** Whether `line` is the REPORT (or platform.report) line of `requestId`. */
export function isReportOf(line: string, requestId: string): boolean;
