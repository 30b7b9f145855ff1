import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Infra tests bundle both handlers with esbuild; local-cloud tests start real emulators.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
