/** The resource types the local CloudFormation provisions, by type name. */

import { dynamodbTable } from './dynamodb-table';
import type { ResourceHandler } from './handler';
import { iamManagedPolicy, iamPolicy, iamRole } from './iam';
import { INERT_HANDLERS } from './inert';
import { lambdaFunction } from './lambda-function';
import { eventInvokeConfig, eventSourceMapping, schedulerSchedule } from './lambda-triggers';
import { logGroup } from './logs-log-group';
import { MONITORING_HANDLERS } from './monitoring';
import { s3Bucket } from './s3-bucket';
import { sqsQueue } from './sqs-queue';
import { ssmParameter } from './ssm-parameter';

export type { AppServices, ResourceContext, ResourceHandler, ResourceServices } from './handler';
export type { MonitoringServices } from './monitoring';

const HANDLERS: Record<string, ResourceHandler> = {
  'AWS::S3::Bucket': s3Bucket,
  'AWS::SSM::Parameter': ssmParameter,
  'AWS::IAM::Role': iamRole,
  'AWS::IAM::Policy': iamPolicy,
  'AWS::IAM::ManagedPolicy': iamManagedPolicy,
  'AWS::SQS::Queue': sqsQueue,
  'AWS::DynamoDB::Table': dynamodbTable,
  'AWS::Lambda::Function': lambdaFunction,
  'AWS::Lambda::EventSourceMapping': eventSourceMapping,
  'AWS::Lambda::EventInvokeConfig': eventInvokeConfig,
  'AWS::Scheduler::Schedule': schedulerSchedule,
  'AWS::Logs::LogGroup': logGroup,
  ...INERT_HANDLERS,
  ...MONITORING_HANDLERS,
};

/** The handler of a resource type, or undefined for one the local cloud does not support. */
export function handlerOf(type: string): ResourceHandler | undefined {
  return HANDLERS[type];
}
