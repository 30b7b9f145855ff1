/**
 * Turns the template's resources into local ones: tables and queues created on the emulators,
 * functions, event source mappings and schedules described for the runners.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AttributeDefinition,
  CreateTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type LocalSecondaryIndex,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { DEFAULT_REGION, LOCAL_ACCOUNT_ID } from '../../aws/defaults';
import {
  type IntrinsicResolver,
  type LocalResource,
  resourcesOfType,
  type StackArtifact,
  TemplateError,
} from '../../aws/template';
import type { EventSourceSpec } from '../lambda/event-source';
import type { FunctionRunner, FunctionSpec } from '../lambda/runtime';
import type { ScheduleSpec } from '../scheduler/scheduler';

/** Lambda's limit on an SQS mapping's concurrent batches when the template sets none. */
const DEFAULT_MAXIMUM_CONCURRENCY = 1250;

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

/** The CreateTable call for a table resource's properties, as dynalite takes them. */
export function createTableCommand(
  name: string,
  props: Record<string, unknown>,
): CreateTableCommand {
  const throughput = { ReadCapacityUnits: 5, WriteCapacityUnits: 5 };
  const onDemand = props.BillingMode === 'PAY_PER_REQUEST';
  const index = (i: Record<string, unknown>) => ({
    IndexName: i.IndexName,
    KeySchema: i.KeySchema,
    Projection: i.Projection,
  });
  const global = (i: Record<string, unknown>) => ({
    ...index(i),
    ...(onDemand ? {} : { ProvisionedThroughput: throughput }),
  });
  return new CreateTableCommand({
    TableName: name,
    KeySchema: props.KeySchema as KeySchemaElement[],
    AttributeDefinitions: props.AttributeDefinitions as AttributeDefinition[],
    ...(onDemand ? { BillingMode: 'PAY_PER_REQUEST' } : { ProvisionedThroughput: throughput }),
    ...(Array.isArray(props.GlobalSecondaryIndexes)
      ? {
          GlobalSecondaryIndexes: props.GlobalSecondaryIndexes.map(
            global,
          ) as GlobalSecondaryIndex[],
        }
      : {}),
    ...(Array.isArray(props.LocalSecondaryIndexes)
      ? { LocalSecondaryIndexes: props.LocalSecondaryIndexes.map(index) as LocalSecondaryIndex[] }
      : {}),
  });
}

export async function createTables(
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
    try {
      await dynamodb.send(createTableCommand(name, props));
    } catch (error) {
      // Kept from an earlier run with the same data directory.
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    const arn = `arn:aws:dynamodb:${DEFAULT_REGION}:${LOCAL_ACCOUNT_ID}:table/${name}`;
    locals.set(logicalId, {
      ref: name,
      attributes: { Arn: arn, StreamArn: `${arn}/stream/local` },
    });
    tables[logicalId] = { logicalId, name };
  }
  return tables;
}

/** Queue attributes SQS accepts on CreateQueue, as CloudFormation names them. */
export const QUEUE_ATTRIBUTES = [
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

export async function createQueues(
  stack: StackArtifact,
  sqs: SQSClient,
  resolver: IntrinsicResolver,
  locals: Map<string, LocalResource>,
  timeScale: number,
): Promise<Map<string, LocalQueue>> {
  const queues = new Map<string, LocalQueue>();
  const declared = resourcesOfType(stack, 'AWS::SQS::Queue');
  // Every queue first, then the redrive policies: a policy names its DLQ by ARN. Each step's
  // calls go out together (the cloud's start waits for them), results kept in template order.
  const created = await Promise.all(
    declared.map(async ([logicalId]) => {
      const { name, attributes, visibility } = queueSettings(stack, logicalId, resolver, timeScale);
      const { QueueUrl } = await sqs.send(
        new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
      );
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
      );
      const url = QueueUrl ?? '';
      const arn = Attributes?.QueueArn ?? '';
      return { logicalId, name, url, arn, visibilityTimeoutSeconds: visibility };
    }),
  );
  for (const queue of created) {
    const { logicalId, name, url, arn } = queue;
    locals.set(logicalId, { ref: url, attributes: { Arn: arn, QueueName: name, QueueUrl: url } });
    queues.set(logicalId, queue);
  }
  const policies = declared.flatMap(([logicalId]) => {
    const policy = redrivePolicy(stack, logicalId, resolver);
    const queue = queues.get(logicalId);
    return queue && policy ? [{ queue, policy }] : [];
  });
  await Promise.all(
    policies.map(({ queue, policy }) =>
      sqs.send(
        new SetQueueAttributesCommand({
          QueueUrl: queue.url,
          Attributes: { RedrivePolicy: JSON.stringify(policy) },
        }),
      ),
    ),
  );
  for (const { queue, policy } of policies) {
    queues.set(queue.logicalId, {
      ...queue,
      dlqArn: policy.deadLetterTargetArn,
      maxReceiveCount: policy.maxReceiveCount,
    });
  }
  return queues;
}

/** A queue's name and CreateQueue attributes as the local cloud runs them (visibility scaled). */
export function queueSettings(
  stack: StackArtifact,
  logicalId: string,
  resolver: IntrinsicResolver,
  timeScale: number,
): { name: string; attributes: Record<string, string>; visibility: number } {
  const props = stack.resources[logicalId]?.Properties ?? {};
  const fifo = props.FifoQueue === true || props.FifoQueue === 'true';
  const name = props.QueueName
    ? resolver.string(props.QueueName, `${logicalId}.QueueName`)
    : `${stack.stackName}-${logicalId}${fifo ? '.fifo' : ''}`;
  const attributes: Record<string, string> = {};
  for (const key of QUEUE_ATTRIBUTES) {
    if (props[key] !== undefined)
      attributes[key] = String(resolver.resolve(props[key], `${logicalId}.${key}`));
  }
  // Scaled, but never below the consumer's timeout: a shorter one would hand a batch still
  // being processed to a second consumer, which AWS refuses to deploy.
  const visibility = Math.max(
    1,
    consumerTimeoutSeconds(stack, logicalId),
    Math.round(Number(attributes.VisibilityTimeout ?? 30) / timeScale),
  );
  attributes.VisibilityTimeout = String(visibility);
  return { name, attributes, visibility };
}

/** The redrive policy a queue declares, resolved; undefined when it has none. */
export function redrivePolicy(
  stack: StackArtifact,
  logicalId: string,
  resolver: IntrinsicResolver,
): { deadLetterTargetArn: string; maxReceiveCount: number } | undefined {
  const declared = stack.resources[logicalId]?.Properties?.RedrivePolicy;
  if (declared === undefined) return undefined;
  const policy = resolver.resolve(declared, `${logicalId}.RedrivePolicy`) as {
    deadLetterTargetArn?: string;
    maxReceiveCount?: number | string;
  };
  if (!policy.deadLetterTargetArn) return undefined;
  return {
    deadLetterTargetArn: policy.deadLetterTargetArn,
    maxReceiveCount: Number(policy.maxReceiveCount),
  };
}

/**
 * The longest timeout of the functions an event source mapping feeds from this queue (0 for a
 * queue nobody consumes), read from the template before the functions are described.
 */
function consumerTimeoutSeconds(stack: StackArtifact, queueLogicalId: string): number {
  let longest = 0;
  for (const [, props] of resourcesOfType(stack, 'AWS::Lambda::EventSourceMapping')) {
    const source = props.EventSourceArn as { 'Fn::GetAtt'?: unknown[] } | undefined;
    if (source?.['Fn::GetAtt']?.[0] !== queueLogicalId) continue;
    const target = props.FunctionName as { Ref?: string; 'Fn::GetAtt'?: unknown[] } | undefined;
    const fnId = target?.Ref ?? target?.['Fn::GetAtt']?.[0];
    const fn = typeof fnId === 'string' ? stack.resources[fnId] : undefined;
    longest = Math.max(longest, Number(fn?.Properties?.Timeout ?? 3));
  }
  return longest;
}

/** Inert resources still have names other resources and outputs refer to. */
export function registerInertResources(
  stack: StackArtifact,
  locals: Map<string, LocalResource>,
): void {
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
      attributes: { Arn: `arn:aws:${service}:${DEFAULT_REGION}:${LOCAL_ACCOUNT_ID}:${name}` },
    });
  }
}

export function describeFunctions(
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
      attributes: { Arn: `arn:aws:lambda:${DEFAULT_REGION}:${LOCAL_ACCOUNT_ID}:function:${name}` },
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
    const logging = props.LoggingConfig as { LogFormat?: unknown } | undefined;
    specs.push({
      logicalId,
      name,
      entry,
      handlerName: handler.slice(dot + 1),
      runtime,
      timeoutSeconds: Number(props.Timeout ?? 3),
      memorySize: Number(props.MemorySize ?? 128),
      environment,
      logFormat: logging?.LogFormat === 'JSON' ? 'JSON' : 'Text',
    });
  }
  return specs;
}

export function describeEventSources(
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

export function describeSchedules(
  stack: StackArtifact,
  resolver: IntrinsicResolver,
  queues: Map<string, LocalQueue>,
  runner: (fn: string) => FunctionRunner,
): ScheduleSpec[] {
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
