import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Env } from '../../contract/contract';
import { CALLS_BY_ENV } from '../../ops/iam-needs';
import { iamRows, iamTable } from '../../ops/iam-table';

/** Every `new XCommand(` in the functions' code, as SDK operation names. */
function operationsInCode(dir = 'functions'): Set<string> {
  const found = new Set<string>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) for (const op of operationsInCode(path)) found.add(op);
    else if (entry.name.endsWith('.ts')) {
      for (const match of readFileSync(path, 'utf8').matchAll(/new (\w+)Command\(/g)) {
        if (match[1]) found.add(match[1]);
      }
    }
  }
  return found;
}

describe("the IAM table's declaration of what the functions call", () => {
  it('names exactly the SDK operations the code sends', () => {
    const declared = new Set(Object.values(CALLS_BY_ENV).flatMap((calls) => calls.operations));
    expect([...declared].sort()).toEqual([...operationsInCode()].sort());
  });

  it('covers every queue URL and table name the stack hands the functions', () => {
    const named = Object.values(Env).filter((v) => /_(URL|TABLE_NAME)$/.test(v));
    expect(Object.keys(CALLS_BY_ENV).sort()).toEqual(named.sort());
  });
});

describe('the IAM table of a template', () => {
  const template = (statement: Record<string, unknown>) => ({
    Resources: {
      Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
      Role: { Type: 'AWS::IAM::Role', Properties: {} },
      Policy: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          PolicyName: 'p',
          Roles: [{ Ref: 'Role' }],
          PolicyDocument: { Statement: [{ Effect: 'Allow', ...statement }] },
        },
      },
      Fn: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Role: { 'Fn::GetAtt': ['Role', 'Arn'] },
          Environment: { Variables: { [Env.RequestQueueUrl]: { Ref: 'Queue' } } },
        },
      },
    },
  });
  const physical = new Map([
    ['Queue', 'https://sqs.eu-west-1.amazonaws.com/123456789012/q'],
    ['Role', 'fn-role'],
    ['Fn', 'fn'],
  ]);
  const env = { stackName: 'S', region: 'eu-west-1', accountId: '123456789012' };
  const sendRow = (statement: Record<string, unknown>) =>
    iamRows(template(statement), physical, env).find((r) => r.action === 'sqs:SendMessage');

  it('flags a need granted only by wildcards', () => {
    expect(sendRow({ Action: 'sqs:*', Resource: '*' })).toMatchObject({
      resource: 'arn:aws:sqs:eu-west-1:123456789012:q',
      granted: true,
      broad: 'Action sqs:*, Resource *',
    });
    expect(
      sendRow({ Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': ['Queue', 'Arn'] } })?.broad,
    ).toBeUndefined();
  });

  it('lists an action granted that no need uses, as it does a missing one', () => {
    const { rows, excess } = iamTable(
      template({
        Action: ['sqs:SendMessage', 'sqs:GetQueueUrl', 'sqs:ChangeMessageVisibility'],
        Resource: { 'Fn::GetAtt': ['Queue', 'Arn'] },
      }),
      physical,
      env,
    );
    expect(rows.find((r) => r.action === 'sqs:SendMessage')?.granted).toBe(true);
    expect(excess).toEqual([
      expect.objectContaining({
        role: 'Role',
        policy: 'p',
        action: 'sqs:ChangeMessageVisibility',
        resource: 'arn:aws:sqs:eu-west-1:123456789012:q',
      }),
      expect.objectContaining({ action: 'sqs:GetQueueUrl' }),
    ]);
  });

  it('reports a policy the evaluator cannot read as not granted, with the reason', () => {
    const row = sendRow({
      Action: 'sqs:SendMessage',
      Resource: '*',
      Condition: { NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } },
    });
    expect(row?.granted).toBe(false);
    expect(row?.denial).toMatch(
      /cannot evaluate: statement 0 of p uses the condition operator NumericLessThan/,
    );
  });
});
