/**
 * cdk-nag (AwsSolutions) findings we accept, each acknowledged on the narrowest construct with the
 * reason. cdk-nag 3 reads CDK's own `Validations.of(...).acknowledge` records.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';

/** X-Ray tracing: CDK grants `xray:PutTraceSegments`/`PutTelemetryRecords`, which have no resource scope. */
export function acknowledgeXrayWildcard(role: IConstruct): void {
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which do not support resource-level permissions; CDK adds them with Resource "*".',
  });
}

/** A dead-letter queue has no DLQ of its own: it is where failed messages end. */
export function acknowledgeIsDeadLetterQueue(queue: IConstruct): void {
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason:
      'This queue is itself a dead-letter queue; its messages are inspected and redriven by an operator.',
  });
}

/**
 * `grantInvoke` allows the function's ARN and `<arn>:*` (its versions and aliases); cdk-nag reports
 * the latter as a wildcard.
 */
export function acknowledgeInvokeQualifiers(role: IConstruct, fn: lambda.IFunction): void {
  const stack = Stack.of(role);
  const logicalId = stack.resolve((fn.node.defaultChild as lambda.CfnFunction).logicalId);
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
    reason:
      'lambda:InvokeFunction is granted on the one function and its qualifiers (versions/aliases) by CDK grantInvoke; no other function is reachable.',
  });
}
