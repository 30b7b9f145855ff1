/** The construct that sends every alarm of a scope, and its recovery, to one SNS topic. */
import { Aspects, type IAspect } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct, type IConstruct } from 'constructs';

/** Properties of an {@link AlarmTopic}. */
export interface AlarmTopicProps {
  /** Physical name of the topic. */
  readonly topicName: string;
  /**
   * An address to mail every alarm and recovery to (the owner confirms the subscription once).
   * @default - no subscription: subscribe from the console or CLI
   */
  readonly email?: string;
}

/**
 * Where every alarm of a scope goes: an encrypted, TLS-only SNS topic, optionally mailed to
 * someone. Alarms are wired by an aspect when the app synthesizes, so an alarm added anywhere in
 * the scope later, by any construct, reaches the topic too; none can be forgotten.
 */
export class AlarmTopic extends Construct {
  /** The topic each alarm notifies, on ALARM and on OK. */
  public readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', {
      topicName: props.topicName,
      displayName: `Alarms of ${props.topicName}`,
      // The AWS managed key: CloudWatch may publish to it without a key policy of ours.
      masterKey: kms.Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
      enforceSSL: true,
    });
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));
    Aspects.of(scope).add(new NotifyTopic(this.topic));
  }
}

/** Adds the topic as alarm and OK action to every CloudWatch alarm it visits. */
class NotifyTopic implements IAspect {
  private readonly action: SnsAction;
  private readonly wired = new WeakSet<cloudwatch.Alarm>();

  constructor(topic: sns.ITopic) {
    this.action = new SnsAction(topic);
  }

  visit(node: IConstruct): void {
    if (!(node instanceof cloudwatch.Alarm) || this.wired.has(node)) return;
    this.wired.add(node);
    node.addAlarmAction(this.action);
    // The OK tells whoever got the alarm that it cleared, so nobody chases a fixed problem.
    node.addOkAction(this.action);
  }
}
