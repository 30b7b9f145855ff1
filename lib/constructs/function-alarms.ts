/** The construct that alarms on a function's failed and throttled invocations. */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

/** Properties of {@link FunctionAlarms}. */
export interface FunctionAlarmsProps {
  readonly function: lambda.IFunction;
  /** Prefix of the alarm names: `<name>-errors`, `<name>-throttles`. */
  readonly alarmNamePrefix: string;
}

/**
 * Alarms on a function's failed and throttled invocations. Batch handlers report failed records
 * without failing the invocation, so an error here means a whole invocation failed: a bug, a
 * timeout, a crash or a malformed event, worth a look at once. A throttle means the account's
 * or the function's concurrency ran out, and retried messages are edging toward their DLQ.
 */
export class FunctionAlarms extends Construct {
  /** Fires on any failed invocation in a minute. */
  public readonly errors: cloudwatch.Alarm;
  /** Fires on any throttled invocation in a minute. */
  public readonly throttles: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: FunctionAlarmsProps) {
    super(scope, id);
    const atLeastOne = {
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    };
    const period = Duration.minutes(1);
    this.errors = new cloudwatch.Alarm(this, 'Errors', {
      ...atLeastOne,
      alarmName: `${props.alarmNamePrefix}-errors`,
      alarmDescription: `${props.alarmNamePrefix} invocations failed as a whole; see its log group for the error.`,
      metric: props.function.metricErrors({ period, statistic: cloudwatch.Stats.SUM }),
    });
    this.throttles = new cloudwatch.Alarm(this, 'Throttles', {
      ...atLeastOne,
      alarmName: `${props.alarmNamePrefix}-throttles`,
      alarmDescription: `${props.alarmNamePrefix} invocations were throttled; check reserved and account concurrency.`,
      metric: props.function.metricThrottles({ period, statistic: cloudwatch.Stats.SUM }),
    });
  }
}
