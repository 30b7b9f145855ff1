import { describe, expect, it } from 'vitest';
import { LocalAlarms } from '../../local/cloudwatch/alarms';
import { judgeAlarmPublish } from '../../local/cloudwatch/delivery';
import { KeyStore } from '../../local/kms/keys';
import type { Topics } from '../../local/sns/topics';

const ACCOUNT = '000000000000';
const TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:alarms`;
const publish = {
  alarmArn: `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:dlq-not-empty`,
  topicArn: TOPIC,
  accountId: ACCOUNT,
};
const fromOurAlarms = {
  StringEquals: { 'aws:SourceAccount': ACCOUNT },
  ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:*` },
};
const allow = (actions: string[], resource: string) => ({
  Effect: 'Allow',
  Principal: { Service: 'cloudwatch.amazonaws.com' },
  Action: actions,
  Resource: resource,
  Condition: fromOurAlarms,
});
const sslOnly = {
  Effect: 'Deny',
  Principal: '*',
  Action: 'sns:Publish',
  Resource: TOPIC,
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
};
const topicPolicy = { Statement: [sslOnly, allow(['sns:Publish'], TOPIC)] };

function keys(policyStatements: unknown[]): KeyStore {
  const store = new KeyStore();
  store.put({
    id: 'k1',
    arn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/k1`,
    policy: { Statement: policyStatements },
  });
  return store;
}

describe('whether CloudWatch may deliver an alarm to a topic', () => {
  it('delivers with the Allow beside the TLS Deny and a customer key CloudWatch may use', () => {
    const store = keys([allow(['kms:Decrypt', 'kms:GenerateDataKey*'], '*')]);
    expect(
      judgeAlarmPublish(publish, { policy: topicPolicy, kmsMasterKeyId: 'k1' }, store),
    ).toEqual({ allowed: true });
  });

  it('refuses a topic encrypted with the AWS managed key alias/aws/sns, as AWS does', () => {
    const verdict = judgeAlarmPublish(
      publish,
      { policy: topicPolicy, kmsMasterKeyId: 'alias/aws/sns' },
      new KeyStore(),
    );
    expect(verdict).toMatchObject({
      allowed: false,
      reason: expect.stringContaining('may not use the AWS managed key alias/aws/sns'),
    });
  });

  it('refuses a key whose policy does not let CloudWatch generate data keys', () => {
    const store = keys([allow(['kms:Decrypt'], '*')]);
    expect(
      judgeAlarmPublish(publish, { policy: topicPolicy, kmsMasterKeyId: 'k1' }, store),
    ).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(
        /may not perform kms:GenerateDataKey .*no statement of the key policy/,
      ),
    });
  });

  it('refuses an alarm of another account, which the conditions exclude', () => {
    const other = { ...publish, alarmArn: 'arn:aws:cloudwatch:us-east-1:111111111111:alarm:x' };
    expect(judgeAlarmPublish(other, { policy: topicPolicy }, new KeyStore()).allowed).toBe(false);
  });

  it('refuses a topic policy with only the TLS Deny, and allows SNS default policy', () => {
    expect(
      judgeAlarmPublish(publish, { policy: { Statement: [sslOnly] } }, new KeyStore()),
    ).toMatchObject({
      allowed: false,
      reason: expect.stringContaining('no statement of the topic policy'),
    });
    expect(judgeAlarmPublish(publish, {}, new KeyStore())).toEqual({ allowed: true });
  });
});

describe('a function alarm on the local cloud', () => {
  it('fires on the failed invocations since its last evaluation and notifies, then clears', async () => {
    let errors = 0;
    const published: string[] = [];
    const topics = {
      settingsOf: () => ({}),
      publish: async (_arn: string, subject: string) => {
        published.push(subject);
        return `message ${published.length}`;
      },
    } as unknown as Topics;
    const alarms = new LocalAlarms({
      region: 'us-east-1',
      accountId: ACCOUNT,
      keys: new KeyStore(),
      topics,
      queue: async () => undefined,
      functionErrors: (name) => (name === 'StringPipeline-generator' ? errors : undefined),
    });
    alarms.put('generator-errors', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: 'StringPipeline-generator' }],
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      AlarmActions: [TOPIC],
      OKActions: [TOPIC],
    });
    await alarms.evaluate();
    errors = 2;
    await alarms.evaluate();
    // No new failure in the next period: back to OK.
    await alarms.evaluate();
    await alarms.stop();
    expect(published).toEqual([
      'OK: "generator-errors" in us-east-1',
      'ALARM: "generator-errors" in us-east-1',
      'OK: "generator-errors" in us-east-1',
    ]);
    expect(alarms.history().map((n) => [n.state, n.delivered])).toEqual([
      ['OK', true],
      ['ALARM', true],
      ['OK', true],
    ]);
  });
});
