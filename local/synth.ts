import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createApp } from '../lib/app';

const CDK_JSON = fileURLToPath(new URL('../cdk.json', import.meta.url));

/**
 * Synthesizes the CDK app in-process into `outdir`, bundling the handlers as `cdk synth` does, with
 * the context of `cdk.json` plus `context` (string values, as `-c key=value` passes them). Much
 * faster than spawning the CDK CLI, and the same template.
 *
 * `options.verbose` is accepted for the callers that pass it (`npm start -- --verbose`); the synth
 * does not yet print anything it would silence.
 *
 * @returns the cloud assembly directory
 */
export function synthesize(
  outdir: string,
  context: Record<string, string> = {},
  _options: { readonly verbose?: boolean } = {},
): string {
  const cdkJson = JSON.parse(readFileSync(CDK_JSON, 'utf8')) as {
    context?: Record<string, unknown>;
  };
  const { app } = createApp({
    outdir,
    // CDK's CloudFormation validation costs seconds per process and the local cloud has no use
    // for it; test/infra/cli.test.ts checks that `cdk synth` passes it.
    builtinCloudFormationValidation: false,
    // The CLI sets this; without it the template does not say where each function's bundle is.
    context: { 'aws:cdk:enable-asset-metadata': true, ...cdkJson.context, ...context },
  });
  return app.synth().directory;
}
