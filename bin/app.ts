#!/usr/bin/env node
/**
 * The CDK app's entry point (`cdk.json`'s `app`): the CDK CLI runs it with the context in
 * CDK_CONTEXT_JSON and CDK_OUTDIR set, and it synthesizes when the process exits.
 */
import { ConfigError, configFromContext } from '../lib/config';

/**
 * The context the CDK CLI passed (cdk.json's merged with `-c` values), or undefined when it passed
 * none this way (run directly, or a context too large for a variable, which the CLI writes to a
 * file that aws-cdk-lib reads).
 */
function cliContext(): Record<string, unknown> | undefined {
  const json = process.env.CDK_CONTEXT_JSON;
  if (!json) return undefined;
  try {
    const context: unknown = JSON.parse(json);
    return context !== null && typeof context === 'object'
      ? (context as Record<string, unknown>)
      : undefined;
  } catch {
    // Not ours to judge: aws-cdk-lib reads it again and reports what is wrong with it.
    return undefined;
  }
}

try {
  // A bad -c value is refused before aws-cdk-lib loads, which takes about a second of CPU.
  const context = cliContext();
  if (context) configFromContext(context);
  const { createApp } = await import('../lib/app');
  createApp();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // A bad -c value is the user's mistake, not a crash: say which key, without a stack trace.
  console.error(`Invalid context: ${error.message}`);
  process.exit(1);
}
