/** The construct that sends every alarm of a scope, and its recovery, to one SNS topic. */
import { ArnFormat, Aspects, type IAspect, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct, type IConstruct } from 'constructs';

/** The service principal alarm actions publish as. */
export const CLOUDWATCH_PRINCIPAL = 'cloudwatch.amazonaws.com';

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
 * Where every alarm of a scope goes: an SNS topic encrypted with a key of its own, TLS-only,
 * optionally mailed to someone. Alarms are wired by an aspect when the app synthesizes, so an alarm
 * added anywhere in the scope later, by any construct, reaches the topic too; none can be forgotten.
 */
export class AlarmTopic extends Construct {
  /** The topic each alarm notifies, on ALARM and on OK. */
  public readonly topic: sns.Topic;
  /** The customer-managed key the topic is encrypted with, which CloudWatch may use. */
  public readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // Only this account's alarms may use the key and publish, never another account's.
    const fromOurAlarms = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: {
        'aws:SourceArn': stack.formatArn({
          service: 'cloudwatch',
          resource: 'alarm',
          resourceName: '*',
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
    };
    const cloudwatchPrincipal = new iam.ServicePrincipal(CLOUDWATCH_PRINCIPAL);
    // Not the AWS managed key alias/aws/sns: its key policy is AWS's, lets no other service use
    // it, and so CloudWatch's publish to a topic it encrypts fails.
    this.key = new kms.Key(this, 'Key', {
      description: `Encrypts the ${props.topicName} topic; CloudWatch alarms may use it`,
      enableKeyRotation: true,
      // Nothing is stored under the key once the topic is gone.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [cloudwatchPrincipal],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: fromOurAlarms,
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      topicName: props.topicName,
      displayName: `Alarms of ${props.topicName}`,
      masterKey: this.key,
      enforceSSL: true,
    });
    // The topic policy replaces SNS's default one, so without this nothing may publish.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [cloudwatchPrincipal],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: fromOurAlarms,
      }),
    );
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
