/**
 * The CDK app, built in one function so that `bin/app.ts` and in-process synths (the local cloud,
 * the infra tests) make the same stack with the same checks.
 */
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadConfig, stackNameFor } from './config';
import { StringPipelineStack } from './string-pipeline-stack';

/**
 * Builds the CDK app: one {@link StringPipelineStack} named after the `stage` context value
 * (`StringPipeline` for dev, `StringPipeline-prod` for prod). With context `nag=true` the cdk-nag
 * AwsSolutions checks run during synth and fail it on any unacknowledged finding.
 *
 * Used by `bin/app.ts`, and by anything that synthesizes in-process (pass `context` and `outdir`).
 */
export function createApp(props: AppProps = {}): { app: App; stack: StringPipelineStack } {
  const app = new App(props);
  const config = loadConfig(app.node);
  const stackName = stackNameFor(config.stage);
  const stack = new StringPipelineStack(app, stackName, {
    stackName,
    description: `String pipeline (${config.stage}): requestor and generator Lambda functions talking over SQS, with DynamoDB state`,
    config,
  });
  const nag = app.node.tryGetContext('nag');
  if (nag === true || nag === 'true') {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  }
  return { app, stack };
}
