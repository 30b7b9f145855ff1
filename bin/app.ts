#!/usr/bin/env node
import { createApp } from '../lib/app';

// The CDK CLI sets CDK_OUTDIR, so the app synthesizes itself when this process exits.
createApp();
