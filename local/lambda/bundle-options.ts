/**
 * The esbuild options CDK's NodejsFunction uses for our functions, derived from the plain data in
 * lib/constructs/lambda-bundling.ts, so the benchmarks and `npm run dev` bundle exactly what
 * `cdk synth` ships without loading aws-cdk-lib.
 */
import type { BuildOptions } from 'esbuild';
import {
  LAMBDA_BUNDLING,
  LAMBDA_BUNDLING_ALIASES,
  LAMBDA_RUNTIME_NAME,
} from '../../lib/constructs/lambda-bundling';

/**
 * The esbuild options NodejsFunction derives from `LAMBDA_BUNDLING` (see
 * aws-cdk-lib/aws-lambda-nodejs bundling.js `buildEsbuildArgs`): `--bundle --platform=node
 * --format --target --minify --sourcemap --external --banner:js --main-fields`, and the
 * `--alias` arguments pipeline-function.ts adds; output index.mjs.
 */
export function cdkEsbuildOptions(target: string, absWorkingDir: string): BuildOptions {
  const bundling = LAMBDA_BUNDLING;
  return {
    bundle: true,
    platform: 'node',
    format: bundling.format === 'esm' ? 'esm' : 'cjs',
    target,
    minify: bundling.minify,
    sourcemap: bundling.sourceMap,
    external: [...bundling.externalModules],
    banner: { js: bundling.banner },
    mainFields: [...bundling.mainFields],
    alias: { ...LAMBDA_BUNDLING_ALIASES },
    absWorkingDir,
    metafile: true,
    logLevel: 'silent',
  };
}

/** The runtime's Node major, as esbuild's target (`node24` for nodejs24.x). */
export function lambdaTarget(): string {
  const major = /nodejs(\d+)/.exec(LAMBDA_RUNTIME_NAME)?.[1];
  if (!major) throw new Error(`cannot read a Node version from ${LAMBDA_RUNTIME_NAME}`);
  return `node${major}`;
}
