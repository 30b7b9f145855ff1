/**
 * The construct that invokes the requestor at a fixed rate with EventBridge Scheduler, with its
 * role, its DLQ and the alarms on invocations Scheduler could not deliver.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeIsDeadLetterQueue } from '../nag';
import { DeadLetterQueue } from './dead-letter-queue';

/** Properties of a {@link RequestorSchedule}. */
export interface RequestorScheduleProps {
  /** The function to invoke with `{ "count": N, "idempotencyKey": <scheduled time> }`. */
  readonly target: lambda.IFunction;
  /**
   * Physical name of the schedule and of its schedule group; its DLQ is `<scheduleName>-dlq`.
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
  /** The stack's own schedule group, which the Scheduler alarms count. */
  public readonly group: scheduler.ScheduleGroup;
  /** Receives the invocations Scheduler gave up on. */
  public readonly deadLetterQueue: DeadLetterQueue;
  /** The role Scheduler assumes to invoke the target. */
  public readonly role: iam.Role;
  /** Fires when any invocation was dead-lettered. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;
  /**
   * Fires when Scheduler's invoke of the target failed (throttled, denied, function missing),
   * retries included. Scheduler counts per schedule group: the stack's own.
   */
  public readonly targetErrorsAlarm: cloudwatch.Alarm;
  /** Fires when Scheduler dropped an invocation: retries exhausted and the DLQ send failed too. */
  public readonly droppedAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: RequestorScheduleProps) {
    super(scope, id);
    const rate = props.rate ?? Duration.minutes(1);

    this.deadLetterQueue = new DeadLetterQueue(this, 'Dlq', {
      queueName: `${props.scheduleName}-dlq`,
      alarmDescription: `Scheduled requestor invocations could not be delivered; see ${props.scheduleName}-dlq.`,
      removalPolicy: props.removalPolicy,
    });
    this.deadLetterAlarm = this.deadLetterQueue.notEmptyAlarm;
    // Unlike the pipeline's DLQs, no queue's redrive policy names this one, so cdk-nag cannot tell.
    acknowledgeIsDeadLetterQueue(this.deadLetterQueue);

    // Our own role, so the role lives (and is acknowledged) in this construct rather than at stack level.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
      description: `Lets EventBridge Scheduler invoke the requestor (${props.scheduleName})`,
    });

    // A group of the stack's own: Scheduler's metrics count per group, and on the account's
    // `default` group the alarms would count every schedule of the account, other stages' too.
    this.group = new scheduler.ScheduleGroup(this, 'Group', {
      scheduleGroupName: props.scheduleName,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      scheduleName: props.scheduleName,
      scheduleGroup: this.group,
      description: `Requests ${props.count ?? 10} strings every ${rate.toHumanString()}`,
      schedule: scheduler.ScheduleExpression.rate(rate),
      enabled: props.enabled ?? true,
      target: new InvokeOnly(props.target, this.role, this.deadLetterQueue, {
        // The scheduled time is the same on every retry of one tick, so a retried tick
        // re-sends the same requests instead of asking for new ones.
        input: scheduler.ScheduleTargetInput.fromObject({
          count: props.count ?? 10,
          idempotencyKey: scheduler.ContextAttribute.scheduledTime,
        }),
        // A tick that cannot run before the next one is due is superseded by it.
        maximumEventAgeInSeconds: Math.max(60, rate.toSeconds()),
        maximumRetryAttempts: 2,
      }),
    });

    const group = this.group;
    const atLeastOne = {
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    };
    const sum = { period: Duration.minutes(1), statistic: cloudwatch.Stats.SUM };
    this.targetErrorsAlarm = new cloudwatch.Alarm(this, 'TargetErrorsAlarm', {
      ...atLeastOne,
      alarmName: `${props.scheduleName}-target-errors`,
      alarmDescription: `EventBridge Scheduler could not invoke its target (the ${props.scheduleName} schedule group).`,
      metric: group.metricTargetErrors(sum),
    });
    this.droppedAlarm = new cloudwatch.Alarm(this, 'DroppedAlarm', {
      ...atLeastOne,
      alarmName: `${props.scheduleName}-dropped`,
      alarmDescription: `EventBridge Scheduler dropped invocations after every retry, without reaching ${props.scheduleName}-dlq.`,
      metric: group.metricDropped(sum),
    });
  }
}

/** What {@link InvokeOnly} sends and how it retries. */
interface InvokeOnlyProps {
  readonly input: scheduler.ScheduleTargetInput;
  readonly maximumEventAgeInSeconds: number;
  readonly maximumRetryAttempts: number;
}

/**
 * A Lambda target whose role may invoke the function's own ARN, the one Scheduler calls, and send
 * to the DLQ: CDK's `LambdaInvoke` grants `grantInvoke` (the function and `<arn>:*`, every version
 * and alias) and `grantSendMessages` (with GetQueueUrl and GetQueueAttributes, never called).
 */
class InvokeOnly implements scheduler.IScheduleTarget {
  constructor(
    private readonly fn: lambda.IFunction,
    private readonly role: iam.IRole,
    private readonly deadLetterQueue: sqs.IQueue,
    private readonly props: InvokeOnlyProps,
  ) {}

  bind(): scheduler.ScheduleTargetConfig {
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.fn.functionArn],
      }),
    );
    this.deadLetterQueue.grant(this.role, 'sqs:SendMessage');
    return {
      arn: this.fn.functionArn,
      role: this.role,
      input: this.props.input,
      deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
      retryPolicy: {
        maximumEventAgeInSeconds: this.props.maximumEventAgeInSeconds,
        maximumRetryAttempts: this.props.maximumRetryAttempts,
      },
    };
  }
}
