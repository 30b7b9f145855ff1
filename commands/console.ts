/**
 * `npm run console`: the pipeline's console in a browser, for the local cloud, LocalStack or a
 * deployed stack, served on 127.0.0.1.
 *
 *   npm run console -- [--endpoint URL] [--region REGION] [--stack NAME] [--profile NAME] [--state FILE] [--port N] [--allow-writes]
 */
import { startConsoleServer } from '../console/server';
import { isMain, parse, run, TARGET_OPTIONS, TARGET_USAGE, targetFrom, UsageError } from './cli';

const USAGE = `npm run console -- ${TARGET_USAGE} [--port N] [--allow-writes]`;

const HELP = `Serves the pipeline's console (queues, dead letters, tables, functions, alarms, request
journeys) on http://127.0.0.1:PORT/_console/ and reads everything through the AWS APIs and the
stack's outputs.

usage: ${USAGE}

Targets, found as \`npm run inspect\` finds them:
  local cloud   no options: the cloud \`npm start -- --keep\` runs (.local-cloud/state.json).
                That cloud also serves the console itself at its endpoint's /_console/.
  LocalStack    --endpoint http://localhost:4566 (any single-endpoint emulator); the stack's
                outputs come from its CloudFormation. Writes are allowed.
  AWS           --profile NAME, or --stack NAME --region R with the default credential chain.
                Read-only unless --allow-writes: send, purge, redrive and invoke are refused.

Options:
  --endpoint URL    one endpoint for every service (LocalStack)
  --region REGION   AWS region (default: AWS_REGION, the profile's, then us-east-1)
  --stack NAME      stack name (default StringPipeline)
  --profile NAME    a profile from the shared AWS config files
  --state FILE      a local cloud's state file (default .local-cloud/state.json)
  --port N          port on 127.0.0.1 (default 0: any free port)
  --allow-writes    allow send, purge, redrive and invoke against AWS
  --help            this text

Example:
  npm run console -- --endpoint http://localhost:4566 --port 8080
`;

if (isMain(import.meta.url)) {
  run(USAGE, async () => {
    const argv = process.argv.slice(2);
    if (argv.includes('--help') || argv.includes('-h')) {
      console.log(HELP);
      return 0;
    }
    const values = parse(argv, {
      ...TARGET_OPTIONS,
      port: { type: 'string', default: '0' },
      'allow-writes': { type: 'boolean', default: false },
    });
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new UsageError(`--port must be an integer from 0 to 65535, got ${values.port}`);
    }
    const target = await targetFrom(values);
    const server = await startConsoleServer({
      target,
      port,
      allowWrites: values['allow-writes'],
    });
    const mode =
      target.kind === 'aws' && !values['allow-writes']
        ? 'read-only (pass --allow-writes to change things)'
        : 'read-write';
    console.log(`Console for ${target.description}, ${mode}: ${server.url}\nCtrl-C stops it.`);
    await new Promise<void>((done) => {
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
    await server.stop();
    console.log('Console stopped.');
    return 0;
  });
}
