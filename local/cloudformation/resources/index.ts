/** The resource types the local CloudFormation provisions, by type name. */
import type { ResourceHandler } from './handler';
import { iamManagedPolicy, iamPolicy, iamRole } from './iam';
import { INERT_HANDLERS } from './inert';
import { s3Bucket } from './s3-bucket';
import { ssmParameter } from './ssm-parameter';

export type { ResourceContext, ResourceHandler, ResourceServices } from './handler';

const HANDLERS: Record<string, ResourceHandler> = {
  'AWS::S3::Bucket': s3Bucket,
  'AWS::SSM::Parameter': ssmParameter,
  'AWS::IAM::Role': iamRole,
  'AWS::IAM::Policy': iamPolicy,
  'AWS::IAM::ManagedPolicy': iamManagedPolicy,
  ...INERT_HANDLERS,
};

/** The handler of a resource type, or undefined for one the local cloud does not support. */
export function handlerOf(type: string): ResourceHandler | undefined {
  return HANDLERS[type];
}
