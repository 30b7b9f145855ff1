/**
 * `npm run invoke`: invokes one function with an event (a file, stdin or --payload) through the
 * Lambda API and prints its result, its log tail and REPORT line, as `sam local invoke` does.
 */
import { readFileSync } from 'node:fs';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { resolveFunction } from '../ops/functions';
import { withIdempotencyKey } from '../ops/idempotency-key';
import { platformLineAsText } from '../ops/log-format';
import {
  type CommandMain,
  type CommandSpec,
  isMain,
  type OptionSpecs,
  runCommand,
  TARGET_OPTIONS,
  targetFrom,
  UsageError,
} from './cli';

const OPTIONS = {
  ...TARGET_OPTIONS,
  payload: {
    type: 'string',
    short: 'p',
    placeholder: 'JSON',
    description: 'the event, inline, instead of EVENT.json',
  },
  'no-logs': { type: 'boolean', default: false, description: 'do not print the log tail' },
} as const satisfies OptionSpecs;

/** What `npm run invoke -- --help` says. */
export const INVOKE: CommandSpec<typeof OPTIONS> = {
  invocation: 'npm run invoke --',
  summary:
    "Invokes a function synchronously through the Lambda API and prints its result (stdout), then the invocation's log tail and REPORT line (stderr). Exit 1 on a function error, naming its type and message. The requestor's payload gets an idempotency key unless it has one, printed (stderr) with the command that retries a failed call: the same key re-sends the same requests. Target: --endpoint, else the running local cloud, else AWS.",
  options: OPTIONS,
  arguments: [
    {
      name: 'FUNCTION',
      description: 'requestor, generator, a function name or logical id',
      required: true,
    },
    {
      name: 'EVENT.json',
      description: 'file holding the event; - reads it from stdin (default: {})',
    },
  ],
  examples: [
    'npm run invoke -- requestor --payload \'{"count":3}\'',
    'npm run -s event -- sqs --queue request | npm run -s invoke -- generator -',
    'npm run -s event -- sqs --queue request > ev.json',
    'npm run invoke -- generator ev.json --endpoint http://localhost:4566',
  ],
};

/** The event text: --payload, the file, stdin for `-`, else `{}`; it must be JSON. */
function readEvent(file: string | undefined, payload: string | undefined): string {
  if (file !== undefined && payload !== undefined)
    throw new UsageError('Give the event as EVENT.json or --payload, not both');
  let text = payload ?? '{}';
  if (file !== undefined) {
    try {
      text = readFileSync(file === '-' ? 0 : file, 'utf8');
    } catch (error) {
      throw new UsageError(
        `Cannot read ${file === '-' ? 'stdin' : file}: ${(error as Error).message}`,
        {
          showUsage: false,
        },
      );
    }
  }
  try {
    JSON.parse(text);
  } catch (error) {
    throw new UsageError(`The event is not JSON: ${(error as Error).message}`, {
      showUsage: false,
    });
  }
  return text;
}

/** The command itself, given its parsed options: `runCommand` runs it as a script, tests in-process. */
export const main: CommandMain<typeof OPTIONS> = async (values, [fn = '', file]) => {
  const text = readEvent(file, values.payload);
  const target = await targetFrom(values);
  const { label, name } = await resolveFunction(target, fn);
  const { event, retry } = keyedEvent(label, text);
  const lambda = new LambdaClient(target.clientConfig('lambda'));
  try {
    const response = await lambda
      .send(
        new InvokeCommand({
          FunctionName: name,
          Payload: Buffer.from(event),
          LogType: values['no-logs'] ? 'None' : 'Tail',
        }),
      )
      .catch((error: unknown) => {
        if (retry) console.error(retry);
        throw error;
      });
    const body = Buffer.from(response.Payload ?? new Uint8Array()).toString('utf8');
    if (response.LogResult) {
      // Platform records of the JSON log format read as the START/END/REPORT lines they stand for.
      const tail = Buffer.from(response.LogResult, 'base64').toString('utf8');
      process.stderr.write(
        tail
          .split('\n')
          .map((line) => platformLineAsText(line) ?? line)
          .join('\n'),
      );
    }
    if (response.FunctionError) {
      const error = JSON.parse(body || '{}') as { errorType?: string; errorMessage?: string };
      console.error(
        `${name} failed: ${error.errorType ?? response.FunctionError}: ${error.errorMessage ?? body}`,
      );
      if (retry) console.error(retry);
      return 1;
    }
    let shown = body;
    try {
      shown = JSON.stringify(JSON.parse(body), null, 2);
    } catch {
      // Not JSON: shown as returned.
    }
    console.log(shown);
    return 0;
  } finally {
    lambda.destroy();
  }
};

/**
 * The event to send: for the requestor, with an idempotency key (printed now, on stderr), and the
 * line that retries the call with it; any other function's event as it is.
 */
function keyedEvent(label: string, event: string): { event: string; retry?: string } {
  if (label !== 'requestor') return { event };
  const { payload, idempotencyKey } = withIdempotencyKey(JSON.parse(event));
  if (idempotencyKey === undefined) return { event };
  const keyed = JSON.stringify(payload);
  console.error(`Idempotency key: ${idempotencyKey}`);
  return {
    event: keyed,
    retry: `To retry, re-sending the same requests: npm run invoke -- requestor --payload '${keyed}'`,
  };
}

if (isMain(import.meta.url)) runCommand(INVOKE, main);
