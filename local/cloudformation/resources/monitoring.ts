/**
 * The resource types behind alarm notifications: `AWS::KMS::Key` and `AWS::KMS::Alias` (kept with
 * their key policies), `AWS::SNS::Topic`, `AWS::SNS::TopicPolicy` and `AWS::SNS::Subscription`
 * (in fauxqs's SNS), `AWS::CloudWatch::Alarm` (evaluated) and `AWS::Scheduler::ScheduleGroup`.
 * A cloud started without the alarm services records them only, so references still resolve.
 */
import { randomUUID } from 'node:crypto';
import type { LocalAlarms } from '../../cloudwatch/alarms';
import type { KeyStore } from '../../kms/keys';
import type { Topics } from '../../sns/topics';
import { generatedName, type ResourceContext, type ResourceHandler } from './handler';

/** What the alarm resource types act on, when the cloud runs them. */
export interface MonitoringServices {
  readonly keys: KeyStore;
  readonly topics: Topics;
  readonly alarms: LocalAlarms;
}

type Props = Record<string, unknown>;
const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
const monitoring = (ctx: ResourceContext) => ctx.services.monitoring;
const arn = (ctx: ResourceContext, service: string, path: string) =>
  `arn:aws:${service}:${ctx.region}:${ctx.accountId}:${path}`;

const kmsKey: ResourceHandler = {
  create(ctx, props) {
    const id = randomUUID();
    const keyArn = arn(ctx, 'kms', `key/${id}`);
    monitoring(ctx)?.keys.put({ id, arn: keyArn, policy: props.KeyPolicy });
    return { physicalId: id, attributes: { Arn: keyArn, KeyId: id } };
  },
  update(ctx, current, props) {
    const keyArn = current.attributes.Arn ?? '';
    monitoring(ctx)?.keys.put({ id: current.physicalId, arn: keyArn, policy: props.KeyPolicy });
    return { physicalId: current.physicalId, attributes: current.attributes };
  },
  delete(ctx, current) {
    monitoring(ctx)?.keys.delete(current.physicalId);
  },
};

const kmsAlias: ResourceHandler = {
  replaceOn: ['AliasName'],
  create(ctx, props) {
    const name = text(props.AliasName) ?? `alias/${generatedName(ctx, 250)}`;
    monitoring(ctx)?.keys.alias(name, String(props.TargetKeyId));
    return { physicalId: name, attributes: {} };
  },
  update(ctx, current, props) {
    monitoring(ctx)?.keys.alias(current.physicalId, String(props.TargetKeyId));
    return { physicalId: current.physicalId, attributes: {} };
  },
  delete(ctx, current) {
    monitoring(ctx)?.keys.unalias(current.physicalId);
  },
};

const snsTopic: ResourceHandler = {
  replaceOn: ['TopicName', 'FifoTopic'],
  async create(ctx, props) {
    const name = text(props.TopicName) ?? generatedName(ctx, 256);
    const settings = { kmsMasterKeyId: text(props.KmsMasterKeyId) };
    const topics = monitoring(ctx)?.topics;
    const topicArn = topics ? await topics.create(name, settings) : arn(ctx, 'sns', name);
    return { physicalId: topicArn, attributes: { TopicArn: topicArn, TopicName: name } };
  },
  update(ctx, current, props) {
    monitoring(ctx)?.topics.configure(current.physicalId, {
      kmsMasterKeyId: text(props.KmsMasterKeyId),
    });
    return { physicalId: current.physicalId, attributes: current.attributes };
  },
  async delete(ctx, current) {
    await monitoring(ctx)?.topics.delete(current.physicalId);
  },
};

/** Sets (or, with `policy` undefined, removes) the policy of every topic `props.Topics` names. */
function applyTopicPolicy(ctx: ResourceContext, props: Props, policy: unknown): void {
  for (const topic of (props.Topics as unknown[] | undefined) ?? []) {
    monitoring(ctx)?.topics.configure(String(topic), { policy });
  }
}

const snsTopicPolicy: ResourceHandler = {
  create(ctx, props) {
    applyTopicPolicy(ctx, props, props.PolicyDocument);
    return { physicalId: generatedName(ctx, 128), attributes: {} };
  },
  update(ctx, current, props) {
    applyTopicPolicy(ctx, current.properties, undefined);
    applyTopicPolicy(ctx, props, props.PolicyDocument);
    return { physicalId: current.physicalId, attributes: {} };
  },
  delete(ctx, current) {
    applyTopicPolicy(ctx, current.properties, undefined);
  },
};

const snsSubscription: ResourceHandler = {
  replaceOn: ['TopicArn', 'Protocol', 'Endpoint'],
  async create(ctx, props) {
    const topicArn = String(props.TopicArn);
    const topics = monitoring(ctx)?.topics;
    const attributes: Record<string, string> =
      props.RawMessageDelivery === undefined
        ? {}
        : { RawMessageDelivery: String(props.RawMessageDelivery) };
    const id = topics
      ? await topics.subscribe(topicArn, String(props.Protocol), String(props.Endpoint), attributes)
      : `${topicArn}:${randomUUID()}`;
    return { physicalId: id, attributes: {} };
  },
  async delete(ctx, current) {
    await monitoring(ctx)?.topics.unsubscribe(current.physicalId);
  },
};

const cloudwatchAlarm: ResourceHandler = {
  replaceOn: ['AlarmName'],
  create(ctx, props) {
    const name = text(props.AlarmName) ?? generatedName(ctx, 255);
    monitoring(ctx)?.alarms.put(name, props);
    return { physicalId: name, attributes: { Arn: arn(ctx, 'cloudwatch', `alarm:${name}`) } };
  },
  update(ctx, current, props) {
    monitoring(ctx)?.alarms.put(current.physicalId, props);
    return { physicalId: current.physicalId, attributes: current.attributes };
  },
  delete(ctx, current) {
    monitoring(ctx)?.alarms.delete(current.physicalId);
  },
};

const scheduleGroup: ResourceHandler = {
  replaceOn: ['Name'],
  create(ctx, props) {
    const name = text(props.Name) ?? generatedName(ctx, 64);
    return {
      physicalId: name,
      attributes: { Arn: arn(ctx, 'scheduler', `schedule-group/${name}`) },
    };
  },
  update: (_ctx, current) => ({ physicalId: current.physicalId, attributes: current.attributes }),
  delete() {},
};

export const MONITORING_HANDLERS: Record<string, ResourceHandler> = {
  'AWS::KMS::Key': kmsKey,
  'AWS::KMS::Alias': kmsAlias,
  'AWS::SNS::Topic': snsTopic,
  'AWS::SNS::TopicPolicy': snsTopicPolicy,
  'AWS::SNS::Subscription': snsSubscription,
  'AWS::CloudWatch::Alarm': cloudwatchAlarm,
  'AWS::Scheduler::ScheduleGroup': scheduleGroup,
};
