import { defineConfig } from 'vitest/config';

/** Settings every project shares. */
const shared = {
  // Infra tests bundle both handlers with esbuild; local-cloud tests start real emulators.
  testTimeout: 120_000,
  hookTimeout: 120_000,
  pool: 'forks',
  // We develop on Node 20 while Lambda runs Node 24; the SDK's upgrade notice is noise here.
  env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
} as const;

export default defineConfig({
  test: {
    // Run by every project: a temporary directory for the run, removed at the end.
    globalSetup: ['test/global-setup.ts'],
    // Vitest's default (cores - 1) is one file at a time on 2 cores, yet local-cloud tests spend
    // most of their time waiting on timers and sockets: run one more file than there are cores.
    // Not more: time-scaled fault tests (2 s visibility) and 1 s probe timeouts need the CPU when
    // they ask for it, and four files at once made them fail on a loaded machine.
    maxWorkers: 3,
    projects: [
      {
        // No emulator and no cloud assembly: `npm run test:unit`, for the edit loop.
        test: {
          ...shared,
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/infra/**/*.test.ts'],
        },
      },
      {
        test: {
          ...shared,
          name: 'local',
          include: ['test/local/**/*.test.ts'],
          globalSetup: ['test/local/global-setup.ts'],
        },
      },
    ],
  },
});
