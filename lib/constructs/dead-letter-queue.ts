/**
 * The dead-letter queue with its "not empty" alarm, one construct for every DLQ of the stack: the
 * pipeline queues', the schedule's and the requestor's failed invocations'.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * The physical name a resource is given: `name`, unless the resource is retained when it leaves
 * the stack. A retained resource with a fixed name would make the next deploy after `cdk destroy`
 * fail with "already exists"; without one, the new stack makes a new resource beside the old.
 */
export function physicalName(name: string, removalPolicy: RemovalPolicy): string | undefined {
  return removalPolicy === RemovalPolicy.RETAIN ? undefined : name;
}

/** Properties of a {@link DeadLetterQueue}. */
export interface DeadLetterQueueProps {
  /**
   * Name of the queue, and of its alarm `<queueName>-not-empty`. A retained queue is not given it
   * as physical name (CloudFormation generates one), so a redeploy after `cdk destroy` cannot
   * collide with the queue left behind.
   */
  readonly queueName: string;
  /** What a message in this queue means and what to do about it, shown with the alarm. */
  readonly alarmDescription: string;
  /**
   * How long a dead-lettered message is kept; longer than at the source, so it cannot expire here
   * before it would have expired there.
   * @default Duration.days(14)
   */
  readonly retentionPeriod?: Duration;
  /**
   * What happens to the queue when it leaves the stack.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * An encrypted, TLS-only queue where failed messages end, with an alarm that fires as soon as one
 * message is in it.
 *
 * The alarm is created beside the queue (in the same scope, with id `<id>NotEmptyAlarm`), not
 * inside it: that is where both were built before this construct existed, so their logical ids,
 * and therefore the deployed, named resources, stay the same.
 */
export class DeadLetterQueue extends sqs.Queue {
  /** Fires when any message is in the queue. */
  public readonly notEmptyAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id, {
      queueName: physicalName(props.queueName, props.removalPolicy ?? RemovalPolicy.DESTROY),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: props.retentionPeriod ?? Duration.days(14),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });

    this.notEmptyAlarm = new cloudwatch.Alarm(scope, `${id}NotEmptyAlarm`, {
      alarmName: `${props.queueName}-not-empty`,
      alarmDescription: props.alarmDescription,
      metric: this.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
