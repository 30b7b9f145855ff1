import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { synthesize } from '../../local/stack/synth';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The pipeline's cloud assembly, synthesized once for every local-cloud test file. */
    pipelineAssembly: string;
  }
}

/** Where `npm start` keeps its assemblies: a test run and `npm start` reuse each other's synth. */
export const ASSEMBLIES = fileURLToPath(new URL('../../.local-cloud/cdk.out', import.meta.url));

/**
 * Synthesizes the pipeline once for the local-cloud tests (or finds the assembly of unchanged
 * sources from an earlier run or `npm start`), so no test file bundles it again.
 */
export default function setup(project: TestProject): void {
  project.provide('pipelineAssembly', synthesize(ASSEMBLIES));
}
