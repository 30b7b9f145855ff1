/**
 * The esbuild options CDK's NodejsFunction uses for our functions, derived from `LAMBDA_DEFAULTS`,
 * so the benchmarks and `npm run dev` bundle exactly what `cdk synth` ships.
 */
import type { BuildOptions } from 'esbuild';
import { LAMBDA_DEFAULTS } from '../../lib/constructs/pipeline-function';

/**
 * The esbuild options NodejsFunction derives from `LAMBDA_DEFAULTS.bundling` (see
 * aws-cdk-lib/aws-lambda-nodejs bundling.js `buildEsbuildArgs`): `--bundle --platform=node
 * --format --target --minify --sourcemap --external --banner:js --main-fields`, output index.mjs.
 */
export function cdkEsbuildOptions(target: string, absWorkingDir: string): BuildOptions {
  const bundling = LAMBDA_DEFAULTS.bundling;
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
    absWorkingDir,
    metafile: true,
    logLevel: 'silent',
  };
}

/** The runtime's Node major, as esbuild's target (`node24` for NODEJS_24_X). */
export function lambdaTarget(): string {
  const major = /nodejs(\d+)/.exec(LAMBDA_DEFAULTS.runtime.name)?.[1];
  if (!major) throw new Error(`cannot read a Node version from ${LAMBDA_DEFAULTS.runtime.name}`);
  return `node${major}`;
}
