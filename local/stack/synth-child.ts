/**
 * The child process of `synthesize()` (./synth.ts): synthesizes the CDK app of the project at
 * `argv[4]` (default: this repository) into `argv[2]` with the context of its `cdk.json` plus the
 * JSON object in `argv[3]`. On failure, a failure to load the app's modules included, it writes
 * the error's `{ name, message }` to file descriptor 3 and exits 1.
 */
import { readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [outdir, contextJson = '{}', root = fileURLToPath(new URL('../..', import.meta.url))] =
  process.argv.slice(2);
try {
  if (!outdir) throw new Error('usage: synth-child.ts OUTDIR [CONTEXT_JSON] [PROJECT_ROOT]');
  const cdkJson = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  // Imported here, not at the top: an app that does not load (a syntax error in lib/) is then
  // reported like any other failure, in one message, instead of as a crash with its stack.
  const { createApp } = (await import(
    pathToFileURL(join(root, 'lib', 'app.ts')).href
  )) as typeof import('../../lib/app');
  const { app } = createApp({
    outdir,
    // CDK's CloudFormation validation costs seconds per process and the local cloud has no use
    // for it; test/infra/cli.test.ts checks that `cdk synth` passes it.
    builtinCloudFormationValidation: false,
    context: {
      // The CLI sets this; without it the template does not say where each function's bundle is.
      'aws:cdk:enable-asset-metadata': true,
      ...cdkJson.context,
      ...(JSON.parse(contextJson) as Record<string, string>),
    },
  });
  app.synth();
} catch (error) {
  const { name, message } = error instanceof Error ? error : new Error(String(error));
  writeSync(3, JSON.stringify({ name, message }));
  process.exitCode = 1;
}
