/**
 * A vitest setup file for `npm run bench:tests`, loaded when BENCH_TEST_CPU_FILE names a file:
 * appends one JSON line per test file to it, with the CPU seconds the file's tests took in the
 * worker process and every process they started (runtime hosts, commands, the CDK CLI, Chromium).
 * Files of a project share a worker process and run one after another in it, so each file's
 * figure is what the process tree spent between its first and last hook. A runtime host lingers
 * for 10 s after its last cloud, so a little of one file's host time can land on the next one.
 */
import { appendFileSync } from 'node:fs';
import { afterAll, beforeAll, expect } from 'vitest';
import { treeCpuSeconds } from './process-cpu';

const out = process.env.BENCH_TEST_CPU_FILE;
let startedCpu: number | undefined;

beforeAll(() => {
  startedCpu = treeCpuSeconds(process.pid);
});

afterAll(() => {
  const ended = treeCpuSeconds(process.pid);
  if (!out || startedCpu === undefined || ended === undefined) return;
  const file = expect.getState().testPath ?? '';
  appendFileSync(out, `${JSON.stringify({ file, cpuSeconds: ended - startedCpu })}\n`);
});
