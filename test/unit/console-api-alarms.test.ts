/**
 * The console's Alarms page: the console evaluates the stack's alarms itself from queue depths,
 * the template and the logs, and that evaluation is worth testing on its own.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetTemplateCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { ConsoleApi } from '../../console/api';
import { cloudformation, logs, QUEUE, sqs, target, useConsoleMocks } from './console-api-fixtures';

useConsoleMocks();

describe('console API', () => {
  it('evaluates the DLQ alarms on the current depths', async () => {
    sqs.on(GetQueueAttributesCommand).callsFake((input: { QueueUrl: string }) => ({
      Attributes: { ApproximateNumberOfMessages: input.QueueUrl === `${QUEUE}-dlq` ? '2' : '0' },
    }));
    const alarms = await new ConsoleApi(target('local')).alarms();
    expect(alarms.find((a) => a.name === 'StringPipeline-request-dlq-not-empty')).toMatchObject({
      state: 'ALARM',
      reason: '2 messages in StringPipeline-request-dlq',
    });
    expect(alarms.find((a) => a.name === 'StringPipeline-ack-dlq-not-empty')?.state).toBe('OK');
    // Firing first, then those without data, then the quiet ones.
    const order = { ALARM: 0, INSUFFICIENT_DATA: 1, OK: 2 };
    const ranks = alarms.map((a) => order[a.state]);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(alarms[0]?.state).toBe('ALARM');
    // The schedule's DLQ is no stack output; ListStackResources finds it.
    expect(
      alarms.find((a) => a.name === 'StringPipeline-requestor-schedule-dlq-not-empty')?.state,
    ).toBe('OK');
  });

  it("lists a local cloud's alarm notifications newest first, and says where AWS keeps them", async () => {
    const notifications = ['OK', 'ALARM'].map((state, i) => ({
      at: `2026-12-06T09:00:0${i}.000Z`,
      alarm: 'StringPipeline-request-dlq-not-empty',
      state,
      topic: 'arn:aws:sns:us-east-1:000000000000:StringPipeline-alarms',
      delivered: true,
      detail: `message ${i}`,
    }));
    const server = createServer((req, res) => {
      res.writeHead(req.url === '/_local/cloudwatch/alarm-notifications' ? 200 : 404, {
        'content-type': 'application/json',
      });
      res.end(JSON.stringify({ Notifications: notifications }));
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    const { port } = server.address() as AddressInfo;
    try {
      const local = {
        ...target('local'),
        clientConfig: () => ({ region: 'us-east-1', endpoint: `http://127.0.0.1:${port}` }),
      };
      const answer = await new ConsoleApi(local).alarmNotifications();
      expect(answer.available && answer.notifications.map((n) => n.state)).toEqual(['ALARM', 'OK']);
    } finally {
      server.close();
    }
    expect(await new ConsoleApi(target('aws')).alarmNotifications()).toEqual({
      available: false,
    });
  });

  it("evaluates the template's alarms: oldest message age from the engine, function errors from the logs", async () => {
    cloudformation.on(GetTemplateCommand).resolves({
      TemplateBody: JSON.stringify({
        Resources: {
          OldestAlarm: {
            Type: 'AWS::CloudWatch::Alarm',
            Properties: {
              AlarmName: 'StringPipeline-request-oldest-message-age',
              Namespace: 'AWS/SQS',
              MetricName: 'ApproximateAgeOfOldestMessage',
              Dimensions: [
                { Name: 'QueueName', Value: { 'Fn::GetAtt': ['RequestQueue', 'QueueName'] } },
              ],
              Threshold: 300,
              ComparisonOperator: 'GreaterThanOrEqualToThreshold',
            },
          },
          ErrorsAlarm: {
            Type: 'AWS::CloudWatch::Alarm',
            Properties: {
              AlarmName: 'StringPipeline-requestor-errors',
              Namespace: 'AWS/Lambda',
              MetricName: 'Errors',
              Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'RequestorFunction' } }],
              Threshold: 1,
              ComparisonOperator: 'GreaterThanOrEqualToThreshold',
            },
          },
          Dropped: {
            Type: 'AWS::CloudWatch::Alarm',
            Properties: {
              AlarmName: 'StringPipeline-schedule-dropped',
              Namespace: 'AWS/Scheduler',
              MetricName: 'InvocationDroppedCount',
              Threshold: 1,
              ComparisonOperator: 'GreaterThanOrEqualToThreshold',
            },
          },
        },
      }),
    });
    cloudformation.on(ListStackResourcesCommand).resolves({
      StackResourceSummaries: [
        {
          LogicalResourceId: 'RequestQueue',
          ResourceType: 'AWS::SQS::Queue',
          PhysicalResourceId: QUEUE,
          ResourceStatus: 'CREATE_COMPLETE',
          LastUpdatedTimestamp: new Date(),
        },
        {
          LogicalResourceId: 'RequestorFunction',
          ResourceType: 'AWS::Lambda::Function',
          PhysicalResourceId: 'StringPipeline-requestor',
          ResourceStatus: 'CREATE_COMPLETE',
          LastUpdatedTimestamp: new Date(),
        },
      ],
    });
    sqs
      .on(GetQueueAttributesCommand)
      .resolves({ Attributes: { ApproximateNumberOfMessages: '3' } });
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
    const ages = new Map([[QUEUE, 301_500]]);
    const alarms = await new ConsoleApi({
      ...target('local'),
      oldestMessageAgeMs: (url) => ages.get(url) ?? 0,
    }).alarms();
    expect(alarms.find((a) => a.name.endsWith('oldest-message-age'))).toMatchObject({
      state: 'ALARM',
      reason: 'Oldest message in StringPipeline-request: 301 s (alarm at ≥ 300 s)',
    });
    expect(alarms.find((a) => a.name.endsWith('requestor-errors'))?.state).toBe('OK');
    expect(alarms.find((a) => a.name.endsWith('schedule-dropped'))).toMatchObject({
      state: 'INSUFFICIENT_DATA',
      reason: expect.stringMatching(/no source for AWS\/Scheduler InvocationDroppedCount/),
    });
    // Against AWS without the engine the age is unknown: not OK, not ALARM.
    const remote = await new ConsoleApi(target('aws')).alarms();
    expect(remote.find((a) => a.name.endsWith('oldest-message-age'))?.state).toBe(
      'INSUFFICIENT_DATA',
    );
  });
});
