import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { describe, expect, it } from 'vitest';
import { buildApp, propertiesOf, resourcesOf, synth } from './synth';

describe('alarms reach someone', () => {
  const s = synth();
  const topic = () => ({ Ref: s.logicalId(s.stack.alarmTopic.topic) });

  it('every alarm in the stack notifies the alarm topic on ALARM and on OK', () => {
    const alarms = resourcesOf(s.template, 'AWS::CloudWatch::Alarm');
    expect(Object.keys(alarms).length).toBeGreaterThanOrEqual(11);
    for (const [id, alarm] of Object.entries(alarms)) {
      const props = alarm.Properties as { AlarmActions?: unknown[]; OKActions?: unknown[] };
      expect(props.AlarmActions, id).toEqual([topic()]);
      expect(props.OKActions, id).toEqual([topic()]);
    }
  });

  it('an alarm added to the stack later is wired too, so none can be missed', () => {
    const { stack } = buildApp();
    const late = new cloudwatch.Alarm(stack, 'LateAlarm', {
      metric: stack.requestQueue.queue.metricNumberOfMessagesSent(),
      threshold: 1,
      evaluationPeriods: 1,
    });
    const template = Template.fromStack(stack);
    const id = stack.resolve((late.node.defaultChild as cloudwatch.CfnAlarm).logicalId) as string;
    const topicId = stack.resolve(
      (stack.alarmTopic.topic.node.defaultChild as cloudwatch.CfnAlarm).logicalId,
    );
    expect(propertiesOf(template, id).AlarmActions).toEqual([{ Ref: topicId }]);
  });

  const fromOurAlarms = {
    StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
    ArnLike: { 'aws:SourceArn': Match.anyValue() },
  };

  it('encrypts the topic with a key of its own, which CloudWatch may use, never alias/aws/sns', () => {
    const key = s.logicalId(s.stack.alarmTopic.key);
    s.template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'StringPipeline-alarms',
      KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] },
    });
    expect(JSON.stringify(s.template.toJSON())).not.toContain('alias/aws/sns');
    expect(propertiesOf(s.template, key).KeyPolicy).toMatchObject({
      Statement: expect.arrayContaining([
        expect.objectContaining({
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Condition: expect.objectContaining({
            StringEquals: fromOurAlarms.StringEquals,
            ArnLike: { 'aws:SourceArn': expect.anything() },
          }),
        }),
      ]),
    });
    expect(JSON.stringify(propertiesOf(s.template, key).KeyPolicy)).toContain(':alarm:*');
  });

  it('lets CloudWatch publish to the topic, and nobody without TLS', () => {
    s.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [topic()],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: topic(),
            Condition: fromOurAlarms,
          }),
        ]),
      },
    });
  });

  it('mails the alarmEmail address only when one is given', () => {
    s.template.resourceCountIs('AWS::SNS::Subscription', 0);
    const withEmail = synth({ alarmEmail: 'ops@example.com' });
    withEmail.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: withEmail.logicalId(withEmail.stack.alarmTopic.topic) },
    });
  });

  it.each(['ops', 'ops@example', 'ops @example.com'])('refuses alarmEmail %j', (email) => {
    expect(() => buildApp({ alarmEmail: email })).toThrow(
      `alarmEmail must be an email address like ops@example.com, got ${JSON.stringify(email)}`,
    );
  });

  it.each([
    ['requestor', 'Errors'],
    ['requestor', 'Throttles'],
    ['generator', 'Errors'],
    ['generator', 'Throttles'],
  ])('alarms on any %s invocation %s in a minute', (fn, metric) => {
    const functionId = s.logicalId(
      fn === 'requestor' ? s.stack.requestor.function : s.stack.generator.function,
    );
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `StringPipeline-${fn}-${metric.toLowerCase()}`,
      Namespace: 'AWS/Lambda',
      MetricName: metric,
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId } }],
      Statistic: 'Sum',
      Period: Duration.minutes(1).toSeconds(),
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it.each([
    ['target-errors', 'TargetErrorCount'],
    ['dropped', 'InvocationDroppedCount'],
  ])('alarms on failed scheduled invocations of its own schedule group: %s', (suffix, metric) => {
    s.template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', {
      Name: 'StringPipeline-schedule',
    });
    s.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      GroupName: 'StringPipeline-schedule',
    });
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `StringPipeline-schedule-${suffix}`,
      Namespace: 'AWS/Scheduler',
      MetricName: metric,
      Dimensions: [{ Name: 'ScheduleGroup', Value: 'StringPipeline-schedule' }],
      Threshold: 1,
    });
  });
});
