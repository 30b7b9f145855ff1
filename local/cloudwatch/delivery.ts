/**
 * Whether CloudWatch may deliver an alarm's notification to a topic, judged as AWS judges it: the
 * topic policy must let `cloudwatch.amazonaws.com` publish (SNS's default policy, without a topic
 * policy, lets the account's services publish), and a topic encrypted with a key needs a key
 * CloudWatch may use: never the AWS managed `alias/aws/sns`, and a customer key only if its key
 * policy lets CloudWatch call kms:GenerateDataKey* and kms:Decrypt.
 */
import { judgeServiceCall, type PolicyVerdict } from '../../aws/iam/resource-policy';
import { isAwsManagedSnsKey, type KeyStore } from '../kms/keys';
import type { TopicSettings } from '../sns/topics';

/** The service principal alarm actions publish as. */
export const CLOUDWATCH = 'cloudwatch.amazonaws.com';

/** One alarm's publish to one topic. */
export interface AlarmPublish {
  readonly alarmArn: string;
  readonly topicArn: string;
  readonly accountId: string;
}

/** Judges CloudWatch's publish for the alarm to a topic with `settings` (undefined: no such topic). */
export function judgeAlarmPublish(
  publish: AlarmPublish,
  settings: TopicSettings | undefined,
  keys: KeyStore,
): PolicyVerdict {
  const { alarmArn, topicArn, accountId } = publish;
  if (!settings) return { allowed: false, reason: `Topic ${topicArn} does not exist` };
  const context = {
    'aws:SourceAccount': accountId,
    'aws:SourceArn': alarmArn,
    'aws:SecureTransport': 'true',
  };
  if (settings.policy !== undefined) {
    const verdict = judgeServiceCall(
      settings.policy,
      { service: CLOUDWATCH, action: 'sns:Publish', resource: topicArn, context },
      `the topic policy of ${topicArn}`,
    );
    if (!verdict.allowed) return verdict;
  }
  const keyId = settings.kmsMasterKeyId;
  if (!keyId) return { allowed: true };
  if (isAwsManagedSnsKey(keyId)) {
    return {
      allowed: false,
      reason: `${CLOUDWATCH} may not use the AWS managed key ${keyId} that encrypts ${topicArn}: its key policy lets only SNS use it for this account's principals; encrypt the topic with a customer-managed key whose policy allows ${CLOUDWATCH}`,
    };
  }
  const key = keys.find(keyId);
  if (!key) return { allowed: false, reason: `KMS key ${keyId} of ${topicArn} does not exist` };
  for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
    const verdict = judgeServiceCall(
      key.policy,
      { service: CLOUDWATCH, action, resource: key.arn, context },
      `the key policy of ${key.arn}`,
    );
    if (!verdict.allowed) return verdict;
  }
  return { allowed: true };
}

/** What CloudWatch publishes on a state change, as AWS's alarm notifications carry it. */
export interface StateChange {
  readonly alarmName: string;
  readonly alarmArn: string;
  readonly description: string;
  readonly oldState: string;
  readonly newState: string;
  readonly reason: string;
  readonly region: string;
  readonly accountId: string;
  readonly at: Date;
  readonly trigger: Record<string, unknown>;
}

/** The notification's subject and JSON message, in AWS's shape. */
export function notificationOf(change: StateChange): { subject: string; message: string } {
  return {
    subject: `${change.newState}: "${change.alarmName}" in ${change.region}`.slice(0, 100),
    message: JSON.stringify({
      AlarmName: change.alarmName,
      AlarmDescription: change.description,
      AWSAccountId: change.accountId,
      AlarmConfigurationUpdatedTimestamp: change.at.toISOString(),
      NewStateValue: change.newState,
      NewStateReason: change.reason,
      StateChangeTime: change.at.toISOString(),
      Region: change.region,
      AlarmArn: change.alarmArn,
      OldStateValue: change.oldState,
      Trigger: change.trigger,
    }),
  };
}
