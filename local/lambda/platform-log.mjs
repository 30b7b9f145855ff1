// @ts-check
// The lines Lambda's platform writes around each invocation, in the function's log format: text
// (START / END / REPORT) or JSON (platform.start / platform.runtimeDone / platform.report records,
// as CloudWatch receives them with `LoggingConfig.LogFormat: JSON`). Plain JavaScript, shared by
// the worker thread (worker.mjs) and the runner that writes the lines of an invocation its
// environment did not finish; ops/log-format.ts parses both formats back.

/** @typedef {'Text' | 'JSON'} LogFormat */
/**
 * @typedef {object} InvocationReport
 * @property {string} requestId
 * @property {number} durationMs
 * @property {number} memorySizeMB
 * @property {number} maxMemoryUsedMB
 * @property {number} [initDurationMs] only on a cold start (the invocation its environment was
 *   started for)
 * @property {'success' | 'error' | 'timeout'} status
 * @property {string} [errorType] why an invocation did not succeed (`Sandbox.Timedout`...)
 */

/**
 * @typedef {object} RuntimeVersion
 * @property {string} runtimeVersion `nodejs:24.v21`
 * @property {string} runtimeVersionArn
 */

/**
 * The runtime version Lambda names in INIT_START, for the Node that really runs the function.
 * Lambda's `nodejs:24.vN` counts its own builds; here N is Node's minor version, and the ARN's
 * last part names the exact Node (`node-v24.21.0`), so tools can tell which one runs.
 * @param {string} nodeVersion `process.version` of the Node running the function
 * @param {string} region
 * @returns {RuntimeVersion}
 */
export function runtimeVersionOf(nodeVersion, region) {
  const [major, minor] = nodeVersion.replace(/^v/, '').split('.');
  return {
    runtimeVersion: `nodejs:${major}.v${minor}`,
    runtimeVersionArn: `arn:aws:lambda:${region}::runtime:node-${nodeVersion}`,
  };
}

/**
 * The line that opens an environment's init phase (a cold start), naming its runtime version.
 * @param {LogFormat} format
 * @param {RuntimeVersion & { functionName: string }} init
 * @returns {string}
 */
export function initStartLine(format, init) {
  if (format === 'JSON') {
    return JSON.stringify({
      time: new Date().toISOString(),
      type: 'platform.initStart',
      record: {
        initializationType: 'on-demand',
        phase: 'init',
        runtimeVersion: init.runtimeVersion,
        runtimeVersionArn: init.runtimeVersionArn,
        functionName: init.functionName,
        functionVersion: '$LATEST',
      },
    });
  }
  return `INIT_START Runtime Version: ${init.runtimeVersion}\tRuntime Version ARN: ${init.runtimeVersionArn}`;
}

/** Lambda bills whole milliseconds, at least one. */
const billed = (/** @type {number} */ ms) => Math.max(1, Math.ceil(ms));
/** Durations as Lambda writes them: milliseconds with two decimals. */
const ms2 = (/** @type {number} */ ms) => Math.round(ms * 100) / 100;

/**
 * The line that opens an invocation.
 * @param {LogFormat} format
 * @param {string} requestId
 * @returns {string}
 */
export function startLine(format, requestId) {
  if (format === 'JSON') {
    return JSON.stringify({
      time: new Date().toISOString(),
      type: 'platform.start',
      record: { requestId, version: '$LATEST' },
    });
  }
  return `START RequestId: ${requestId} Version: $LATEST`;
}

/**
 * The two lines that close an invocation: END and REPORT, or platform.runtimeDone and
 * platform.report. JSON records carry every invocation's status (and errorType when it is not
 * success); a text REPORT line names it only when the platform ended the invocation (`Status:
 * timeout`, `Status: error` with `Error Type: Runtime.ExitError`), as Lambda writes them.
 * @param {LogFormat} format
 * @param {InvocationReport} report
 * @returns {[string, string]}
 */
export function endLines(format, report) {
  const { requestId, durationMs, memorySizeMB, maxMemoryUsedMB, initDurationMs, status } = report;
  if (format === 'JSON') {
    const time = new Date().toISOString();
    const failed = status === 'success' ? {} : { errorType: report.errorType ?? 'Runtime.Unknown' };
    return [
      JSON.stringify({
        time,
        type: 'platform.runtimeDone',
        record: { requestId, status, ...failed, metrics: { durationMs: ms2(durationMs) } },
      }),
      JSON.stringify({
        time,
        type: 'platform.report',
        record: {
          requestId,
          metrics: {
            durationMs: ms2(durationMs),
            billedDurationMs: billed(durationMs),
            memorySizeMB,
            maxMemoryUsedMB,
            ...(initDurationMs === undefined ? {} : { initDurationMs: ms2(initDurationMs) }),
          },
          status,
          ...failed,
        },
      }),
    ];
  }
  return [
    `END RequestId: ${requestId}`,
    `REPORT RequestId: ${requestId}\tDuration: ${durationMs.toFixed(2)} ms\tBilled Duration: ${billed(durationMs)} ms\tMemory Size: ${memorySizeMB} MB\tMax Memory Used: ${maxMemoryUsedMB} MB` +
      (initDurationMs === undefined ? '' : `\tInit Duration: ${initDurationMs.toFixed(2)} ms`) +
      (platformFailure(report) ? `\tStatus: ${status}` : '') +
      (platformFailure(report) && status === 'error' ? `\tError Type: ${report.errorType}` : ''),
  ];
}

/**
 * Whether the platform, not the handler, ended the invocation (a timeout, a runtime that exited):
 * only then does a text REPORT line carry a Status. A handler's own error shows in JSON records only.
 * @param {InvocationReport} report
 */
function platformFailure(report) {
  if (report.status === 'success') return false;
  return report.status === 'timeout' || (report.errorType ?? '').startsWith('Runtime.');
}

/**
 * Whether `line` is the REPORT (or platform.report) line of `requestId`: the last line of an
 * invocation. Cheap, for every line a function writes.
 * @param {string} line
 * @param {string} requestId
 * @returns {boolean}
 */
export function isReportOf(line, requestId) {
  if (line.startsWith('REPORT RequestId: '))
    return line.startsWith(`REPORT RequestId: ${requestId}`);
  return (
    line.startsWith('{"time":') &&
    line.includes('"type":"platform.report"') &&
    line.includes(`"requestId":"${requestId}"`)
  );
}
