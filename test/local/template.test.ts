import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  IntrinsicResolver,
  type LocalResource,
  loadStack,
  TemplateError,
} from '../../aws/template';
import { rateMs } from '../../local/scheduler/scheduler';

const root = mkdtempSync(join(tmpdir(), 'string-pipeline-template-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Writes a one-stack cloud assembly with these resources and returns its directory. */
function assembly(resources: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(root, 'asm-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({
      artifacts: {
        Demo: {
          type: 'aws:cloudformation:stack',
          properties: { templateFile: 'Demo.template.json' },
        },
      },
    }),
  );
  writeFileSync(
    join(dir, 'Demo.template.json'),
    JSON.stringify({ Resources: resources, ...extra }),
  );
  return dir;
}

describe('loading a synthesized stack', () => {
  it('names each resource it cannot run, with its type', () => {
    const dir = assembly({
      Q: { Type: 'AWS::SQS::Queue' },
      Stream: { Type: 'AWS::Kinesis::Stream' },
      Api: { Type: 'AWS::ApiGateway::RestApi' },
    });
    expect(() => loadStack(dir)).toThrow(TemplateError);
    expect(() => loadStack(dir)).toThrow(
      'Stream (AWS::Kinesis::Stream), Api (AWS::ApiGateway::RestApi)',
    );
  });

  it('names a single resource it cannot run, with its type and the stack', () => {
    const dir = assembly({
      Q: { Type: 'AWS::SQS::Queue' },
      Bus: { Type: 'AWS::Events::EventBus' },
    });
    expect(() => loadStack(dir)).toThrow(
      'The local cloud cannot run this resource of stack Demo: Bus (AWS::Events::EventBus)',
    );
  });

  it('refuses conditional resources rather than guess the condition', () => {
    const dir = assembly({ Q: { Type: 'AWS::SQS::Queue', Condition: 'IsProd' } });
    expect(() => loadStack(dir)).toThrow('conditional resources: Q');
  });

  it('accepts the resources that only secure or observe the stack', () => {
    const dir = assembly({
      Role: { Type: 'AWS::IAM::Role' },
      Alarm: { Type: 'AWS::CloudWatch::Alarm' },
      Q: { Type: 'AWS::SQS::Queue' },
    });
    expect(Object.keys(loadStack(dir).resources)).toEqual(['Role', 'Alarm', 'Q']);
  });

  it('says which stacks exist when asked for a missing one', () => {
    expect(() => loadStack(assembly({}), 'Other')).toThrow(
      'Stack Other is not in the cloud assembly',
    );
    expect(() => loadStack(assembly({}), 'Other')).toThrow('(stacks: Demo)');
  });

  it('asks which stack to run when the assembly has several', () => {
    const dir = assembly({});
    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify({
        artifacts: {
          Demo: {
            type: 'aws:cloudformation:stack',
            properties: { templateFile: 'Demo.template.json' },
          },
          Other: {
            type: 'aws:cloudformation:stack',
            properties: { templateFile: 'Demo.template.json' },
          },
        },
      }),
    );
    expect(() => loadStack(dir)).toThrow('2 stacks (Demo, Other): say which one to run');
    expect(loadStack(dir, 'Other').stackName).toBe('Other');
  });

  it('refuses a directory that is not a cloud assembly', () => {
    expect(() => loadStack(root)).toThrow('manifest.json is missing');
  });
});

describe('resolving intrinsics', () => {
  const dir = assembly(
    { Queue: { Type: 'AWS::SQS::Queue' }, Fn: { Type: 'AWS::Lambda::Function' } },
    { Parameters: { Stage: { Default: 'dev' }, NoDefault: {} } },
  );
  const locals = new Map<string, LocalResource>([
    [
      'Queue',
      {
        ref: 'http://127.0.0.1:1/000000000000/q',
        attributes: { Arn: 'arn:aws:sqs:us-east-1:000000000000:q' },
      },
    ],
  ]);
  const resolver = new IntrinsicResolver(loadStack(dir), locals, {
    region: 'us-east-1',
    accountId: '000000000000',
  });

  it('resolves Ref, GetAtt, Join, Sub, Select and Split to local values', () => {
    expect(resolver.resolve({ Ref: 'Queue' }, 'x')).toBe('http://127.0.0.1:1/000000000000/q');
    expect(resolver.resolve({ 'Fn::GetAtt': ['Queue', 'Arn'] }, 'x')).toBe(
      'arn:aws:sqs:us-east-1:000000000000:q',
    );
    expect(
      resolver.resolve({ 'Fn::Join': ['-', [{ Ref: 'AWS::Region' }, { Ref: 'Stage' }]] }, 'x'),
    ).toBe('us-east-1-dev');
    expect(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax
      resolver.resolve({ 'Fn::Sub': 'arn:${AWS::Partition}:${Queue.Arn}:${Stage}' }, 'x'),
    ).toBe('arn:aws:arn:aws:sqs:us-east-1:000000000000:q:dev');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax
    expect(resolver.resolve({ 'Fn::Sub': ['${A}/${AWS::AccountId}', { A: 'a' }] }, 'x')).toBe(
      'a/000000000000',
    );
    expect(resolver.resolve({ 'Fn::Select': [1, { 'Fn::Split': [',', 'a,b,c'] }] }, 'x')).toBe('b');
    expect(resolver.resolve({ 'Fn::GetAtt': 'Queue.Arn' }, 'x')).toBe(
      'arn:aws:sqs:us-east-1:000000000000:q',
    );
    expect(resolver.resolve({ nested: [{ Ref: 'AWS::StackName' }] }, 'x')).toEqual({
      nested: ['Demo'],
    });
  });

  it('writes an escaped Fn::Sub placeholder as a literal one', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax
    expect(resolver.resolve({ 'Fn::Sub': '${!Stage}-${Stage}' }, 'x')).toBe('${Stage}-dev');
  });

  it('resolves Fn::Sub references to attributes whose names contain a dot', () => {
    const withEndpoint = new IntrinsicResolver(
      loadStack(dir),
      new Map([['Queue', { ref: 'q', attributes: { 'Endpoint.Address': 'db.local' } }]]),
      { region: 'us-east-1', accountId: '000000000000' },
    );
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax
    expect(withEndpoint.resolve({ 'Fn::Sub': 'host=${Queue.Endpoint.Address}' }, 'x')).toBe(
      'host=db.local',
    );
  });

  it('names the intrinsic and the property it cannot resolve', () => {
    expect(() => resolver.resolve({ 'Fn::Transform': 'Shared' }, 'Fn.Environment')).toThrow(
      'The local cloud cannot resolve Fn::Transform (at Fn.Environment)',
    );
    expect(() => resolver.resolve({ 'Fn::ImportValue': 'Shared' }, 'Fn.Environment')).toThrow(
      'No export named Shared found (Fn::ImportValue at Fn.Environment)',
    );
    expect(() => resolver.resolve({ Ref: 'Fn' }, 'Out.Value')).toThrow(
      'Out.Value refers to Fn (AWS::Lambda::Function), which has no local value',
    );
    expect(() => resolver.resolve({ Ref: 'Ghost' }, 'Out.Value')).toThrow('not in the template');
    expect(() => resolver.resolve({ Ref: 'NoDefault' }, 'P')).toThrow(
      'Parameter NoDefault (used at P) has no default',
    );
    expect(() => resolver.resolve({ 'Fn::GetAtt': ['Queue', 'Nope'] }, 'P')).toThrow(
      'no Nope attribute for Queue',
    );
    expect(() => resolver.resolve({ 'Fn::If': ['IsProd', 'a', 'b'] }, 'Q.Properties.Name')).toThrow(
      'Condition IsProd is not defined in the template',
    );
    expect(() => resolver.resolve({ 'Fn::Select': [3, ['a']] }, 'Q.Name')).toThrow(
      'Fn::Select index out of range at Q.Name',
    );
  });
});

describe('conditions and parameters', () => {
  const stack = {
    stackName: 'Boot',
    assemblyDir: '',
    resources: {},
    outputs: {},
    parameters: { Qualifier: { Default: 'hnb659fds' }, KeyId: { Default: '' } },
    parameterValues: { KeyId: 'AWS_MANAGED_KEY' },
    conditions: {
      UseAwsManagedKey: { 'Fn::Equals': ['AWS_MANAGED_KEY', { Ref: 'KeyId' }] },
      CreateNewKey: { 'Fn::Not': [{ Condition: 'UseAwsManagedKey' }] },
      Both: { 'Fn::And': [{ Condition: 'UseAwsManagedKey' }, { 'Fn::Equals': ['a', 'a'] }] },
      Either: { 'Fn::Or': [{ Condition: 'CreateNewKey' }, { 'Fn::Equals': ['a', 'b'] }] },
    },
  };
  const resolver = new IntrinsicResolver(stack, new Map(), {
    region: 'us-east-1',
    accountId: '000000000000',
    importValue: (name) => (name === 'Shared' ? 'shared-value' : undefined),
  });

  it('evaluates conditions on the given parameter values, falling back to defaults', () => {
    expect(resolver.condition('UseAwsManagedKey')).toBe(true);
    expect(resolver.condition('CreateNewKey')).toBe(false);
    expect(resolver.condition('Both')).toBe(true);
    expect(resolver.condition('Either')).toBe(false);
    expect(resolver.resolve({ 'Fn::If': ['CreateNewKey', 'new', { Ref: 'Qualifier' }] }, 'x')).toBe(
      'hnb659fds',
    );
  });

  it('drops properties and list items that resolve to AWS::NoValue', () => {
    const value = {
      Keep: 'k',
      Drop: { 'Fn::If': ['CreateNewKey', 'x', { Ref: 'AWS::NoValue' }] },
      List: ['a', { 'Fn::If': ['UseAwsManagedKey', { Ref: 'AWS::NoValue' }, 'b'] }],
    };
    expect(resolver.resolve(value, 'x')).toEqual({ Keep: 'k', List: ['a'] });
  });

  it("imports another stack's exports", () => {
    expect(resolver.resolve({ 'Fn::ImportValue': 'Shared' }, 'x')).toBe('shared-value');
  });
});

describe('schedule rates', () => {
  it('turns rate expressions into milliseconds', () => {
    expect(rateMs('rate(1 minute)', 'S')).toBe(60_000);
    expect(rateMs('rate(5 minutes)', 'S')).toBe(300_000);
    expect(rateMs('rate(2 hours)', 'S')).toBe(7_200_000);
    expect(rateMs('rate(1 day)', 'S')).toBe(86_400_000);
  });

  it('refuses cron and malformed expressions, naming the schedule', () => {
    expect(() => rateMs('cron(0 12 * * ? *)', 'Nightly')).toThrow(
      'Nightly: the local cloud runs rate(...) schedules only',
    );
    expect(() => rateMs('rate(1 fortnight)', 'S')).toThrow(TemplateError);
    // EventBridge wants a positive value; a zero rate would fire locally without pause.
    expect(() => rateMs('rate(0 minutes)', 'Busy')).toThrow('Busy: a rate must be positive');
    expect(() => rateMs('at(2026-01-01T00:00:00)', 'Once')).toThrow(TemplateError);
  });
});
