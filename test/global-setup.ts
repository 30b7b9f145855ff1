import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Gives the run its own temporary directory, removed at the end: every `new App()` and every
 * bundling makes a `cdk.out*` or esbuild directory there, which nothing else would clean up.
 */
export default function setup(): () => void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const root = mkdtempSync(join(tmpdir(), 'string-pipeline-test-'));
  // Test processes start after this and inherit it, so their os.tmpdir() is inside `root`.
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}
