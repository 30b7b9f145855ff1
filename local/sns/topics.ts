/**
 * SNS topics CloudFormation made, served by fauxqs's SNS (in the same app as SQS): the topics and
 * their subscriptions live there; the topic policy and the key the topic is encrypted with are
 * kept here, where a publishing service's call is judged against them.
 */
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { ADMIN_CREDENTIALS } from '../lambda/caller-environment';

/** What the local cloud keeps of a topic beside fauxqs. */
export interface TopicSettings {
  /** `KmsMasterKeyId`: a key id, key ARN or alias. */
  kmsMasterKeyId?: string;
  /** The topic policy (an `AWS::SNS::TopicPolicy`); SNS's default policy without one. */
  policy?: unknown;
}

/** The local cloud's SNS topics. */
export class Topics {
  private readonly client: SNSClient;
  private readonly settings = new Map<string, TopicSettings>();

  /** `endpoint`: fauxqs's own address, which serves SNS's query protocol. */
  constructor(endpoint: string, region: string) {
    this.client = new SNSClient({ endpoint, region, credentials: ADMIN_CREDENTIALS });
  }

  /** Creates the topic (or finds it, as CreateTopic does); resolves with its ARN. */
  async create(name: string, settings: TopicSettings): Promise<string> {
    const { TopicArn } = await this.client.send(new CreateTopicCommand({ Name: name }));
    if (!TopicArn) throw new Error(`SNS returned no ARN for topic ${name}`);
    this.settings.set(TopicArn, { ...this.settings.get(TopicArn), ...settings });
    return TopicArn;
  }

  /** Changes what the local cloud keeps of a topic (its key, its policy). */
  configure(arn: string, settings: TopicSettings): void {
    this.settings.set(arn, { ...this.settings.get(arn), ...settings });
  }

  /** The topic's key and policy; undefined for a topic the local cloud did not make. */
  settingsOf(arn: string): TopicSettings | undefined {
    return this.settings.get(arn);
  }

  async delete(arn: string): Promise<void> {
    this.settings.delete(arn);
    await this.client.send(new DeleteTopicCommand({ TopicArn: arn }));
  }

  /** Subscribes `endpoint` by `protocol`; resolves with the subscription's ARN. */
  async subscribe(
    arn: string,
    protocol: string,
    endpoint: string,
    attributes: Record<string, string> = {},
  ): Promise<string> {
    const { SubscriptionArn } = await this.client.send(
      new SubscribeCommand({
        TopicArn: arn,
        Protocol: protocol,
        Endpoint: endpoint,
        Attributes: attributes,
        ReturnSubscriptionArn: true,
      }),
    );
    return SubscriptionArn ?? `${arn}:pending`;
  }

  async unsubscribe(subscriptionArn: string): Promise<void> {
    await this.client.send(new UnsubscribeCommand({ SubscriptionArn: subscriptionArn }));
  }

  /** Publishes to the topic's subscriptions (after the caller judged the publisher's right to). */
  async publish(arn: string, subject: string, message: string): Promise<string> {
    const { MessageId } = await this.client.send(
      new PublishCommand({ TopicArn: arn, Subject: subject, Message: message }),
    );
    return MessageId ?? '';
  }

  stop(): void {
    this.client.destroy();
  }
}
