import { App, Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../lib/app';
import { ConfigError, DEFAULT_CONFIG, loadConfig } from '../../lib/config';
import { visibilityTimeoutFor } from '../../lib/constructs/queue-with-dlq';
import { propertiesOf, resourcesOf, type Synthesized, synth } from './synth';

/** A resource as the template holds it. */
type Resource = { DeletionPolicy?: string; Properties?: Record<string, unknown> };

const configFrom = (context: Record<string, unknown>) => loadConfig(new App({ context }).node);

describe('reading context', () => {
  it('uses the documented defaults when no context is given', () => {
    expect(configFrom({})).toEqual({
      stage: 'dev',
      scheduleEnabled: true,
      scheduleRateMinutes: 1,
      requestsPerTick: 10,
      batchSize: 10,
      maxBatchingWindowSeconds: 1,
      maxConcurrency: 5,
      maxReceiveCount: 5,
      oldestMessageAlarmSeconds: 300,
      memorySize: 256,
      logRetentionDays: 30,
      requestorTimeoutSeconds: 30,
      generatorTimeoutSeconds: 10,
    });
    expect(configFrom({})).toEqual(DEFAULT_CONFIG);
  });

  it('parses the strings `cdk -c key=value` passes', () => {
    expect(
      configFrom({ scheduleEnabled: 'false', batchSize: '20', maxBatchingWindowSeconds: ' 2 ' }),
    ).toMatchObject({ scheduleEnabled: false, batchSize: 20, maxBatchingWindowSeconds: 2 });
  });

  it('accepts typed values from cdk.json', () => {
    expect(configFrom({ scheduleEnabled: false, maxConcurrency: 50 })).toMatchObject({
      scheduleEnabled: false,
      maxConcurrency: 50,
    });
  });

  it.each([
    [{ batchsize: '0' }, 'unknown context key "batchsize" (did you mean "batchSize"?)'],
    [
      { maxConcurency: '10' },
      'unknown context key "maxConcurency" (did you mean "maxConcurrency"?)',
    ],
    [{ Stage: 'prod' }, 'unknown context key "Stage" (did you mean "stage"?)'],
    [{ ng: 'true' }, 'unknown context key "ng" (did you mean "nag"?)'],
  ])('refuses the unknown key in %j, suggesting the nearest valid one', (context, message) => {
    expect(() => configFrom(context)).toThrow(new ConfigError(message));
  });

  it('lists the valid keys when no key is near', () => {
    expect(() => configFrom({ colour: 'blue' })).toThrow(
      /unknown context key "colour" \(valid keys: stage, scheduleEnabled, .*, nag\)/,
    );
  });

  it("leaves CDK's own context keys alone", () => {
    expect(
      configFrom({
        '@aws-cdk/core:newStyleStackSynthesis': true,
        '@aws-cdk/aws-lambda:recognizeLayerVersion': true,
        'aws:cdk:enable-asset-metadata': true,
        'availability-zones:account=123456789012:region=us-east-1': ['us-east-1a'],
        'acknowledged-issue-numbers': [32775],
        nag: 'true',
      }),
    ).toEqual(DEFAULT_CONFIG);
  });

  it.each([
    [{ stage: 'staging' }, /stage must be "dev" or "prod"/],
    [{ scheduleEnabled: 'yes' }, /scheduleEnabled must be true or false/],
    [{ scheduleRateMinutes: '0' }, /scheduleRateMinutes must be an integer from 1/],
    [{ requestsPerTick: 'ten' }, /requestsPerTick must be an integer, got "ten"/],
    [{ requestsPerTick: '10001' }, /requestsPerTick must be an integer from 1 to 10000/],
    [
      { batchSize: '11', maxBatchingWindowSeconds: '0' },
      /batchSize 11 is above 10.*maxBatchingWindowSeconds/,
    ],
    [{ batchSize: '10001' }, /batchSize must be an integer from 1 to 10000/],
    [
      { maxBatchingWindowSeconds: '301' },
      /maxBatchingWindowSeconds must be an integer from 0 to 300/,
    ],
    [{ maxConcurrency: '1' }, /maxConcurrency must be an integer from 2 to 1000/],
    [{ maxConcurrency: '1001' }, /maxConcurrency must be an integer from 2 to 1000/],
    [{ maxReceiveCount: '4' }, /maxReceiveCount must be an integer from 5/],
    [{ oldestMessageAlarmSeconds: '1.5' }, /oldestMessageAlarmSeconds must be an integer/],
    [{ memorySize: '64' }, /memorySize must be an integer from 128 to 10240/],
    [{ logRetentionDays: '31' }, /logRetentionDays must be one of 1, 3, 5, 7, 14, 30/],
    [
      { requestorTimeoutSeconds: '901' },
      /requestorTimeoutSeconds must be an integer from 1 to 900/,
    ],
    [{ generatorTimeoutSeconds: '0' }, /generatorTimeoutSeconds must be an integer from 1 to 900/],
  ])('rejects %o at synth time with an error naming the key', (context, message) => {
    expect(() => createApp({ context: context as Record<string, string> })).toThrow(ConfigError);
    expect(() => createApp({ context: context as Record<string, string> })).toThrow(message);
  });

  it('accepts a batch size above 10 when there is a batching window', () => {
    expect(configFrom({ batchSize: '100', maxBatchingWindowSeconds: '1' }).batchSize).toBe(100);
  });
});

describe('visibility timeout', () => {
  it('is six function timeouts plus the batching window', () => {
    expect(visibilityTimeoutFor(Duration.seconds(10), Duration.seconds(1)).toSeconds()).toBe(61);
    expect(visibilityTimeoutFor(Duration.seconds(30), Duration.seconds(0)).toSeconds()).toBe(180);
  });

  it('refuses to exceed the SQS maximum of 12 hours', () => {
    expect(() => visibilityTimeoutFor(Duration.minutes(15), Duration.minutes(5))).not.toThrow();
    expect(() => visibilityTimeoutFor(Duration.hours(2), Duration.seconds(1))).toThrow(
      /exceeds the SQS maximum/,
    );
  });
});

describe('a prod stack with every setting changed', () => {
  let s: Synthesized;

  beforeAll(() => {
    s = synth({
      stage: 'prod',
      scheduleEnabled: 'false',
      scheduleRateMinutes: '5',
      requestsPerTick: '25',
      batchSize: '20',
      maxBatchingWindowSeconds: '5',
      maxConcurrency: '50',
      maxReceiveCount: '8',
      oldestMessageAlarmSeconds: '600',
      memorySize: '512',
      logRetentionDays: '90',
      requestorTimeoutSeconds: '40',
      generatorTimeoutSeconds: '20',
    });
  });

  it('is called StringPipeline-prod and prefixes every physical name with it', () => {
    expect(s.stack.stackName).toBe('StringPipeline-prod');
    s.template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'StringPipeline-prod-alarms',
    });
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'StringPipeline-prod-generator',
    });
    s.template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: 'StringPipeline-prod',
    });
  });

  it('retains tables (with deletion protection), queues and log groups', () => {
    s.template.allResources('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    s.template.allResourcesProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: true });
    s.template.allResources('AWS::SQS::Queue', { DeletionPolicy: 'Retain' });
    s.template.allResources('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' });
  });

  it('names no retained resource, so a deploy after cdk destroy cannot collide with one', () => {
    const named = Object.entries(s.template.toJSON().Resources as Record<string, Resource>)
      .filter(([, r]) => r.DeletionPolicy === 'Retain')
      .flatMap(([id, r]) =>
        ['TableName', 'QueueName', 'LogGroupName']
          .filter((key) => r.Properties?.[key] !== undefined)
          .map((key) => `${id}.${key}`),
      );
    expect(named).toEqual([]);
  });

  it('creates the schedule disabled, at the configured rate and count', () => {
    s.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(5 minutes)',
      State: 'DISABLED',
      Target: Match.objectLike({
        Input: JSON.stringify({ count: 25, idempotencyKey: '<aws.scheduler.scheduled-time>' }),
        RetryPolicy: Match.objectLike({ MaximumEventAgeInSeconds: 300 }),
      }),
    });
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'StringPipeline-prod-requestor',
      Environment: { Variables: Match.objectLike({ DEFAULT_REQUEST_COUNT: '25' }) },
    });
  });

  it('applies the batching settings to every event source mapping', () => {
    const mappings = Object.values(resourcesOf(s.template, 'AWS::Lambda::EventSourceMapping'));
    expect(mappings).toHaveLength(3);
    for (const mapping of mappings) {
      expect(mapping.Properties).toMatchObject({
        BatchSize: 20,
        MaximumBatchingWindowInSeconds: 5,
        ScalingConfig: { MaximumConcurrency: 50 },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    }
  });

  it('follows the configured timeouts and window in every visibility timeout', () => {
    const visibility = (queue: Parameters<Synthesized['logicalId']>[0]) =>
      propertiesOf(s.template, s.logicalId(queue)).VisibilityTimeout;
    expect(visibility(s.stack.requestQueue.queue)).toBe(6 * 20 + 5);
    expect(visibility(s.stack.ackQueue.queue)).toBe(6 * 20 + 5);
    expect(visibility(s.stack.responseQueue.queue)).toBe(6 * 40 + 5);
  });

  it('uses the configured receive count, alarm age, memory and log retention', () => {
    for (const pipe of [s.stack.requestQueue, s.stack.responseQueue, s.stack.ackQueue]) {
      expect(propertiesOf(s.template, s.logicalId(pipe.queue)).RedrivePolicy).toMatchObject({
        maxReceiveCount: 8,
      });
    }
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Threshold: 600,
    });
    s.template.allResourcesProperties('AWS::Lambda::Function', { MemorySize: 512 });
    s.template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });
});
