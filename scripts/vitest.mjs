// @ts-check
/**
 * vitest for the test commands besides `npm test` (`npm run test:slow`, `test:unit`, ...), with
 * the same colours as `npm test` (./colour.mjs): arguments go to vitest, and the exit code is its.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { childEnv } from './colour.mjs';

const VITEST = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));
const child = spawn(process.execPath, [VITEST, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: childEnv,
});
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.on(signal, () => child.kill(signal));
}
child.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
