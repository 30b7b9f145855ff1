/**
 * `npm run inspect`: queue depths, in-flight counts, DLQ contents (with the reason each message was
 * dead-lettered) and table counts by status, for the local cloud or a deployed stack.
 */
import { formatIamReport } from '../ops/iam-format';
import { iamReport } from '../ops/iam-table';
import { formatReport, inspect } from '../ops/inspect';
import {
  type CommandMain,
  type CommandSpec,
  integerOption,
  isMain,
  type OptionSpecs,
  runCommand,
  TARGET_OPTIONS,
  targetFrom,
} from './cli';

const OPTIONS = {
  ...TARGET_OPTIONS,
  peek: {
    type: 'string',
    default: '5',
    placeholder: 'N',
    description: 'dead letters to show per DLQ, 0 to 100',
  },
  json: { type: 'boolean', default: false, description: 'print the report as JSON' },
  iam: {
    type: 'boolean',
    default: false,
    description:
      'instead, a table of the permissions each role needs vs what its policies grant, and the grants nothing needs; exit 1 if any is missing or in excess',
  },
} as const satisfies OptionSpecs;

/** What `npm run inspect -- --help` says. */
export const INSPECT: CommandSpec<typeof OPTIONS> = {
  invocation: 'npm run inspect --',
  summary:
    "Shows queue depths, in-flight and delayed counts, dead letters with the reason each was dead-lettered, failed requestor invocations (the schedule's DLQ, the on-failure destination) with their reasons, and table counts by status. With --iam: the permissions each role needs (its function's SDK calls, pollers, destinations, logs, traces; the schedule's invoke and DLQ) against those its policies grant, and what they grant that nothing needs, from the stack's template. Target: --endpoint, else the running local cloud, else AWS.",
  options: OPTIONS,
  examples: [
    'npm run inspect',
    'npm run inspect -- --peek 20 --json',
    'npm run inspect -- --iam',
    'npm run inspect -- --endpoint http://localhost:4566',
    'npm run inspect -- --profile prod --region eu-west-1',
  ],
};

/** The command itself, given its parsed options: `runCommand` runs it as a script, tests in-process. */
export const main: CommandMain<typeof OPTIONS> = async (values) => {
  const peek = integerOption('peek', values.peek, { min: 0, max: 100 });
  if (values.iam) {
    const table = await iamReport(await targetFrom(values));
    console.log(values.json ? JSON.stringify(table, null, 2) : formatIamReport(table));
    return table.missing > 0 || table.excess.length > 0 ? 1 : 0;
  }
  const report = await inspect(await targetFrom(values), { peek });
  console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
  return 0;
};

if (isMain(import.meta.url)) runCommand(INSPECT, main);
