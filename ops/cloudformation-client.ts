/**
 * The CloudFormation client of target.ts, which loads it only when a target asks AWS. Through a
 * module of ours, imported statically here: a package that is CommonJS, imported dynamically,
 * keeps only its default export in `npm start`'s precompiled bundle (commands/precompile.mjs).
 */
export { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
