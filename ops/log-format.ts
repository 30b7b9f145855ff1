/** How function log lines are shown to a person: one colour per function, JSON pretty-printed. */

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

/** The level of a line: its JSON `level`, else ERROR for failed platform lines, else INFO. */
export function levelOf(message: string): string {
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
 * message pretty-printed when it is JSON, in red when it tells of an error.
 */
export function formatLogLine(
  label: string,
  index: number,
  message: string,
  format: LogFormat,
): string {
  const prefix = paint(COLOURS[index % COLOURS.length] ?? 36, `[${label}]`, format.colour);
  let text = message;
  if (format.pretty && message.startsWith('{')) {
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
