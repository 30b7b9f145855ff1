/**
 * How function log lines are read and shown to a person: one colour per function, JSON
 * pretty-printed, and Lambda's platform lines (START/END/REPORT, or their platform.* JSON records
 * with `LogFormat: JSON`) understood in either format.
 */

const COLOURS = [36, 35, 33, 32, 34] as const; // cyan, magenta, yellow, green, blue
const RED = 31;

/** Display options. */
export interface LogFormat {
  /** ANSI colours (a terminal). */
  readonly colour: boolean;
  /** JSON lines indented over several lines. */
  readonly pretty: boolean;
}

const paint = (code: number, text: string, on: boolean) =>
  on ? `\x1b[${code}m${text}\x1b[0m` : text;

/** What a REPORT line or a platform.report record says about one invocation. */
export interface PlatformReport {
  readonly requestId: string;
  readonly durationMs: number;
  readonly billedDurationMs: number;
  readonly memorySizeMB: number;
  readonly maxMemoryUsedMB: number;
  /** On a cold start (the invocation its environment was started for) only. */
  readonly initDurationMs?: number;
  /**
   * `success`, `error` or `timeout`. A text REPORT line names it only when the platform ended the
   * invocation; otherwise it reads `success` (a handler's error shows in JSON records only).
   */
  readonly status: string;
  /** Why an invocation did not succeed, when the line says (`Sandbox.Timedout`...). */
  readonly errorType?: string;
}

/** A platform.* JSON record, as Lambda writes it with `LogFormat: JSON`. */
interface PlatformRecord {
  time?: string;
  type: string;
  record: {
    requestId?: string;
    version?: string;
    status?: string;
    errorType?: string;
    metrics?: Record<string, unknown>;
    /** platform.initStart's: `nodejs:24.v21` and its ARN. */
    runtimeVersion?: string;
    runtimeVersionArn?: string;
  };
}

function platformRecord(message: string): PlatformRecord | undefined {
  if (!message.startsWith('{') || !message.includes('"platform.')) return undefined;
  try {
    const parsed = JSON.parse(message) as Partial<PlatformRecord>;
    if (typeof parsed.type !== 'string' || !parsed.type.startsWith('platform.')) return undefined;
    if (typeof parsed.record !== 'object' || parsed.record === null) return undefined;
    return parsed as PlatformRecord;
  } catch {
    return undefined;
  }
}

const REPORT_LINE =
  /^REPORT RequestId: (\S+)\tDuration: ([\d.]+) ms\tBilled Duration: (\d+) ms\tMemory Size: (\d+) MB\tMax Memory Used: (\d+) MB(?:\tInit Duration: ([\d.]+) ms)?(?:\tStatus: (\w+))?(?:\tError Type: (\S+))?/;

/**
 * The invocation report in a log line, whichever log format the function has: a text REPORT line
 * or a platform.report JSON record; undefined for any other line. Every reader of REPORT lines
 * (logs, the dev stream, the console's statistics) goes through this one parser.
 */
export function parsePlatformReport(message: string): PlatformReport | undefined {
  if (message.startsWith('REPORT ')) {
    const m = REPORT_LINE.exec(message);
    if (!m) return undefined;
    return {
      requestId: m[1] ?? '',
      durationMs: Number(m[2]),
      billedDurationMs: Number(m[3]),
      memorySizeMB: Number(m[4]),
      maxMemoryUsedMB: Number(m[5]),
      ...(m[6] === undefined ? {} : { initDurationMs: Number(m[6]) }),
      status: m[7] ?? 'success',
      ...(m[8] === undefined ? {} : { errorType: m[8] }),
    };
  }
  const platform = platformRecord(message);
  if (platform?.type !== 'platform.report') return undefined;
  const { record } = platform;
  const metrics = record.metrics ?? {};
  const num = (key: string) => Number(metrics[key] ?? Number.NaN);
  return {
    requestId: String(record.requestId ?? ''),
    durationMs: num('durationMs'),
    billedDurationMs: num('billedDurationMs'),
    memorySizeMB: num('memorySizeMB'),
    maxMemoryUsedMB: num('maxMemoryUsedMB'),
    ...(metrics.initDurationMs === undefined ? {} : { initDurationMs: num('initDurationMs') }),
    status: String(record.status ?? 'success'),
    ...(record.errorType === undefined ? {} : { errorType: String(record.errorType) }),
  };
}

/**
 * A platform.initStart, platform.start, platform.runtimeDone or platform.report record as the text
 * line Lambda writes for it in the text format (INIT_START, START, END, REPORT), for people reading
 * a terminal; undefined for any other line (text platform lines included: they are already that).
 */
export function platformLineAsText(message: string): string | undefined {
  const platform = platformRecord(message);
  if (!platform) return undefined;
  const requestId = String(platform.record.requestId ?? '');
  switch (platform.type) {
    case 'platform.initStart':
      return `INIT_START Runtime Version: ${platform.record.runtimeVersion ?? ''}\tRuntime Version ARN: ${platform.record.runtimeVersionArn ?? ''}`;
    case 'platform.start':
      return `START RequestId: ${requestId} Version: ${platform.record.version ?? '$LATEST'}`;
    case 'platform.runtimeDone':
      return `END RequestId: ${requestId}`;
    case 'platform.report': {
      const r = parsePlatformReport(message);
      if (!r) return undefined;
      // A status shows, as on a text REPORT line, when it is not success.
      return (
        `REPORT RequestId: ${r.requestId}\tDuration: ${r.durationMs.toFixed(2)} ms\tBilled Duration: ${r.billedDurationMs} ms\tMemory Size: ${r.memorySizeMB} MB\tMax Memory Used: ${r.maxMemoryUsedMB} MB` +
        (r.initDurationMs === undefined
          ? ''
          : `\tInit Duration: ${r.initDurationMs.toFixed(2)} ms`) +
        (r.status === 'success' ? '' : `\tStatus: ${r.status}`) +
        (r.errorType === undefined ? '' : `\tError Type: ${r.errorType}`)
      );
    }
    default:
      return undefined;
  }
}

/**
 * The level of a line: its JSON `level`; ERROR for a platform line telling of a timeout or a
 * runtime that exited (in either format); else INFO.
 */
export function levelOf(message: string): string {
  const report = message.startsWith('{') ? parsePlatformReport(message) : undefined;
  if (report) {
    return report.status === 'timeout' || report.errorType?.startsWith('Runtime.')
      ? 'ERROR'
      : 'INFO';
  }
  if (message.startsWith('{')) {
    const level = /"level"\s*:\s*"([A-Z]+)"/.exec(message)?.[1];
    if (level) return level;
  }
  if (/\tStatus: (timeout|error)|Task timed out|Runtime exited/.test(message)) return 'ERROR';
  return 'INFO';
}

/** Whether a line tells of a problem (WARN and above); `--quiet` shows only these. */
export function isProblem(message: string): boolean {
  return ['WARN', 'ERROR', 'FATAL'].includes(levelOf(message));
}

/**
 * One line as shown: `[label] message`, the label in the function's colour (by `index`), the
 * message pretty-printed when it is JSON, in red when it tells of an error. With `pretty`, a
 * platform.* record reads as the START/END/REPORT line it stands for (one line, not a JSON block
 * per invocation boundary).
 */
export function formatLogLine(
  label: string,
  index: number,
  message: string,
  format: LogFormat,
): string {
  const prefix = paint(COLOURS[index % COLOURS.length] ?? 36, `[${label}]`, format.colour);
  let text = message;
  const platform = format.pretty ? platformLineAsText(message) : undefined;
  if (platform !== undefined) text = platform;
  else if (format.pretty && message.startsWith('{')) {
    try {
      text = JSON.stringify(JSON.parse(message), null, 2);
    } catch {
      // Not JSON after all: shown as it came.
    }
  }
  if (levelOf(message) === 'ERROR' || levelOf(message) === 'FATAL')
    text = paint(RED, text, format.colour);
  return `${prefix} ${text}`;
}
