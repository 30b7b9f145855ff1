import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/local/global-setup.ts'],
    // Infra tests bundle both handlers with esbuild; local-cloud tests start real emulators.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // We develop on Node 20 while Lambda runs Node 24; the SDK's upgrade notice is noise here.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
