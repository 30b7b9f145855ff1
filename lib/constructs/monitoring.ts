/**
 * The construct that builds the pipeline's CloudWatch dashboard from its queues, functions and
 * alarms.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { QueueWithDlq } from './queue-with-dlq';

/** A function shown on the dashboard, and the `Service` dimension of its custom metrics. */
export interface MonitoredFunction {
  /** Label on the graphs, and the value of the `Service` dimension its EMF metrics carry. */
  readonly service: string;
  /** The function. */
  readonly function: lambda.IFunction;
  /** The custom metrics (EMF) this service emits, e.g. `Requested`. */
  readonly metricNames: readonly string[];
}

/** Properties of a {@link Monitoring}. */
export interface MonitoringProps {
  /** Physical name of the dashboard. */
  readonly dashboardName: string;
  /** The queues to chart, each with its DLQ, labelled by their construct id. */
  readonly queues: readonly QueueWithDlq[];
  /** The functions to chart. */
  readonly functions: readonly MonitoredFunction[];
  /** CloudWatch namespace of the functions' EMF metrics. */
  readonly metricsNamespace: string;
  /**
   * Alarms whose state is shown at the top of the dashboard.
   * @default - no alarm status widget
   */
  readonly alarms?: readonly cloudwatch.IAlarm[];
  /**
   * Period of every graphed metric.
   * @default Duration.minutes(1)
   */
  readonly period?: Duration;
}

/** One CloudWatch dashboard for the whole pipeline: alarms, queues, functions, business metrics. */
export class Monitoring extends Construct {
  /** The dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const period = props.period ?? Duration.minutes(1);

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
    });

    if (props.alarms && props.alarms.length > 0) {
      this.dashboard.addWidgets(
        new cloudwatch.AlarmStatusWidget({
          title: 'Alarms',
          alarms: [...props.alarms],
          width: 24,
        }),
      );
    }

    this.dashboard.addWidgets(...props.queues.map((pipe) => queueWidget(pipe, props, period)));

    const perFunction = (
      title: string,
      metric: (fn: lambda.IFunction, options: cloudwatch.MetricOptions) => cloudwatch.Metric,
      statistic: string,
    ) =>
      new cloudwatch.GraphWidget({
        title,
        width: 6,
        left: props.functions.map((f) =>
          metric(f.function, { label: f.service, period, statistic }),
        ),
      });
    this.dashboard.addWidgets(
      perFunction('Invocations', (fn, o) => fn.metricInvocations(o), cloudwatch.Stats.SUM),
      perFunction('Errors', (fn, o) => fn.metricErrors(o), cloudwatch.Stats.SUM),
      perFunction('Duration p99 (ms)', (fn, o) => fn.metricDuration(o), cloudwatch.Stats.p(99)),
      perFunction('Throttles', (fn, o) => fn.metricThrottles(o), cloudwatch.Stats.SUM),
    );

    this.dashboard.addWidgets(
      ...props.functions.map(
        (f) =>
          new cloudwatch.GraphWidget({
            title: `${f.service} pipeline metrics`,
            width: 24 / props.functions.length,
            left: f.metricNames.map(
              (metricName) =>
                new cloudwatch.Metric({
                  namespace: props.metricsNamespace,
                  metricName,
                  dimensionsMap: { Service: f.service },
                  statistic: cloudwatch.Stats.SUM,
                  label: metricName,
                  period,
                }),
            ),
          }),
      ),
    );
  }
}

/** A queue's depth, in-flight count, DLQ depth and oldest message age. */
function queueWidget(
  pipe: MonitoringProps['queues'][number],
  props: MonitoringProps,
  period: Duration,
): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({
    title: `${pipe.node.id} queue`,
    width: 24 / props.queues.length,
    left: [
      pipe.queue.metricApproximateNumberOfMessagesVisible({ label: 'Visible', period }),
      pipe.queue.metricApproximateNumberOfMessagesNotVisible({ label: 'In flight', period }),
      pipe.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: 'In DLQ', period }),
    ],
    right: [
      pipe.queue.metricApproximateAgeOfOldestMessage({ label: 'Oldest message age (s)', period }),
    ],
  });
}
