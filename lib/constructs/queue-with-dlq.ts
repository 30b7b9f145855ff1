/**
 * The construct for a pipeline queue: the queue, its DLQ, its Lambda consumer's event source and
 * its alarms, with the visibility timeout derived from the consumer's timeout.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { POLLER_ACTIONS } from '../../contract/contract';
import { validateMaxReceiveCount } from '../config';
import { DeadLetterQueue, physicalName } from './dead-letter-queue';
import type { PipelineFunction } from './pipeline-function';

/** The most SQS allows for a visibility timeout. */
const MAX_VISIBILITY_TIMEOUT_SECONDS = 12 * 60 * 60;

/**
 * The visibility timeout a queue needs for a Lambda consumer: AWS recommends at least six times
 * the function timeout (room for retries of throttled invocations) plus the batching window
 * (messages are already invisible while the batch fills).
 */
export function visibilityTimeoutFor(
  consumerTimeout: Duration,
  maxBatchingWindow: Duration,
): Duration {
  const seconds = 6 * consumerTimeout.toSeconds() + maxBatchingWindow.toSeconds();
  if (seconds > MAX_VISIBILITY_TIMEOUT_SECONDS) {
    throw new Error(
      `visibility timeout 6 x ${consumerTimeout.toSeconds()}s + ${maxBatchingWindow.toSeconds()}s = ${seconds}s exceeds the SQS maximum of ${MAX_VISIBILITY_TIMEOUT_SECONDS}s; lower the consumer timeout or batching window`,
    );
  }
  return Duration.seconds(seconds);
}

/** How a queue's consumer polls it, and what it is told about the queue. */
export interface QueueConsumerProps {
  /** The function that processes the queue; its timeout sets the queue's visibility timeout. */
  readonly function: PipelineFunction;
  /**
   * Environment variable that tells the consumer the queue's ARN (to tell its sources apart by a
   * record's `eventSourceARN`). The event source mapping is what lets it read the queue.
   * @default - the consumer is not told the ARN
   */
  readonly queueArnEnv?: string;
  /**
   * Environment variable that tells the consumer the DLQ's URL; the consumer may then send to the
   * DLQ, to dead-letter a message it can never process without waiting for `maxReceiveCount`.
   * @default - the consumer may not send to the DLQ and is not told its URL
   */
  readonly deadLetterQueueUrlEnv?: string;
  /**
   * Messages per invocation (above 10 needs a batching window).
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * How long the event source mapping may wait to fill a batch.
   * @default Duration.seconds(1)
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Most concurrent invocations this queue may cause (2..1000).
   * @default 5
   */
  readonly maxConcurrency?: number;
}

/** Properties of a {@link QueueWithDlq}. */
export interface QueueWithDlqProps {
  /**
   * Name of the queue, `<queueName>-dlq` that of its DLQ, and the prefix of their alarms' names.
   * A retained queue is not given it as physical name: see {@link DeadLetterQueueProps.queueName}.
   */
  readonly queueName: string;
  /** The Lambda function that consumes the queue, with its polling settings. */
  readonly consumer: QueueConsumerProps;
  /**
   * Receives before a message moves to the DLQ (5..1000: AWS advises at least 5 for Lambda
   * consumers).
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * How long an unprocessed message stays in the queue.
   * @default Duration.days(4)
   */
  readonly retentionPeriod?: Duration;
  /**
   * How long a dead-lettered message stays in the DLQ; longer than the queue's, so a message
   * cannot expire in the DLQ before it would have expired at the source.
   * @default Duration.days(14)
   */
  readonly deadLetterRetentionPeriod?: Duration;
  /**
   * Alarm when the oldest message in the queue is at least this old (the consumer is stuck or
   * falling behind).
   * @default Duration.minutes(5)
   */
  readonly oldestMessageAlarmThreshold?: Duration;
  /**
   * What happens to both queues when they leave the stack.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A source queue with its dead-letter queue, its Lambda consumer (partial batch responses) and
 * its alarms. The visibility timeout is derived from the consumer, never set by hand. The consumer
 * gets the event source mapping and, if asked for, the queue's ARN and the DLQ's URL with the
 * right to send to it.
 */
export class QueueWithDlq extends Construct {
  /** The queue producers send to and the consumer polls. */
  public readonly queue: sqs.Queue;
  /** Where messages go after `maxReceiveCount` failed receives, or when the consumer rejects them. */
  public readonly deadLetterQueue: DeadLetterQueue;
  /** The event source mapping feeding the consumer. */
  public readonly eventSource: lambda.EventSourceMapping;
  /** Fires when any message is in the DLQ. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;
  /** Fires when the oldest message in the queue is older than the threshold. */
  public readonly oldestMessageAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: QueueWithDlqProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    const maxReceiveCount = validateMaxReceiveCount(props.maxReceiveCount ?? 5);
    const consumer = props.consumer.function;
    const maxBatchingWindow = props.consumer.maxBatchingWindow ?? Duration.seconds(1);

    this.deadLetterQueue = new DeadLetterQueue(this, 'Dlq', {
      queueName: `${props.queueName}-dlq`,
      alarmDescription: `Messages in ${props.queueName}-dlq: they failed ${maxReceiveCount} times or were rejected. Inspect them, then redrive.`,
      retentionPeriod: props.deadLetterRetentionPeriod ?? Duration.days(14),
      removalPolicy,
    });
    this.deadLetterAlarm = this.deadLetterQueue.notEmptyAlarm;

    this.queue = new sqs.Queue(this, 'Queue', {
      queueName: physicalName(props.queueName, removalPolicy),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: props.retentionPeriod ?? Duration.days(4),
      visibilityTimeout: visibilityTimeoutFor(consumer.timeout, maxBatchingWindow),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
      removalPolicy,
    });

    // A mapping of our own rather than SqsEventSource, whose grantConsumeMessages adds
    // ChangeMessageVisibility and GetQueueUrl, which the poller never calls.
    this.eventSource = new lambda.EventSourceMapping(this, 'EventSource', {
      target: consumer.function,
      eventSourceArn: this.queue.queueArn,
      batchSize: props.consumer.batchSize ?? 10,
      maxBatchingWindow,
      maxConcurrency: props.consumer.maxConcurrency ?? 5,
      reportBatchItemFailures: true,
    });
    this.queue.grant(consumer.function, ...POLLER_ACTIONS);
    if (props.consumer.queueArnEnv) {
      consumer.function.addEnvironment(props.consumer.queueArnEnv, this.queue.queueArn);
    }
    if (props.consumer.deadLetterQueueUrlEnv) {
      consumer.sendsTo(this.deadLetterQueue, props.consumer.deadLetterQueueUrlEnv);
    }

    const threshold = props.oldestMessageAlarmThreshold ?? Duration.minutes(5);
    this.oldestMessageAlarm = new cloudwatch.Alarm(this, 'OldestMessageAlarm', {
      alarmName: `${props.queueName}-oldest-message-age`,
      alarmDescription: `The oldest message in ${props.queueName} is at least ${threshold.toSeconds()}s old: its consumer is failing or falling behind.`,
      metric: this.queue.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: threshold.toSeconds(),
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
