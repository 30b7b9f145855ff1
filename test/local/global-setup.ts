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

/** Synthesizes the pipeline once per test run, so each local-cloud test file does not bundle it again. */
export default function setup(project: TestProject): () => void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const dir = mkdtempSync(join(tmpdir(), 'string-pipeline-assembly-'));
  project.provide('pipelineAssembly', synthesize(dir));
  return () => rmSync(dir, { recursive: true, force: true });
}
