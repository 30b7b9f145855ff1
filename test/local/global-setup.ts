import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { synthesize } from '../../local/synth';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The pipeline's cloud assembly, synthesized once for every local-cloud test file. */
    pipelineAssembly: string;
  }
}

/**
 * Gives the run its own temporary directory, removed at the end (every `new App()` and every
 * bundling makes a `cdk.out*` or esbuild directory there, which nothing else would clean up), and
 * synthesizes the pipeline once, so each local-cloud test file does not bundle it again.
 */
export default function setup(project: TestProject): () => void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const root = mkdtempSync(join(tmpdir(), 'string-pipeline-test-'));
  // Test processes start after this and inherit it, so their os.tmpdir() is inside `root`.
  process.env.TMPDIR = root;
  project.provide('pipelineAssembly', synthesize(join(root, 'pipeline.out')));
  return () => rmSync(root, { recursive: true, force: true });
}
