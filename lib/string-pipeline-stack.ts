/**
 * The app's one stack: the tables, the two functions and the queues between them, the schedule,
 * the alarms and dashboard, and the outputs the tools find the resources by.
 */
import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { Env, METRICS_NAMESPACE, Output, SERVICE_METRICS } from '../contract/contract';
import { loadConfig, type PipelineConfig } from './config';
import { AlarmTopic } from './constructs/alarm-topic';
import { DeadLetterQueue, physicalName } from './constructs/dead-letter-queue';
import { FunctionAlarms } from './constructs/function-alarms';
import { Monitoring } from './constructs/monitoring';
import { PipelineFunction } from './constructs/pipeline-function';
import { QueueWithDlq } from './constructs/queue-with-dlq';
import { RequestorSchedule } from './constructs/requestor-schedule';
import { SendOnlyDestination } from './constructs/send-only-destination';
import { acknowledgeIsDeadLetterQueue } from './nag';

/** Properties of a {@link StringPipelineStack}. */
export interface StringPipelineStackProps extends StackProps {
  /**
   * The pipeline settings.
   * @default - read from CDK context with `loadConfig` (see lib/config.ts for the keys)
   */
  readonly config?: PipelineConfig;
}

const entry = (path: string): string =>
  fileURLToPath(new URL(`../functions/${path}`, import.meta.url));

/**
 * The requestor/generator pipeline:
 *
 * ```
 * Scheduler -> requestor -> [request queue] -> generator -> [response queue] -> requestor
 *                  |                              ^
 *                  +--------> [ack queue] --------+
 * ```
 *
 * The requestor records requests in the Requests table and asks for strings on the request
 * queue; the generator stores each string in the Strings table and answers on the response
 * queue; the requestor stores the answer and acknowledges it on the ack queue, and the generator
 * marks the string acknowledged. Every queue has a DLQ and alarms.
 */
export class StringPipelineStack extends Stack {
  /** The settings the stack was built with. */
  public readonly config: PipelineConfig;
  /** Requests from the requestor to the generator. */
  public readonly requestQueue: QueueWithDlq;
  /** Generated strings from the generator back to the requestor. */
  public readonly responseQueue: QueueWithDlq;
  /** Acknowledgements from the requestor to the generator. */
  public readonly ackQueue: QueueWithDlq;
  /** The requestor's table: one item per request. */
  public readonly requestsTable: dynamodb.Table;
  /** The generator's table: one item per generated string. */
  public readonly stringsTable: dynamodb.Table;
  /** Sends requests (on schedule) and stores responses. */
  public readonly requestor: PipelineFunction;
  /** Generates strings for requests and records acknowledgements. */
  public readonly generator: PipelineFunction;
  /** Invokes the requestor at a fixed rate. */
  public readonly schedule: RequestorSchedule;
  /** Asynchronous requestor invocations (the schedule's ticks) that failed every retry. */
  public readonly requestorFailures: DeadLetterQueue;
  /** The dashboard. */
  public readonly monitoring: Monitoring;
  /** Where every alarm of the stack is sent. */
  public readonly alarmTopic: AlarmTopic;

  constructor(scope: Construct, id: string, props: StringPipelineStackProps = {}) {
    super(scope, id, props);
    const config = props.config ?? loadConfig(this.node);
    this.config = config;
    const name = this.stackName;
    const removalPolicy = config.stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.requestsTable = this.table('RequestsTable', `${name}-requests`, config, removalPolicy);
    this.stringsTable = this.table('StringsTable', `${name}-strings`, config, removalPolicy);
    [this.requestor, this.generator] = this.functions(config, removalPolicy);
    [this.requestQueue, this.ackQueue, this.responseQueue] = this.queues(config, removalPolicy);

    // The requestor owns the Requests table and produces requests and acks; the generator owns
    // the Strings table and produces responses.
    this.requestor
      .readsWrites(this.requestsTable, Env.RequestsTableName)
      .sendsTo(this.requestQueue.queue, Env.RequestQueueUrl)
      .sendsTo(this.ackQueue.queue, Env.AckQueueUrl);
    this.generator
      .readsWrites(this.stringsTable, Env.StringsTableName)
      .sendsTo(this.responseQueue.queue, Env.ResponseQueueUrl);

    this.schedule = new RequestorSchedule(this, 'Schedule', {
      target: this.requestor.function,
      scheduleName: `${name}-schedule`,
      rate: Duration.minutes(config.scheduleRateMinutes),
      count: config.requestsPerTick,
      enabled: config.scheduleEnabled,
      removalPolicy,
    });

    // Every alarm in the stack, including ones added after this line, notifies this topic.
    this.alarmTopic = new AlarmTopic(this, 'Alarms', {
      topicName: `${name}-alarms`,
      email: config.alarmEmail,
    });
    const functionAlarms = [
      new FunctionAlarms(this, 'RequestorAlarms', {
        function: this.requestor.function,
        alarmNamePrefix: `${name}-requestor`,
      }),
      new FunctionAlarms(this, 'GeneratorAlarms', {
        function: this.generator.function,
        alarmNamePrefix: `${name}-generator`,
      }),
    ];
    this.requestorFailures = this.requestorFailureDestination(removalPolicy);
    this.monitoring = this.dashboard(functionAlarms);
    this.outputs();
  }

  /** The two functions, requestor first. */
  private functions(
    config: PipelineConfig,
    removalPolicy: RemovalPolicy,
  ): [PipelineFunction, PipelineFunction] {
    const name = this.stackName;
    const functionDefaults = {
      memorySize: config.memorySize,
      logRetention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy,
    };
    const requestor = new PipelineFunction(this, 'Requestor', {
      ...functionDefaults,
      entry: entry('requestor/index.ts'),
      functionName: `${name}-requestor`,
      description: 'Requests strings on a schedule, stores the responses and acknowledges them',
      timeout: Duration.seconds(config.requestorTimeoutSeconds),
      environment: {
        [Env.MetricsNamespace]: METRICS_NAMESPACE,
        [Env.DefaultRequestCount]: String(config.requestsPerTick),
      },
    });
    const generator = new PipelineFunction(this, 'Generator', {
      ...functionDefaults,
      entry: entry('generator/index.ts'),
      functionName: `${name}-generator`,
      description: 'Generates and stores a string per request, and records acknowledgements',
      timeout: Duration.seconds(config.generatorTimeoutSeconds),
      environment: { [Env.MetricsNamespace]: METRICS_NAMESPACE },
    });
    return [requestor, generator];
  }

  /** The request, ack and response queues with their DLQs and consumers, in that order. */
  private queues(
    config: PipelineConfig,
    removalPolicy: RemovalPolicy,
  ): [QueueWithDlq, QueueWithDlq, QueueWithDlq] {
    const name = this.stackName;
    const queueDefaults = {
      maxReceiveCount: config.maxReceiveCount,
      oldestMessageAlarmThreshold: Duration.seconds(config.oldestMessageAlarmSeconds),
      removalPolicy,
    };
    const consumerDefaults = {
      batchSize: config.batchSize,
      maxBatchingWindow: Duration.seconds(config.maxBatchingWindowSeconds),
      maxConcurrency: config.maxConcurrency,
    };
    // Each consumer dead-letters messages it can never process itself, so it is told its DLQ. The
    // generator serves two queues and tells their records apart by source queue ARN.
    const generatorQueue = (id: string, arnEnv: string, dlqEnv: string) =>
      new QueueWithDlq(this, id, {
        ...queueDefaults,
        queueName: `${name}-${id.toLowerCase()}`,
        consumer: {
          ...consumerDefaults,
          function: this.generator,
          queueArnEnv: arnEnv,
          deadLetterQueueUrlEnv: dlqEnv,
        },
      });
    const request = generatorQueue('Request', Env.RequestQueueArn, Env.RequestDlqUrl);
    const ack = generatorQueue('Ack', Env.AckQueueArn, Env.AckDlqUrl);
    const response = new QueueWithDlq(this, 'Response', {
      ...queueDefaults,
      queueName: `${name}-response`,
      consumer: {
        ...consumerDefaults,
        function: this.requestor,
        deadLetterQueueUrlEnv: Env.ResponseDlqUrl,
      },
    });
    return [request, ack, response];
  }

  /**
   * Scheduler invokes the requestor asynchronously: Lambda retries a failed tick twice (the same
   * scheduled time, so the same request ids), then puts the event here with the error, which
   * names the payload to re-invoke with.
   */
  private requestorFailureDestination(removalPolicy: RemovalPolicy): DeadLetterQueue {
    const name = this.stackName;
    const failures = new DeadLetterQueue(this, 'RequestorFailureDlq', {
      queueName: `${name}-requestor-failures`,
      alarmDescription: `Asynchronous requestor invocations (scheduled ticks) failed every retry; see ${name}-requestor-failures, and re-invoke the requestor with each message's requestPayload.`,
      removalPolicy,
    });
    // No queue's redrive policy names it (Lambda sends to it), so cdk-nag cannot tell.
    acknowledgeIsDeadLetterQueue(failures);
    this.requestor.function.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SendOnlyDestination(failures),
    });
    return failures;
  }

  /** The dashboard, with every alarm of the stack. */
  private dashboard(functionAlarms: readonly FunctionAlarms[]): Monitoring {
    const queues = [this.requestQueue, this.responseQueue, this.ackQueue];
    return new Monitoring(this, 'Monitoring', {
      dashboardName: this.stackName,
      metricsNamespace: METRICS_NAMESPACE,
      queues,
      functions: [
        {
          service: 'requestor',
          function: this.requestor.function,
          metricNames: SERVICE_METRICS.requestor,
        },
        {
          service: 'generator',
          function: this.generator.function,
          metricNames: SERVICE_METRICS.generator,
        },
      ],
      alarms: [
        ...queues.flatMap((q) => [q.deadLetterAlarm, q.oldestMessageAlarm]),
        this.schedule.deadLetterAlarm,
        this.schedule.targetErrorsAlarm,
        this.schedule.droppedAlarm,
        ...functionAlarms.flatMap((alarms) => [alarms.errors, alarms.throttles]),
        this.requestorFailures.notEmptyAlarm,
      ],
    });
  }

  /** The outputs: a contract, as the local cloud, the operations tools and tests look them up. */
  private outputs(): void {
    const output = (outputId: string, value: string, description: string) =>
      new CfnOutput(this, outputId, { value, description });
    const { requestQueue, responseQueue, ackQueue } = this;
    output(Output.RequestQueueUrl, requestQueue.queue.queueUrl, 'Request queue');
    output(Output.RequestDlqUrl, requestQueue.deadLetterQueue.queueUrl, 'Request DLQ');
    output(Output.ResponseQueueUrl, responseQueue.queue.queueUrl, 'Response queue');
    output(Output.ResponseDlqUrl, responseQueue.deadLetterQueue.queueUrl, 'Response DLQ');
    output(Output.AckQueueUrl, ackQueue.queue.queueUrl, 'Ack queue');
    output(Output.AckDlqUrl, ackQueue.deadLetterQueue.queueUrl, 'Ack DLQ');
    output(Output.ScheduleDlqUrl, this.schedule.deadLetterQueue.queueUrl, 'Schedule DLQ');
    output(
      Output.RequestorFailureDlqUrl,
      this.requestorFailures.queueUrl,
      'Failed asynchronous requestor invocations',
    );
    output(Output.RequestsTableName, this.requestsTable.tableName, 'Requests table (requestor)');
    output(Output.StringsTableName, this.stringsTable.tableName, 'Strings table (generator)');
    output(
      Output.RequestorFunctionName,
      this.requestor.function.functionName,
      'Requestor function',
    );
    output(
      Output.GeneratorFunctionName,
      this.generator.function.functionName,
      'Generator function',
    );
    const logGroup = (fn: PipelineFunction) => fn.logGroup.logGroupName;
    output(Output.RequestorLogGroupName, logGroup(this.requestor), 'Requestor log group');
    output(Output.GeneratorLogGroupName, logGroup(this.generator), 'Generator log group');
    output(Output.DashboardName, this.monitoring.dashboard.dashboardName, 'CloudWatch dashboard');
  }

  private table(
    id: string,
    tableName: string,
    config: PipelineConfig,
    removalPolicy: RemovalPolicy,
  ): dynamodb.Table {
    return new dynamodb.Table(this, id, {
      tableName: physicalName(tableName, removalPolicy),
      partitionKey: { name: 'requestId', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: config.stage === 'prod',
      removalPolicy,
    });
  }
}
