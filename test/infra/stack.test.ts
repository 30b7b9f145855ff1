import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { actionsOn, resourcesOf, type Synthesized, statementsOfRole, synth } from './synth';

let s: Synthesized;

beforeAll(() => {
  s = synth();
});

describe('the dev stack', () => {
  it('is called StringPipeline', () => {
    expect(s.stack.stackName).toBe('StringPipeline');
    expect(s.stack.node.id).toBe('StringPipeline');
  });

  it.each([
    ['Requests', 'requests'],
    ['Strings', 'strings'],
  ])(
    'has an on-demand, encrypted, point-in-time-recoverable %s table keyed by requestId',
    (_, suffix) => {
      s.template.hasResourceProperties('AWS::DynamoDB::Table', {
        TableName: `StringPipeline-${suffix}`,
        KeySchema: [{ AttributeName: 'requestId', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'requestId', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        GlobalSecondaryIndexes: Match.absent(),
        TimeToLiveSpecification: Match.absent(),
      });
    },
  );

  it('deletes tables, queues and log groups with the stack', () => {
    for (const type of ['AWS::DynamoDB::Table', 'AWS::SQS::Queue', 'AWS::Logs::LogGroup']) {
      const resources = Object.values(resourcesOf(s.template, type));
      expect(resources.length).toBeGreaterThan(0);
      for (const resource of resources) expect(resource.DeletionPolicy).toBe('Delete');
    }
    s.template.allResourcesProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: false });
  });

  it('invokes the requestor every minute with {"count": 10} keyed by the scheduled time, retrying and dead-lettering failures', () => {
    s.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'StringPipeline-schedule',
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Target: {
        Arn: { 'Fn::GetAtt': [s.logicalId(s.stack.requestor.function), 'Arn'] },
        // Scheduler substitutes the tick's scheduled time, the same on every retry of the tick.
        Input: JSON.stringify({ count: 10, idempotencyKey: '<aws.scheduler.scheduled-time>' }),
        DeadLetterConfig: {
          Arn: { 'Fn::GetAtt': [s.logicalId(s.stack.schedule.deadLetterQueue), 'Arn'] },
        },
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 },
      },
    });
  });

  it('retries a failed asynchronous requestor invocation twice, then sends it to its failure queue', () => {
    const failures = s.logicalId(s.stack.requestorFailures);
    s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: s.logicalId(s.stack.requestor.function) },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 21_600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [failures, 'Arn'] } } },
    });
    s.template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'StringPipeline-requestor-failures',
      SqsManagedSseEnabled: true,
    });
    const statements = statementsOfRole(
      s.template,
      s.logicalId(s.stack.requestor.function.role as IConstruct),
    );
    expect([...actionsOn(statements, failures)]).toEqual(['sqs:SendMessage']);
  });

  it('lets the schedule invoke the requestor and nothing else', () => {
    s.template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: s.logicalId(s.stack.schedule.role) }],
      PolicyDocument: {
        Statement: [
          // The function's ARN only: not `<arn>:*`, its every version and alias.
          {
            Effect: 'Allow',
            Action: 'lambda:InvokeFunction',
            Resource: { 'Fn::GetAtt': [s.logicalId(s.stack.requestor.function), 'Arn'] },
          },
          Match.objectLike({
            Action: 'sqs:SendMessage',
            Resource: { 'Fn::GetAtt': [s.logicalId(s.stack.schedule.deadLetterQueue), 'Arn'] },
          }),
        ],
      },
    });
  });

  it('alarms on every DLQ, including the schedule’s, and on every source queue’s oldest message', () => {
    const alarms = Object.values(resourcesOf(s.template, 'AWS::CloudWatch::Alarm')).map(
      (alarm) => alarm.Properties as { MetricName: string; AlarmName: string },
    );
    const named = (metric: string) =>
      alarms
        .filter((alarm) => alarm.MetricName === metric)
        .map((alarm) => alarm.AlarmName)
        .sort();
    expect(named('ApproximateNumberOfMessagesVisible')).toEqual([
      'StringPipeline-ack-dlq-not-empty',
      'StringPipeline-request-dlq-not-empty',
      'StringPipeline-requestor-failures-not-empty',
      'StringPipeline-response-dlq-not-empty',
      'StringPipeline-schedule-dlq-not-empty',
    ]);
    expect(named('ApproximateAgeOfOldestMessage')).toEqual([
      'StringPipeline-ack-oldest-message-age',
      'StringPipeline-request-oldest-message-age',
      'StringPipeline-response-oldest-message-age',
    ]);
  });

  it('has a dashboard named after the stack with queue, function and pipeline metrics', () => {
    const dashboards = Object.values(resourcesOf(s.template, 'AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const props = dashboards[0]?.Properties as { DashboardName: string; DashboardBody: unknown };
    expect(props.DashboardName).toBe('StringPipeline');
    const body = JSON.stringify(props.DashboardBody);
    for (const metric of [
      'ApproximateNumberOfMessagesVisible',
      'ApproximateNumberOfMessagesNotVisible',
      'ApproximateAgeOfOldestMessage',
      'Invocations',
      'Errors',
      'Duration',
      'Throttles',
    ]) {
      expect(body).toContain(`\\"${metric}\\"`);
    }
    for (const [service, metrics] of [
      ['requestor', ['Requested', 'Stored', 'Rejected']],
      ['generator', ['Generated', 'Acknowledged', 'Rejected']],
    ] as const) {
      for (const metric of metrics) {
        expect(body).toContain(
          `[\\"StringPipeline\\",\\"${metric}\\",\\"Service\\",\\"${service}\\"`,
        );
      }
    }
  });

  it('outputs the queue URLs (the schedule’s and the requestor’s failure queues too), table names, function names and dashboard name', () => {
    const { stack } = s;
    const expected = {
      RequestQueueUrl: { Ref: s.logicalId(stack.requestQueue.queue) },
      RequestDlqUrl: { Ref: s.logicalId(stack.requestQueue.deadLetterQueue) },
      ResponseQueueUrl: { Ref: s.logicalId(stack.responseQueue.queue) },
      ResponseDlqUrl: { Ref: s.logicalId(stack.responseQueue.deadLetterQueue) },
      AckQueueUrl: { Ref: s.logicalId(stack.ackQueue.queue) },
      AckDlqUrl: { Ref: s.logicalId(stack.ackQueue.deadLetterQueue) },
      ScheduleDlqUrl: { Ref: s.logicalId(stack.schedule.deadLetterQueue) },
      RequestorFailureDlqUrl: { Ref: s.logicalId(stack.requestorFailures) },
      RequestsTableName: { Ref: s.logicalId(stack.requestsTable) },
      StringsTableName: { Ref: s.logicalId(stack.stringsTable) },
      RequestorFunctionName: { Ref: s.logicalId(stack.requestor.function) },
      GeneratorFunctionName: { Ref: s.logicalId(stack.generator.function) },
      DashboardName: { Ref: s.logicalId(stack.monitoring.dashboard) },
    };
    for (const [id, value] of Object.entries(expected)) {
      s.template.hasOutput(id, { Value: value });
    }
  });
});
