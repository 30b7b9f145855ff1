import { defineConfig } from 'vitest/config';

/** Settings every project shares (projects without `extends` do not inherit the root's). */
const shared = {
  // Infra tests synthesize CDK apps; local-cloud tests start real emulators.
  testTimeout: 120_000,
  hookTimeout: 120_000,
  pool: 'forks',
  // We develop on Node 20 while Lambda runs Node 24; the SDK's upgrade notice is noise here.
  env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
} as const;

export default defineConfig({
  test: {
    ...shared,
    // Declared on the root only, so it runs once per run; every project sees what it provides.
    globalSetup: ['test/local/global-setup.ts'],
    projects: [
      { test: { ...shared, name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        test: {
          ...shared,
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          // One process for all infra files: loading aws-cdk-lib costs about a second per process,
          // and test/infra/synth.ts shares each synthesized stack among the files. The files
          // only read the shared stacks; a test that changes a stack builds its own.
          isolate: false,
        },
      },
      { test: { ...shared, name: 'local', include: ['test/local/**/*.test.ts'] } },
    ],
  },
});
