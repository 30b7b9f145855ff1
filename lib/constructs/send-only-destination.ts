/** An asynchronous invocation's on-failure destination that grants the function SendMessage only. */
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * Lambda's on-failure delivery sends one message to the queue with the function's role. CDK's
 * `SqsDestination` grants `grantSendMessages` (with GetQueueUrl and GetQueueAttributes, never
 * called); this grants `sqs:SendMessage` alone.
 */
export class SendOnlyDestination implements lambda.IDestination {
  constructor(private readonly queue: sqs.IQueue) {}

  bind(_scope: Construct, fn: lambda.IFunction): lambda.DestinationConfig {
    this.queue.grant(fn, 'sqs:SendMessage');
    return { destination: this.queue.queueArn };
  }
}
