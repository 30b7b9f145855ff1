import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  type AttributeDefinition,
  CreateTableCommand,
  DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type LocalSecondaryIndex,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { ApiMeter, startDynamoDb, startSqs } from './emulators';
import { type EventSourceSpec, SqsEventSource } from './event-source';
import { FunctionRunner, type FunctionSpec } from './lambda-runtime';
import { ScheduleRunner } from './scheduler';
import { synthesize } from './synth';
import {
  IntrinsicResolver,
  type LocalResource,
  loadStack,
  resourcesOfType,
  type StackArtifact,
  TemplateError,
} from './template';

/** Options of {@link startLocalCloud}. */
export interface LocalCloudOptions {
  /** Existing cloud assembly directory. @default synthesize the CDK app into `.local-cloud/cdk.out` */
  readonly assemblyDir?: string;
  /** CDK context for the synth (string values, as `-c key=value` passes them). @default none */
  readonly context?: Record<string, string>;
  /** Stack to run. @default the only stack in the assembly */
  readonly stackName?: string;
  /** dynalite's on-disk state; a restart with the same directory keeps the tables. @default in memory */
  readonly dataDir?: string;
  /**
   * Divides time-based behaviour: schedule rates, queue visibility timeouts (whole seconds, at
   * least 1) and batching windows. Function timeouts are not scaled. @default 1
   */
  readonly timeScale?: number;
  /** Run the template's schedules. @default false */
  readonly schedules?: boolean;
  /** Write `{ region, endpoints, stackName, outputs }` here for `inspect`/`redrive`. @default not written */
  readonly stateFile?: string;
  /** Sink for function logs and local-cloud diagnostics, one JSON line each. @default discard */
  readonly log?: (line: string) => void;
}

/** A queue as the local cloud created it. */
export interface LocalQueue {
  readonly logicalId: string;
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly dlqArn?: string;
  readonly maxReceiveCount?: number;
  /** The visibility timeout in force locally (after `timeScale`), in seconds. */
  readonly visibilityTimeoutSeconds: number;
}

/** Counters for the cost model. */
export interface LocalCloudMetrics {
  /** API calls by `Service.Action`, from functions, event source pollers and clients alike. */
  readonly calls: Record<string, number>;
  readonly writeRequestUnits: number;
  readonly readRequestUnits: number;
  readonly lambda: Record<
    string,
    {
      invocations: number;
      errors: number;
      totalDurationMs: number;
      coldStarts: number;
      memorySize: number;
    }
  >;
}

/** A running local cloud. */
export interface LocalCloud {
  readonly region: string;
  readonly endpoints: { readonly sqs: string; readonly dynamodb: string };
  readonly stackName: string;
  /** Stack outputs with intrinsics resolved. */
  readonly outputs: Record<string, string>;
  readonly queues: Record<string, LocalQueue>;
  readonly tables: Record<string, { readonly logicalId: string; readonly name: string }>;
  readonly functions: Record<
    string,
    {
      readonly logicalId: string;
      readonly name: string;
      readonly memorySize: number;
      readonly timeoutSeconds: number;
    }
  >;
  /** Client settings for talking to the emulators. */
  clientConfig(service: 'sqs' | 'dynamodb'): {
    region: string;
    endpoint: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  /** Synchronous invoke by function name or logical id. */
  invoke(
    fn: string,
    payload: unknown,
  ): Promise<{ result?: unknown; error?: { errorType: string; errorMessage: string } }>;
  /** Stops the event source mappings that feed `fn` (once their batches in progress are done). */
  pauseConsumer(fn: string): Promise<void>;
  resumeConsumer(fn: string): void;
  /** Stops running the schedules (after the runs in progress); the rest keeps going. */
  stopSchedules(): Promise<void>;
  /** Kills every execution environment of `fn` mid-invocation; returns how many died. */
  crashFunction(fn: string): Promise<number>;
  /** Restarts dynalite on the same port, like a database crash; on-disk data survives. */
  restartDynamoDb(): Promise<void>;
  /** Resolves when no source queue holds a visible, delayed or in-flight message and nothing runs. */
  waitForIdle(opts?: { timeoutMs?: number }): Promise<void>;
  metrics(): LocalCloudMetrics;
  resetMetrics(): void;
  /** Stops schedules, pollers, functions and emulators, freeing every port. */
  stop(): Promise<void>;
}

/** A local cloud operation was given something it cannot do (unknown function, bad payload). */
export class LocalCloudError extends Error {
  override readonly name = 'LocalCloudError';
}

const REGION = 'us-east-1';
const ACCOUNT_ID = '000000000000';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const DEFAULT_OUTDIR = '.local-cloud/cdk.out';
/** Lambda's synchronous invocation payload limit. */
const MAX_INVOKE_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** Lambda's limit on an SQS mapping's concurrent batches when the template sets none. */
const DEFAULT_MAXIMUM_CONCURRENCY = 1250;

/**
 * Starts a local cloud running the synthesized stack: SQS (fauxqs) and DynamoDB (dynalite) on
 * 127.0.0.1, each function in its own worker-thread environments, SQS event source mappings and
 * schedules emulated as AWS documents them. See local/API.md.
 *
 * @throws TemplateError if the template holds something the local cloud cannot run
 */
export async function startLocalCloud(opts: LocalCloudOptions = {}): Promise<LocalCloud> {
  const timeScale = opts.timeScale ?? 1;
  if (!(timeScale > 0))
    throw new LocalCloudError(`timeScale must be a positive number, got ${timeScale}`);
  const sink = opts.log ?? (() => {});
  const diagnostic = (fields: Record<string, unknown>) =>
    sink(JSON.stringify({ timestamp: new Date().toISOString(), source: 'local-cloud', ...fields }));

  const assemblyDir = opts.assemblyDir ?? synthesize(resolve(DEFAULT_OUTDIR), opts.context);
  const stack = loadStack(assemblyDir, opts.stackName);

  const meter = new ApiMeter();
  const stoppers: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stoppers.splice(0).reverse()) await stop();
  };
  try {
    const sqsEmulator = await startSqs(meter, REGION);
    stoppers.push(() => sqsEmulator.stop());
    const dynamoEmulator = await startDynamoDb(meter, opts.dataDir);
    stoppers.push(() => dynamoEmulator.stop());
    const clientConfig = (service: 'sqs' | 'dynamodb') => ({
      region: REGION,
      endpoint: service === 'sqs' ? sqsEmulator.endpoint : dynamoEmulator.endpoint,
      credentials: CREDENTIALS,
    });
    const sqs = new SQSClient(clientConfig('sqs'));
    const dynamodb = new DynamoDBClient(clientConfig('dynamodb'));
    stoppers.push(async () => {
      sqs.destroy();
      dynamodb.destroy();
    });

    const locals = new Map<string, LocalResource>();
    const resolver = new IntrinsicResolver(stack, locals, {
      region: REGION,
      accountId: ACCOUNT_ID,
    });

    const tables = await createTables(stack, dynamodb, resolver, locals);
    const queues = await createQueues(stack, sqs, resolver, locals, timeScale);
    registerInertResources(stack, locals);
    const functionSpecs = describeFunctions(stack, resolver, locals);

    const functionEnvironment = {
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_SQS: sqsEmulator.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoEmulator.endpoint,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs_local',
    };
    const runners = new Map<string, FunctionRunner>();
    for (const spec of functionSpecs) {
      runners.set(
        spec.logicalId,
        new FunctionRunner(spec, {
          region: REGION,
          accountId: ACCOUNT_ID,
          environment: functionEnvironment,
          log: sink,
        }),
      );
    }
    stoppers.push(async () => {
      await Promise.all([...runners.values()].map((r) => r.stop()));
    });
    const runner = (fn: string): FunctionRunner => {
      const found =
        runners.get(fn) ??
        [...runners.values()].find((r) => r.spec.name === fn || arnOf(r.spec) === fn);
      if (!found) {
        const known = [...runners.values()].map((r) => `${r.spec.name} (${r.spec.logicalId})`);
        throw new LocalCloudError(`No function ${fn}; this stack has ${known.join(', ')}`);
      }
      return found;
    };

    const eventSources = describeEventSources(stack, resolver, queues, runner).map(
      (spec) =>
        new SqsEventSource(spec, {
          sqs,
          region: REGION,
          timeScale,
          invoke: (event) => runner(spec.functionName).invoke(event),
          wakePollers: () => sqsEmulator.queue(spec.queueUrl)?.notifyWaiters(),
          log: diagnostic,
        }),
    );
    stoppers.push(async () => {
      await Promise.all(eventSources.map((s) => s.stop()));
    });

    const schedules = describeSchedules(stack, resolver, queues, runner).map(
      (spec) =>
        new ScheduleRunner(spec, {
          sqs,
          timeScale,
          invoke: (payload) => runner(spec.functionName).invoke(payload),
          log: diagnostic,
        }),
    );
    stoppers.push(async () => {
      await Promise.all(schedules.map((s) => s.stop()));
    });

    const outputs = Object.fromEntries(
      Object.entries(stack.outputs).map(([key, output]) => [
        key,
        resolver.string(output.Value, `Outputs.${key}`),
      ]),
    );

    for (const source of eventSources) source.start();
    if (opts.schedules) for (const schedule of schedules) schedule.start();

    const endpoints = { sqs: sqsEmulator.endpoint, dynamodb: dynamoEmulator.endpoint };
    if (opts.stateFile) {
      const stateFile = opts.stateFile;
      mkdirSync(dirname(stateFile), { recursive: true });
      writeFileSync(
        stateFile,
        `${JSON.stringify({ region: REGION, endpoints, stackName: stack.stackName, outputs }, null, 2)}\n`,
      );
      stoppers.unshift(async () => rmSync(stateFile, { force: true }));
    }

    meter.reset();
    diagnostic({
      level: 'INFO',
      message: 'Local cloud started',
      stackName: stack.stackName,
      endpoints,
    });

    const sourceQueueUrls = eventSources.map((s) => s.spec.queueUrl);
    const pending = () => {
      const depths = sourceQueueUrls.map((url) => {
        const state = sqsEmulator.queue(url);
        return {
          url,
          visible: (state?.messages.length ?? 0) + fifoCount(state?.fifoMessages),
          delayed: (state?.delayedMessages.length ?? 0) + fifoCount(state?.fifoDelayed),
          inFlight: state?.inflightMessages.size ?? 0,
        };
      });
      const busy =
        eventSources.reduce((n, s) => n + s.inFlight, 0) +
        [...runners.values()].reduce((n, r) => n + r.active, 0) +
        schedules.reduce((n, s) => n + s.active, 0);
      const idle = busy === 0 && depths.every((d) => d.visible + d.delayed + d.inFlight === 0);
      return { idle, busy, depths };
    };

    let stopped = false;
    return {
      region: REGION,
      endpoints,
      stackName: stack.stackName,
      outputs,
      queues: Object.fromEntries([...queues.values()].map((q) => [q.logicalId, q])),
      tables,
      functions: Object.fromEntries(
        functionSpecs.map((f) => [
          f.logicalId,
          {
            logicalId: f.logicalId,
            name: f.name,
            memorySize: f.memorySize,
            timeoutSeconds: f.timeoutSeconds,
          },
        ]),
      ),
      clientConfig,
      async invoke(fn, payload) {
        const target = runner(fn);
        const size = Buffer.byteLength(JSON.stringify(payload ?? null));
        if (size > MAX_INVOKE_PAYLOAD_BYTES) {
          throw new LocalCloudError(
            `Payload of ${size} bytes exceeds Lambda's ${MAX_INVOKE_PAYLOAD_BYTES}-byte limit for synchronous invocations`,
          );
        }
        meter.count('Lambda', 'Invoke');
        // The payload crosses a JSON boundary, as it does on AWS.
        const outcome = await target.invoke(JSON.parse(JSON.stringify(payload ?? null)));
        return outcome.error ? { error: outcome.error } : { result: outcome.result };
      },
      async pauseConsumer(fn) {
        const name = runner(fn).spec.name;
        await Promise.all(
          eventSources.filter((s) => s.spec.functionName === name).map((s) => s.pause()),
        );
      },
      resumeConsumer(fn) {
        const name = runner(fn).spec.name;
        for (const source of eventSources.filter((s) => s.spec.functionName === name))
          source.resume();
      },
      crashFunction: (fn) => runner(fn).crash(),
      async stopSchedules() {
        await Promise.all(schedules.map((s) => s.stop()));
      },
      restartDynamoDb: () => dynamoEmulator.restart(),
      async waitForIdle({ timeoutMs = 60_000 } = {}) {
        const deadline = Date.now() + timeoutMs;
        let quietChecks = 0;
        // Idle twice in a row, so a message handed from one function to the next is not missed.
        while (quietChecks < 2) {
          const state = pending();
          quietChecks = state.idle ? quietChecks + 1 : 0;
          if (Date.now() > deadline) {
            throw new LocalCloudError(
              `Still busy after ${timeoutMs} ms: ${state.busy} batches/invocations running, queues ${JSON.stringify(state.depths)}`,
            );
          }
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      },
      metrics() {
        return {
          calls: { ...meter.calls },
          writeRequestUnits: meter.writeRequestUnits,
          readRequestUnits: meter.readRequestUnits,
          lambda: Object.fromEntries(
            [...runners.values()].map((r) => [
              r.spec.name,
              { ...r.metrics, memorySize: r.spec.memorySize },
            ]),
          ),
        };
      },
      resetMetrics() {
        meter.reset();
        for (const r of runners.values())
          Object.assign(r.metrics, {
            invocations: 0,
            errors: 0,
            totalDurationMs: 0,
            coldStarts: 0,
          });
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        await stopAll();
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function fifoCount(groups: Map<string, unknown[]> | undefined): number {
  let count = 0;
  for (const group of groups?.values() ?? []) count += group.length;
  return count;
}

function arnOf(spec: FunctionSpec): string {
  return `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${spec.name}`;
}

async function createTables(
  stack: StackArtifact,
  dynamodb: DynamoDBClient,
  resolver: IntrinsicResolver,
  locals: Map<string, LocalResource>,
): Promise<Record<string, { logicalId: string; name: string }>> {
  const tables: Record<string, { logicalId: string; name: string }> = {};
  for (const [logicalId, props] of resourcesOfType(stack, 'AWS::DynamoDB::Table')) {
    const name = props.TableName
      ? resolver.string(props.TableName, `${logicalId}.TableName`)
      : `${stack.stackName}-${logicalId}`;
    const throughput = { ReadCapacityUnits: 5, WriteCapacityUnits: 5 };
    const onDemand = props.BillingMode === 'PAY_PER_REQUEST';
    const index = (i: Record<string, unknown>) => ({
      IndexName: i.IndexName,
      KeySchema: i.KeySchema,
      Projection: i.Projection,
      ...(onDemand ? {} : { ProvisionedThroughput: throughput }),
    });
    try {
      await dynamodb.send(
        new CreateTableCommand({
          TableName: name,
          KeySchema: props.KeySchema as KeySchemaElement[],
          AttributeDefinitions: props.AttributeDefinitions as AttributeDefinition[],
          ...(onDemand
            ? { BillingMode: 'PAY_PER_REQUEST' }
            : { ProvisionedThroughput: throughput }),
          ...(Array.isArray(props.GlobalSecondaryIndexes)
            ? {
                GlobalSecondaryIndexes: props.GlobalSecondaryIndexes.map(
                  index,
                ) as GlobalSecondaryIndex[],
              }
            : {}),
          ...(Array.isArray(props.LocalSecondaryIndexes)
            ? {
                LocalSecondaryIndexes: props.LocalSecondaryIndexes.map(
                  (i: Record<string, unknown>) => ({
                    IndexName: i.IndexName,
                    KeySchema: i.KeySchema,
                    Projection: i.Projection,
                  }),
                ) as LocalSecondaryIndex[],
              }
            : {}),
        }),
      );
    } catch (error) {
      // Kept from an earlier run with the same data directory.
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    const arn = `arn:aws:dynamodb:${REGION}:${ACCOUNT_ID}:table/${name}`;
    locals.set(logicalId, {
      ref: name,
      attributes: { Arn: arn, StreamArn: `${arn}/stream/local` },
    });
    tables[logicalId] = { logicalId, name };
  }
  return tables;
}

/** Queue attributes SQS accepts on CreateQueue, as CloudFormation names them. */
const QUEUE_ATTRIBUTES = [
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'VisibilityTimeout',
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
] as const;

async function createQueues(
  stack: StackArtifact,
  sqs: SQSClient,
  resolver: IntrinsicResolver,
  locals: Map<string, LocalResource>,
  timeScale: number,
): Promise<Map<string, LocalQueue>> {
  const queues = new Map<string, LocalQueue>();
  const declared = resourcesOfType(stack, 'AWS::SQS::Queue');
  // Every queue first, then the redrive policies: a policy names its DLQ by ARN.
  for (const [logicalId, props] of declared) {
    const fifo = props.FifoQueue === true || props.FifoQueue === 'true';
    const name = props.QueueName
      ? resolver.string(props.QueueName, `${logicalId}.QueueName`)
      : `${stack.stackName}-${logicalId}${fifo ? '.fifo' : ''}`;
    const attributes: Record<string, string> = {};
    for (const key of QUEUE_ATTRIBUTES) {
      if (props[key] !== undefined)
        attributes[key] = String(resolver.resolve(props[key], `${logicalId}.${key}`));
    }
    const visibility = Math.max(
      1,
      Math.round(Number(attributes.VisibilityTimeout ?? 30) / timeScale),
    );
    attributes.VisibilityTimeout = String(visibility);
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
    );
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    const url = QueueUrl ?? '';
    const arn = Attributes?.QueueArn ?? '';
    locals.set(logicalId, { ref: url, attributes: { Arn: arn, QueueName: name, QueueUrl: url } });
    queues.set(logicalId, { logicalId, name, url, arn, visibilityTimeoutSeconds: visibility });
  }
  for (const [logicalId, props] of declared) {
    if (props.RedrivePolicy === undefined) continue;
    const policy = resolver.resolve(props.RedrivePolicy, `${logicalId}.RedrivePolicy`) as {
      deadLetterTargetArn?: string;
      maxReceiveCount?: number | string;
    };
    const queue = queues.get(logicalId);
    if (!queue || !policy.deadLetterTargetArn) continue;
    const maxReceiveCount = Number(policy.maxReceiveCount);
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: queue.url,
        Attributes: {
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: policy.deadLetterTargetArn,
            maxReceiveCount,
          }),
        },
      }),
    );
    queues.set(logicalId, { ...queue, dlqArn: policy.deadLetterTargetArn, maxReceiveCount });
  }
  return queues;
}

/** Inert resources still have names other resources and outputs refer to. */
function registerInertResources(stack: StackArtifact, locals: Map<string, LocalResource>): void {
  const nameProperty: Record<string, string> = {
    'AWS::IAM::Role': 'RoleName',
    'AWS::Logs::LogGroup': 'LogGroupName',
    'AWS::CloudWatch::Dashboard': 'DashboardName',
    'AWS::CloudWatch::Alarm': 'AlarmName',
  };
  for (const [logicalId, resource] of Object.entries(stack.resources)) {
    if (locals.has(logicalId)) continue;
    const property = nameProperty[resource.Type];
    const declared = property ? resource.Properties?.[property] : undefined;
    const name = typeof declared === 'string' ? declared : logicalId;
    const service = resource.Type.split('::')[1]?.toLowerCase() ?? 'local';
    locals.set(logicalId, {
      ref: name,
      attributes: { Arn: `arn:aws:${service}:${REGION}:${ACCOUNT_ID}:${name}` },
    });
  }
}

function describeFunctions(
  stack: StackArtifact,
  resolver: IntrinsicResolver,
  locals: Map<string, LocalResource>,
): FunctionSpec[] {
  const specs: FunctionSpec[] = [];
  const functions = resourcesOfType(stack, 'AWS::Lambda::Function');
  // Names first: environments may refer to other functions.
  for (const [logicalId, props] of functions) {
    const name = props.FunctionName
      ? resolver.string(props.FunctionName, `${logicalId}.FunctionName`)
      : `${stack.stackName}-${logicalId}`;
    locals.set(logicalId, {
      ref: name,
      attributes: { Arn: `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${name}` },
    });
  }
  for (const [logicalId, props, resource] of functions) {
    const name = locals.get(logicalId)?.ref ?? logicalId;
    const runtime = String(props.Runtime ?? '');
    if (!runtime.startsWith('nodejs')) {
      throw new TemplateError(
        `${logicalId}: the local cloud runs Node.js functions only, got runtime ${runtime || 'none'}`,
      );
    }
    const assetPath = resource.Metadata?.['aws:asset:path'];
    if (typeof assetPath !== 'string') {
      throw new TemplateError(
        `${logicalId}: no bundled asset (aws:asset:path metadata); inline code is not supported locally`,
      );
    }
    const handler = String(props.Handler ?? 'index.handler');
    const dot = handler.lastIndexOf('.');
    const file = handler.slice(0, dot);
    const dir = join(stack.assemblyDir, assetPath);
    const entry = ['.mjs', '.js', '.cjs']
      .map((ext) => join(dir, `${file}${ext}`))
      .find((p) => existsSync(p));
    if (!entry)
      throw new TemplateError(`${logicalId}: handler file ${file}.mjs/.js not found in ${dir}`);
    const variables =
      (props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    const environment = Object.fromEntries(
      Object.entries(variables).map(([key, value]) => [
        key,
        resolver.string(value, `${logicalId}.Environment.Variables.${key}`),
      ]),
    );
    specs.push({
      logicalId,
      name,
      entry,
      handlerName: handler.slice(dot + 1),
      timeoutSeconds: Number(props.Timeout ?? 3),
      memorySize: Number(props.MemorySize ?? 128),
      environment,
    });
  }
  return specs;
}

function describeEventSources(
  stack: StackArtifact,
  resolver: IntrinsicResolver,
  queues: Map<string, LocalQueue>,
  runner: (fn: string) => FunctionRunner,
): EventSourceSpec[] {
  return resourcesOfType(stack, 'AWS::Lambda::EventSourceMapping').map(([logicalId, props]) => {
    const sourceArn = resolver.string(props.EventSourceArn, `${logicalId}.EventSourceArn`);
    const queue = [...queues.values()].find((q) => q.arn === sourceArn);
    if (!queue) {
      throw new TemplateError(
        `${logicalId}: the local cloud emulates SQS event sources only, got ${sourceArn}`,
      );
    }
    const functionName = runner(resolver.string(props.FunctionName, `${logicalId}.FunctionName`))
      .spec.name;
    const scaling = props.ScalingConfig as { MaximumConcurrency?: number } | undefined;
    const responseTypes = (props.FunctionResponseTypes as string[] | undefined) ?? [];
    return {
      logicalId,
      queueUrl: queue.url,
      queueArn: queue.arn,
      functionName,
      batchSize: Number(props.BatchSize ?? 10),
      maximumBatchingWindowInSeconds: Number(props.MaximumBatchingWindowInSeconds ?? 0),
      reportBatchItemFailures: responseTypes.includes('ReportBatchItemFailures'),
      maximumConcurrency: Number(scaling?.MaximumConcurrency ?? DEFAULT_MAXIMUM_CONCURRENCY),
      enabled: props.Enabled !== false && props.Enabled !== 'false',
    };
  });
}

function describeSchedules(
  stack: StackArtifact,
  resolver: IntrinsicResolver,
  queues: Map<string, LocalQueue>,
  runner: (fn: string) => FunctionRunner,
) {
  return resourcesOfType(stack, 'AWS::Scheduler::Schedule').map(([logicalId, props]) => {
    const target = props.Target as {
      Arn: unknown;
      Input?: unknown;
      RetryPolicy?: { MaximumRetryAttempts?: number };
      DeadLetterConfig?: { Arn?: unknown };
    };
    const functionArn = resolver.string(target.Arn, `${logicalId}.Target.Arn`);
    const dlqArn = target.DeadLetterConfig?.Arn
      ? resolver.string(target.DeadLetterConfig.Arn, `${logicalId}.Target.DeadLetterConfig.Arn`)
      : undefined;
    const input =
      target.Input === undefined ? {} : resolver.string(target.Input, `${logicalId}.Target.Input`);
    return {
      logicalId,
      name: props.Name ? resolver.string(props.Name, `${logicalId}.Name`) : logicalId,
      expression: resolver.string(props.ScheduleExpression, `${logicalId}.ScheduleExpression`),
      enabled: props.State !== 'DISABLED',
      functionName: runner(functionArn).spec.name,
      input: typeof input === 'string' ? (JSON.parse(input) as unknown) : input,
      maximumRetryAttempts: Number(target.RetryPolicy?.MaximumRetryAttempts ?? 185),
      deadLetterQueueUrl: dlqArn
        ? [...queues.values()].find((q) => q.arn === dlqArn)?.url
        : undefined,
    };
  });
}
