/**
 * How every pipeline function is bundled and which Node.js runtime runs it, as plain data.
 * `PipelineFunction` builds its CDK props from it, and the local cloud bundles with the same
 * settings (local/lambda/bundle-options.ts) without loading aws-cdk-lib, so this module imports
 * nothing.
 */

/** The Lambda runtime's identifier, as CloudFormation's `Runtime` property names it. */
export const LAMBDA_RUNTIME_NAME = 'nodejs24.x';

/** The esbuild settings of NodejsFunction's `bundling`, apart from its log level. */
export const LAMBDA_BUNDLING = {
  format: 'esm',
  target: 'node24',
  // Prefer the ES module builds so esbuild can tree-shake the SDK clients.
  mainFields: ['module', 'main'],
  minify: true,
  sourceMap: true,
  // Bundle the AWS SDK v3 clients too: we pin their versions and ship only what we import.
  externalModules: [],
  // Some CommonJS dependencies call require(); ESM output has none unless we define it.
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
} as const;

/**
 * Modules the bundle takes from a file of ours instead, by import path: the SDK's HTTP handler
 * imports `node:http` and `node:https` as ES modules, which on Node 22 and later loads undici at
 * every cold start (functions/shared/builtins/http.ts says why); these load them with `require`.
 * esbuild's `alias`, whose paths esbuild resolves in its working directory: the project's root,
 * both when CDK bundles locally and in its Docker image (mounted as /asset-input), and for the
 * local bundles (their `absWorkingDir`).
 */
export const LAMBDA_BUNDLING_ALIASES = {
  'node:http': './functions/shared/builtins/http.ts',
  'node:https': './functions/shared/builtins/https.ts',
  http: './functions/shared/builtins/http.ts',
  https: './functions/shared/builtins/https.ts',
} as const;
