/** `AWS::SQS::Queue`: a queue in fauxqs, created and changed through the endpoint's SQS API. */
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import { QUEUE_ATTRIBUTES } from '../../stack/provision';
import { appServices, generatedName, type ResourceContext, type ResourceHandler } from './handler';

type Props = Record<string, unknown>;

/** The queue attributes the properties set, as SQS takes them (strings, the policy as JSON). */
function attributesOf(props: Props): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const key of QUEUE_ATTRIBUTES)
    if (props[key] !== undefined) attributes[key] = String(props[key]);
  if (props.RedrivePolicy !== undefined)
    attributes.RedrivePolicy = JSON.stringify(props.RedrivePolicy);
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
    const { QueueUrl } = await appServices(ctx).sqs.send(
      new CreateQueueCommand({ QueueName: name, Attributes: attributesOf(props) }),
    );
    return provisioned(ctx, name, QueueUrl ?? '');
  },
  async update(ctx, current, props) {
    await appServices(ctx).sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: current.physicalId,
        Attributes: attributesOf(props),
      }),
    );
    return provisioned(ctx, current.attributes.QueueName ?? '', current.physicalId);
  },
  async delete(ctx, current) {
    await appServices(ctx).sqs.send(new DeleteQueueCommand({ QueueUrl: current.physicalId }));
  },
};
