/**
 * `AWS::SQS::Queue`: a queue in fauxqs, created and changed through the endpoint's SQS API. Its
 * visibility timeout runs at the cloud's time scale, never below its consumers' timeout.
 */
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import type { Template } from '../model';
import { appServices, generatedName, type ResourceContext, type ResourceHandler } from './handler';

type Props = Record<string, unknown>;

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

/**
 * The visibility timeout a queue runs with locally: the declared one (30 s by default) divided by
 * the time scale, but never below the longest timeout of the functions a mapping feeds from it: a
 * shorter one would hand a batch still being processed to a second consumer.
 */
export function localVisibilityTimeout(
  template: Template,
  logicalId: string,
  declared: unknown,
  timeScale: number,
): number {
  let consumers = 0;
  for (const resource of Object.values(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::Lambda::EventSourceMapping') continue;
    const props = resource.Properties ?? {};
    const source = props.EventSourceArn as { 'Fn::GetAtt'?: unknown[] } | undefined;
    if (source?.['Fn::GetAtt']?.[0] !== logicalId) continue;
    const target = props.FunctionName as { Ref?: string; 'Fn::GetAtt'?: unknown[] } | undefined;
    const fnId = target?.Ref ?? target?.['Fn::GetAtt']?.[0];
    const fn = typeof fnId === 'string' ? template.Resources?.[fnId] : undefined;
    consumers = Math.max(consumers, Number(fn?.Properties?.Timeout ?? 3));
  }
  return Math.max(1, consumers, Math.round(Number(declared ?? 30) / timeScale));
}

/** The queue attributes the properties set, as SQS takes them (strings, the policy as JSON). */
function attributesOf(ctx: ResourceContext, props: Props): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const key of QUEUE_ATTRIBUTES)
    if (props[key] !== undefined) attributes[key] = String(props[key]);
  const { timeScale } = appServices(ctx).compute.deps;
  attributes.VisibilityTimeout = String(
    localVisibilityTimeout(ctx.template, ctx.logicalId, props.VisibilityTimeout, timeScale),
  );
  // An empty policy removes the one the queue had, as SQS takes it.
  attributes.RedrivePolicy =
    props.RedrivePolicy === undefined ? '' : JSON.stringify(props.RedrivePolicy);
  return attributes;
}

function provisioned(ctx: ResourceContext, name: string, url: string) {
  const arn = `arn:aws:sqs:${ctx.region}:${ctx.accountId}:${name}`;
  return { physicalId: url, attributes: { Arn: arn, QueueName: name, QueueUrl: url } };
}

export const sqsQueue: ResourceHandler = {
  replaceOn: ['QueueName', 'FifoQueue'],
  async create(ctx, props) {
    const fifo = props.FifoQueue === true || props.FifoQueue === 'true';
    const name =
      typeof props.QueueName === 'string'
        ? props.QueueName
        : `${generatedName(ctx, fifo ? 75 : 80)}${fifo ? '.fifo' : ''}`;
    const { RedrivePolicy, ...attributes } = attributesOf(ctx, props);
    const { QueueUrl } = await appServices(ctx).sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: RedrivePolicy ? { ...attributes, RedrivePolicy } : attributes,
      }),
    );
    return provisioned(ctx, name, QueueUrl ?? '');
  },
  async update(ctx, current, props) {
    const { FifoQueue: _fifo, RedrivePolicy, ...settable } = attributesOf(ctx, props);
    const hadPolicy = current.properties.RedrivePolicy !== undefined;
    await appServices(ctx).sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: current.physicalId,
        Attributes: RedrivePolicy || hadPolicy ? { ...settable, RedrivePolicy } : settable,
      }),
    );
    return provisioned(ctx, current.attributes.QueueName ?? '', current.physicalId);
  },
  async delete(ctx, current) {
    await appServices(ctx).sqs.send(new DeleteQueueCommand({ QueueUrl: current.physicalId }));
  },
};
