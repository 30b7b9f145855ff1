/**
 * `npm run inspect`: queue depths, in-flight counts, DLQ contents (with the reason each message was
 * dead-lettered) and table counts by status, for the local cloud or a deployed stack.
 *
 *   npm run inspect -- [--endpoint URL] [--region REGION] [--stack NAME] [--state FILE] [--peek N] [--json]
 */

import { formatReport, inspect } from '../ops/inspect';
import { isMain, parse, run, TARGET_OPTIONS, TARGET_USAGE, targetFrom, UsageError } from './cli';

const USAGE = `npm run inspect -- ${TARGET_USAGE} [--peek N] [--json]`;

if (isMain(import.meta.url)) {
  run(USAGE, async () => {
    const values = parse(process.argv.slice(2), {
      ...TARGET_OPTIONS,
      peek: { type: 'string', default: '5' },
      json: { type: 'boolean', default: false },
    });
    const peekCount = Number(values.peek);
    if (!Number.isInteger(peekCount) || peekCount < 0 || peekCount > 100) {
      throw new UsageError(`--peek must be an integer from 0 to 100, got ${values.peek}`);
    }
    const report = await inspect(await targetFrom(values), { peek: peekCount });
    console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
    return 0;
  });
}
