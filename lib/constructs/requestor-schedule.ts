import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeInvokeQualifiers, acknowledgeIsDeadLetterQueue } from '../nag';

/** Properties of a {@link RequestorSchedule}. */
export interface RequestorScheduleProps {
  /** The function to invoke with `{ "count": N, "idempotencyKey": <scheduled time> }`. */
  readonly target: lambda.IFunction;
  /**
   * Physical name of the schedule; its DLQ is `<scheduleName>-dlq`.
   */
  readonly scheduleName: string;
  /**
   * Time between invocations (whole minutes).
   * @default Duration.minutes(1)
   */
  readonly rate?: Duration;
  /**
   * Strings requested per invocation, sent as `{ "count": N, "idempotencyKey": <scheduled time> }`.
   * @default 10
   */
  readonly count?: number;
  /**
   * Whether the schedule runs.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * What happens to the schedule's DLQ when it leaves the stack.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * An EventBridge Scheduler schedule that invokes the requestor at a fixed rate, with a DLQ (and
 * its alarm) for invocations Scheduler could not deliver.
 */
export class RequestorSchedule extends Construct {
  /** The schedule. */
  public readonly schedule: scheduler.Schedule;
  /** Receives the invocations Scheduler gave up on. */
  public readonly deadLetterQueue: sqs.Queue;
  /** The role Scheduler assumes to invoke the target. */
  public readonly role: iam.Role;
  /** Fires when any invocation was dead-lettered. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: RequestorScheduleProps) {
    super(scope, id);
    const rate = props.rate ?? Duration.minutes(1);

    this.deadLetterQueue = new sqs.Queue(this, 'Dlq', {
      queueName: `${props.scheduleName}-dlq`,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    acknowledgeIsDeadLetterQueue(this.deadLetterQueue);

    // Our own role, so the role lives (and is acknowledged) in this construct rather than at stack level.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
      description: `Lets EventBridge Scheduler invoke the requestor (${props.scheduleName})`,
    });
    acknowledgeInvokeQualifiers(this.role, props.target);

    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      scheduleName: props.scheduleName,
      description: `Requests ${props.count ?? 10} strings every ${rate.toHumanString()}`,
      schedule: scheduler.ScheduleExpression.rate(rate),
      enabled: props.enabled ?? true,
      target: new LambdaInvoke(props.target, {
        role: this.role,
        // The scheduled time is the same on every retry of one tick, so a retried tick
        // re-sends the same requests instead of asking for new ones.
        input: scheduler.ScheduleTargetInput.fromObject({
          count: props.count ?? 10,
          idempotencyKey: scheduler.ContextAttribute.scheduledTime,
        }),
        deadLetterQueue: this.deadLetterQueue,
        // A tick that cannot run before the next one is due is superseded by it.
        maxEventAge: Duration.seconds(Math.max(60, rate.toSeconds())),
        retryAttempts: 2,
      }),
    });

    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DlqNotEmptyAlarm', {
      alarmName: `${props.scheduleName}-dlq-not-empty`,
      alarmDescription: `Scheduled requestor invocations could not be delivered; see ${props.scheduleName}-dlq.`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
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
