/**
 * The CloudFormation client, for the modules that load it only when they call CloudFormation
 * (target.ts when a target asks AWS, functions.ts for a logical id): most commands never do, and
 * `npm start` loads those modules on its way to its first round trip. Through a module of ours,
 * imported statically here: a package that is CommonJS, imported dynamically, keeps only its
 * default export in the precompiled commands (commands/precompile.mjs).
 */
export {
  CloudFormationClient,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
