/**
 * cdk-nag (AwsSolutions) findings we accept, each acknowledged on the narrowest construct with the
 * reason. cdk-nag 3 reads CDK's own `Validations.of(...).acknowledge` records.
 */
import { Validations } from 'aws-cdk-lib';
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
