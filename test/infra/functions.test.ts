import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { PipelineFunction } from '../../lib/constructs/pipeline-function';
import {
  actionsOn,
  propertiesOf,
  referencedResources,
  type Synthesized,
  statementsOfRole,
  synth,
} from './synth';

let s: Synthesized;

beforeAll(() => {
  s = synth();
});

const fn = (name: 'requestor' | 'generator'): PipelineFunction => s.stack[name];

describe.each(['requestor', 'generator'] as const)('the %s function', (name) => {
  it('runs Node.js 24 on arm64 with 256 MB, active tracing and JSON logs', () => {
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: `StringPipeline-${name}`,
      Handler: 'index.handler',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 256,
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: s.logicalId(fn(name).logGroup) } },
      Environment: { Variables: Match.objectLike({ NODE_OPTIONS: '--enable-source-maps' }) },
    });
  });

  it('logs to its own log group, named by CloudFormation and kept for one month', () => {
    const group = s.logicalId(fn(name).logGroup);
    // No fixed name, so a group an earlier deploy left behind cannot collide with it.
    expect(propertiesOf(s.template, group)).toEqual({ RetentionInDays: 30 });
    expect(propertiesOf(s.template, s.logicalId(fn(name).function)).LoggingConfig).toEqual({
      LogFormat: 'JSON',
      LogGroup: { Ref: group },
    });
  });

  it('ships a minified ESM bundle with the AWS SDK inside, a require shim and a source map', () => {
    // `synth` skips bundling; the global setup synthesizes the app with its bundles once per run.
    const assembly = inject('pipelineAssembly');
    const bundled = JSON.parse(
      readFileSync(join(assembly, `${s.stack.artifactId}.template.json`), 'utf8'),
    ) as { Resources: Record<string, { Properties: { Code: { S3Key: string } } }> };
    const code = bundled.Resources[s.logicalId(fn(name).function)]?.Properties.Code;
    if (!code) throw new Error(`no ${name} function in the bundled template`);
    const assetDir = join(assembly, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
    const bundle = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    expect(bundle.startsWith("import { createRequire } from 'module';")).toBe(true);
    expect(existsSync(join(assetDir, 'index.mjs.map'))).toBe(true);
    // Bundled, not imported at run time: no bare import of an SDK package survives.
    expect(bundle).not.toMatch(/from\s*["']@aws-sdk\//);
    // node:http and node:https come through require (functions/shared/builtins): imported as ES
    // modules they would load undici at every cold start.
    expect(bundle).not.toMatch(/from\s*["'](node:)?https?["']/);
    expect(bundle).toMatch(/\(import\.meta\.url\)\(["']node:http["']\)/);
    expect(bundle).toMatch(/sourceMappingURL=index\.mjs\.map/);
    // Minified: long lines, not one statement per line.
    expect(bundle.length / bundle.split('\n').length).toBeGreaterThan(1000);
  });
});

describe('function settings', () => {
  it('give the requestor 30 s and the generator 10 s', () => {
    expect(propertiesOf(s.template, s.logicalId(s.stack.requestor.function)).Timeout).toBe(30);
    expect(propertiesOf(s.template, s.logicalId(s.stack.generator.function)).Timeout).toBe(10);
  });

  it('pass the requestor its table, the queues it sends to and the metrics settings', () => {
    const { stack } = s;
    expect(
      (
        propertiesOf(s.template, s.logicalId(stack.requestor.function)).Environment as {
          Variables: unknown;
        }
      ).Variables,
    ).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      REQUESTS_TABLE_NAME: { Ref: s.logicalId(stack.requestsTable) },
      REQUEST_QUEUE_URL: { Ref: s.logicalId(stack.requestQueue.queue) },
      ACK_QUEUE_URL: { Ref: s.logicalId(stack.ackQueue.queue) },
      RESPONSE_DLQ_URL: { Ref: s.logicalId(stack.responseQueue.deadLetterQueue) },
      METRICS_NAMESPACE: 'StringPipeline',
      DEFAULT_REQUEST_COUNT: '10',
    });
  });

  it('pass the generator its table, the queues it sends to, its source queue ARNs and the metrics namespace', () => {
    const { stack } = s;
    expect(
      (
        propertiesOf(s.template, s.logicalId(stack.generator.function)).Environment as {
          Variables: unknown;
        }
      ).Variables,
    ).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      STRINGS_TABLE_NAME: { Ref: s.logicalId(stack.stringsTable) },
      RESPONSE_QUEUE_URL: { Ref: s.logicalId(stack.responseQueue.queue) },
      REQUEST_QUEUE_ARN: { 'Fn::GetAtt': [s.logicalId(stack.requestQueue.queue), 'Arn'] },
      REQUEST_DLQ_URL: { Ref: s.logicalId(stack.requestQueue.deadLetterQueue) },
      ACK_QUEUE_ARN: { 'Fn::GetAtt': [s.logicalId(stack.ackQueue.queue), 'Arn'] },
      ACK_DLQ_URL: { Ref: s.logicalId(stack.ackQueue.deadLetterQueue) },
      METRICS_NAMESPACE: 'StringPipeline',
    });
  });
});

describe('IAM', () => {
  const SEND = 'sqs:SendMessage';
  const RECEIVE = 'sqs:ReceiveMessage';
  const DELETE = 'sqs:DeleteMessage';
  const ITEM_CALLS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];

  const statementsOf = (name: 'requestor' | 'generator') =>
    statementsOfRole(s.template, s.logicalId(fn(name).role));

  it('lets the requestor use the Requests table only', () => {
    const statements = statementsOf('requestor');
    expect([...actionsOn(statements, s.logicalId(s.stack.requestsTable))].sort()).toEqual(
      ITEM_CALLS,
    );
    expect(actionsOn(statements, s.logicalId(s.stack.stringsTable)).size).toBe(0);
  });

  it('lets the generator use the Strings table only', () => {
    const statements = statementsOf('generator');
    expect([...actionsOn(statements, s.logicalId(s.stack.stringsTable))].sort()).toEqual(
      ITEM_CALLS,
    );
    expect(actionsOn(statements, s.logicalId(s.stack.requestsTable)).size).toBe(0);
  });

  it('lets the requestor send requests and acks, consume responses and dead-letter responses', () => {
    const statements = statementsOf('requestor');
    const { requestQueue, ackQueue, responseQueue } = s.stack;
    const on = (construct: Parameters<Synthesized['logicalId']>[0]) =>
      actionsOn(statements, s.logicalId(construct));
    expect(on(requestQueue.queue)).toContain(SEND);
    expect(on(ackQueue.queue)).toContain(SEND);
    expect(on(responseQueue.deadLetterQueue)).toContain(SEND);
    expect([...on(responseQueue.queue)]).toEqual(expect.arrayContaining([RECEIVE, DELETE]));
    expect(on(responseQueue.queue)).not.toContain(SEND);
    expect(on(requestQueue.queue)).not.toContain(RECEIVE);
    expect(on(ackQueue.queue)).not.toContain(RECEIVE);
    expect(on(requestQueue.deadLetterQueue).size).toBe(0);
    expect(on(ackQueue.deadLetterQueue).size).toBe(0);
  });

  it('lets the generator send responses, consume requests and acks and dead-letter them', () => {
    const statements = statementsOf('generator');
    const { requestQueue, ackQueue, responseQueue } = s.stack;
    const on = (construct: Parameters<Synthesized['logicalId']>[0]) =>
      actionsOn(statements, s.logicalId(construct));
    expect(on(responseQueue.queue)).toContain(SEND);
    expect(on(requestQueue.deadLetterQueue)).toContain(SEND);
    expect(on(ackQueue.deadLetterQueue)).toContain(SEND);
    for (const source of [requestQueue.queue, ackQueue.queue]) {
      expect([...on(source)]).toEqual(expect.arrayContaining([RECEIVE, DELETE]));
      expect(on(source)).not.toContain(SEND);
    }
    expect(on(responseQueue.queue)).not.toContain(RECEIVE);
    expect(on(responseQueue.deadLetterQueue).size).toBe(0);
  });

  it.each(['requestor', 'generator'] as const)(
    'names nothing but its own resources in the %s policy (X-Ray is the only unscoped grant)',
    (name) => {
      const { stack } = s;
      const own =
        name === 'requestor'
          ? [
              stack.requestsTable,
              stack.requestQueue.queue,
              stack.ackQueue.queue,
              stack.responseQueue.queue,
              stack.responseQueue.deadLetterQueue,
              // Its on-failure destination: Lambda sends failed async events with its role.
              stack.requestorFailures,
              stack.requestor.logGroup,
            ]
          : [
              stack.stringsTable,
              stack.requestQueue.queue,
              stack.requestQueue.deadLetterQueue,
              stack.ackQueue.queue,
              stack.ackQueue.deadLetterQueue,
              stack.responseQueue.queue,
              stack.generator.logGroup,
            ];
      const statements = statementsOf(name);
      expect([...referencedResources(statements)].sort()).toEqual(
        ['*', ...own.map((c) => s.logicalId(c))].sort(),
      );
      const unscoped = statements.filter((statement) => statement.Resource === '*');
      expect(unscoped.flatMap((statement) => [statement.Action].flat()).sort()).toEqual([
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ]);
    },
  );

  it('uses no AWS managed policies for the functions', () => {
    for (const name of ['requestor', 'generator'] as const) {
      expect(
        propertiesOf(s.template, s.logicalId(fn(name).role)).ManagedPolicyArns,
      ).toBeUndefined();
    }
  });
});
