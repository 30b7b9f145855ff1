/**
 * `npm run logs`: the functions' logs (START, the handler's lines, END, REPORT) through the
 * CloudWatch Logs API, from the local cloud, LocalStack or AWS; `--follow` keeps printing new ones.
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { resolveFunction, stackFunctions } from '../ops/functions';
import { formatLogLine, isProblem } from '../ops/log-format';
import { followLogs, type LogQuery, readLogs } from '../ops/logs';
import {
  CommandError,
  type CommandMain,
  type CommandSpec,
  isMain,
  type OptionSpecs,
  runCommand,
  TARGET_OPTIONS,
  targetFrom,
  UsageError,
} from './cli';
import { onInterrupt } from './ctrl-c';
import { colourFor } from './terminal';

const OPTIONS = {
  ...TARGET_OPTIONS,
  follow: {
    type: 'boolean',
    short: 'f',
    default: false,
    description: 'keep printing new events until Ctrl-C',
  },
  'request-id': {
    type: 'string',
    placeholder: 'ID',
    description: 'only events holding ID: a pipeline requestId, a Lambda request id, a message id',
  },
  since: {
    type: 'string',
    placeholder: 'DURATION',
    description: 'only events of the last DURATION: 30s, 10m, 2h (default: all kept)',
  },
  quiet: {
    type: 'boolean',
    short: 'q',
    default: false,
    description: 'only warnings and errors',
  },
  raw: {
    type: 'boolean',
    default: false,
    description: 'print each event as stored, one line each',
  },
} as const satisfies OptionSpecs;

/** What `npm run logs -- --help` says. */
export const LOGS: CommandSpec<typeof OPTIONS> = {
  invocation: 'npm run logs --',
  summary:
    "Prints the functions' log events (START, the handler's JSON lines, END, REPORT) through the CloudWatch Logs API, oldest first. Target: --endpoint, else the running local cloud, else AWS.",
  options: OPTIONS,
  arguments: [
    {
      name: 'FUNCTION',
      description: 'requestor, generator, a function name or logical id (default: both)',
    },
  ],
  examples: [
    'npm run logs',
    'npm run logs -- generator --follow',
    'npm run logs -- --request-id 01JD6X6B8V0Q4S2T9W3Y5Z7A1C',
    'npm run logs -- requestor --since 10m --endpoint http://localhost:4566',
  ],
};

/** `30s`, `10m`, `2h`, `1d` in milliseconds, or a usage error naming the option. */
export function durationMs(raw: string): number {
  const match = /^(\d+)(s|m|h|d)$/.exec(raw.trim());
  if (!match)
    throw new UsageError(`--since takes a number and s, m, h or d (30s, 10m), got ${raw}`);
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's'];
  return Number(match[1]) * unit;
}

/** The command itself, given its parsed options: `runCommand` runs it as a script, tests in-process. */
export const main: CommandMain<typeof OPTIONS> = async (values, [fn]) => {
  const startTime = values.since ? Date.now() - durationMs(values.since) : undefined;
  const target = await targetFrom(values);
  const functions = fn ? [await resolveFunction(target, fn)] : stackFunctions(target);
  const labels = stackFunctions(target).map((f) => f.label);
  const query: LogQuery = { functions, contains: values['request-id'], startTime };
  const format = { colour: colourFor(), pretty: !values.raw };
  const print = (event: { function: string; message: string }) => {
    if (values.quiet && !isProblem(event.message)) return;
    const index = Math.max(0, labels.indexOf(event.function));
    console.log(formatLogLine(event.function, index, event.message, format));
  };
  const client = new CloudWatchLogsClient(target.clientConfig('logs'));
  try {
    if (!values.follow) {
      const events = await readLogs(client, query);
      for (const event of events) print(event);
      const id = values['request-id'];
      if (id !== undefined && events.length === 0) {
        // Nothing at all is not an answer one can tell from a typo: say so, and fail.
        throw new CommandError(
          `No log event of ${functions.map((f) => f.label).join(' or ')} holds ${id}${values.since ? ` in the last ${values.since}` : ''}`,
        );
      }
      return 0;
    }
    const stop = new AbortController();
    onInterrupt(() => {
      console.error('\nStopped following the logs');
      stop.abort();
    });
    await followLogs(client, query, print, stop.signal);
    return 0;
  } finally {
    client.destroy();
  }
};

if (isMain(import.meta.url)) runCommand(LOGS, main);
