#!/usr/bin/env node
import { createApp } from '../lib/app';
import { ConfigError } from '../lib/config';

try {
  // The CDK CLI sets CDK_OUTDIR, so the app synthesizes itself when this process exits.
  createApp();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // A bad -c value is the user's mistake, not a crash: say which key, without a stack trace.
  console.error(`Invalid context: ${error.message}`);
  process.exit(1);
}
