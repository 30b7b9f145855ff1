import { defineConfig } from 'vitest/config';

/** Settings every project shares (projects without `extends` do not inherit the root's). */
const shared = {
  // Infra tests synthesize CDK apps; local-cloud tests start real emulators.
  testTimeout: 120_000,
  hookTimeout: 120_000,
  pool: 'forks',
  // `npm run bench:tests` sets it: each file's CPU seconds, child processes included, to that file.
  setupFiles: process.env.BENCH_TEST_CPU_FILE ? ['bench/test-cpu-setup.ts'] : [],
  // We develop on Node 20 while Lambda runs Node 24; the SDK's upgrade notice is noise here.
  env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
} as const;

/** Synthesizes (or finds in the cache) the bundled pipeline and provides `pipelineAssembly`. */
const ASSEMBLY_SETUP = 'test/local/global-setup.ts';

/**
 * The tests that `npm test` leaves to `npm run test:slow` (CI runs both): each costs the suite
 * several CPU-s for a check whose short version `npm test` keeps.
 */
const SLOW = [
  // The pinned CDK CLI's own synth, its CloudFormation validation and its refusal of a bad `-c`
  // value (2-3 CPU-s with the synth kept by its inputs, 17 on a clean clone). Short: the infra
  // tests synthesize the app in-process, and the global setup bundles it with aws-cdk-lib.
  'test/infra/cli.test.ts',
  // The unmodified CDK CLI bootstraps, deploys, hotswaps and destroys (9 CPU-s, most in the CLI's
  // own processes). Short: cloudformation and stack-deploy drive the same engine through its API.
  'test/local/cdk-cli.test.ts',
  // The console in Chromium (7 CPU-s). Short: console-server, and the unit tests of its API.
  'test/local/console.test.ts',
  // Forty crashes, dead-lettered and redriven (8 CPU-s, 18 s). Short: the soak of chaos.test.ts
  // without crashes; runtime-host, recovery and lambda-runtime kill environments one at a time.
  'test/local/chaos-crash.test.ts',
  // 50 round trips at the template's concurrency (3 CPU-s); `npm run test:e2e` runs it against a
  // deployed stack too. Short: local-cloud.test.ts's round trips.
  'test/local/e2e.test.ts',
  // A mapping scaling up past its five pollers (2 CPU-s). Short: parity-batching's probe at three.
  'test/local/parity-scaling.test.ts',
  // The README's pipes through npm itself (2 CPU-s in npm's and the commands' processes). Short:
  // dev-commands.test.ts runs the commands in-process, an event from a file into invoke among them.
  'test/local/readme-pipes.test.ts',
  // npm start as a process beside a second one, its console, --keep's schedule and Ctrl-C (5
  // CPU-s, 12 s in npm test). Short: npm start refusing a held state directory in-process
  // (commands), npm start's run in-process (local-cloud), the console's server (console-server).
  // --keep running the schedules again and the tables removed at Ctrl-C are checked here only.
  'test/local/start-process.test.ts',
];

export default defineConfig({
  test: {
    // Run by every project: a temporary directory for the run, removed at the end.
    globalSetup: ['test/global-setup.ts'],
    // Transformed modules kept on disk (node_modules/.experimental-vitest-cache, gone with the next
    // npm ci) for the next run: unit and infra took 22.1 CPU-s against 24.6 without, over three
    // runs each. A clean clone (CI) fills it on its first run.
    experimental: { fsModuleCache: true },
    // Vitest's default (cores - 1) is one file at a time on 2 cores, yet local-cloud tests spend
    // much of their time waiting on timers, visibility timeouts and sockets: run three files at
    // once. Since the functions run in a Node 24 runtime host, each file's clouds take more CPU,
    // and four files at once kept the cores busier than useful: 120 and 125 s for npm test (163
    // and 195 CPU-s) against 114 and 114 s (158 and 173 CPU-s) with three; six took 147 s.
    maxWorkers: 3,
    projects: [
      // No emulator and no cloud assembly: with infra, `npm run test:unit`, for the edit loop.
      {
        test: {
          ...shared,
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // One process for all unit files, as for infra: a process per file doubles their CPU
          // (7.7 s against 3.8). The files mock clients per test and restore them after it.
          isolate: false,
        },
      },
      {
        test: {
          ...shared,
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          // The pinned CDK CLI's own synth runs in the `slow` project.
          exclude: SLOW,
          // One process for all infra files: loading aws-cdk-lib costs about a second per process,
          // and test/infra/synth.ts shares each synthesized stack among the files. The files
          // only read the shared stacks; a test that changes a stack builds its own.
          isolate: false,
          // The bundle-contents test reads the bundled assembly (cached by its inputs' hash).
          globalSetup: [ASSEMBLY_SETUP],
        },
      },
      {
        test: {
          ...shared,
          name: 'local',
          include: ['test/local/**/*.test.ts'],
          exclude: SLOW,
          // Files share a process per worker: loading the engine, the SDK clients and the emulators
          // again for every file cost about 20 of the project's 105 CPU-s. Each file starts and
          // stops its own clouds, so nothing but loaded modules carries over.
          isolate: false,
          globalSetup: [ASSEMBLY_SETUP],
        },
      },
      {
        // Not part of `npm test`: `npm run test:slow`, which CI runs after it.
        test: {
          ...shared,
          name: 'slow',
          include: SLOW,
          isolate: false,
          globalSetup: [ASSEMBLY_SETUP],
        },
      },
      {
        // Not part of `npm test` (the chaos soak runs 2,000 round trips there): `npm run test:load`.
        test: {
          ...shared,
          name: 'load',
          include: ['test/load/**/*.test.ts'],
          globalSetup: [ASSEMBLY_SETUP],
        },
      },
    ],
  },
});
