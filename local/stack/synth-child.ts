/**
 * The child process of `synthesize()` (./synth.ts): synthesizes the CDK app into `argv[2]` with
 * the context of `cdk.json` plus the JSON object in `argv[3]`. On failure it writes the error's
 * `{ name, message }` to file descriptor 3 and exits 1.
 */
import { readFileSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createApp } from '../../lib/app';

const [outdir, contextJson = '{}'] = process.argv.slice(2);
try {
  if (!outdir) throw new Error('usage: synth-child.ts OUTDIR [CONTEXT_JSON]');
  const cdkJson = JSON.parse(
    readFileSync(fileURLToPath(new URL('../../cdk.json', import.meta.url)), 'utf8'),
  ) as { context?: Record<string, unknown> };
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
