import { describe, expect, it } from 'vitest';
import { dynamodbPermissions, sqsPermissions } from '../../aws/iam/actions';
import { denialMessage, evaluate, type RolePolicies, wildcardMatch } from '../../aws/iam/evaluator';
import { rolePolicies } from '../../aws/iam/policies';
import { IntrinsicResolver, type LocalResource, type StackArtifact } from '../../aws/template';

const QUEUE = 'arn:aws:sqs:us-east-1:000000000000:requests';
const role = (statements: RolePolicies['policies'][number]['statements']): RolePolicies => ({
  logicalId: 'Role',
  name: 'Role',
  arn: 'arn:aws:iam::000000000000:role/Role',
  policies: [{ name: 'Policy', statements }],
  unsupported: [],
});

describe('IAM evaluation', () => {
  it('allows an action listed on the resource, case-insensitively for the action', () => {
    const r = role([{ effect: 'Allow', actions: ['sqs:sendmessage'], resources: [QUEUE] }]);
    expect(evaluate(r, 'sqs:SendMessage', QUEUE)).toEqual({ allowed: true });
  });

  it('denies implicitly what no statement allows', () => {
    const r = role([{ effect: 'Allow', actions: ['sqs:SendMessage'], resources: [QUEUE] }]);
    expect(evaluate(r, 'sqs:DeleteMessage', QUEUE)).toEqual({ allowed: false, reason: 'implicit' });
    expect(evaluate(r, 'sqs:SendMessage', `${QUEUE}-dlq`)).toMatchObject({ allowed: false });
  });

  it('matches * and ? wildcards in actions and resources', () => {
    const r = role([
      { effect: 'Allow', actions: ['dynamodb:Get*'], resources: ['arn:aws:dynamodb:*:*:table/t?'] },
    ]);
    expect(evaluate(r, 'dynamodb:GetItem', 'arn:aws:dynamodb:us-east-1:0:table/t1').allowed).toBe(
      true,
    );
    expect(evaluate(r, 'dynamodb:PutItem', 'arn:aws:dynamodb:us-east-1:0:table/t1').allowed).toBe(
      false,
    );
    expect(evaluate(r, 'dynamodb:GetItem', 'arn:aws:dynamodb:us-east-1:0:table/t12').allowed).toBe(
      false,
    );
    expect(wildcardMatch('a.b*', 'axb', false)).toBe(false);
  });

  it('lets an explicit Deny win over an Allow', () => {
    const r = role([
      { effect: 'Allow', actions: ['sqs:*'], resources: ['*'] },
      { effect: 'Deny', actions: ['sqs:SendMessage'], resources: [QUEUE] },
    ]);
    expect(evaluate(r, 'sqs:SendMessage', QUEUE)).toEqual({ allowed: false, reason: 'explicit' });
  });

  it('applies a statement only where its conditions hold, on the accounts of the request', () => {
    const bucket = 'arn:aws:s3:::cdk-assets/asset.zip';
    const r = role([
      {
        effect: 'Allow',
        actions: ['s3:*'],
        resources: ['*'],
        condition: { StringNotEquals: { 's3:ResourceAccount': ['000000000000'] } },
      },
      {
        effect: 'Allow',
        actions: ['sqs:*'],
        resources: ['*'],
        condition: { StringEquals: { 'aws:ResourceAccount': ['000000000000'] } },
      },
      {
        effect: 'Allow',
        actions: ['kms:Decrypt'],
        resources: ['*'],
        condition: { StringEqualsIfExists: { 'kms:ViaService': ['s3.us-east-1.amazonaws.com'] } },
      },
      {
        effect: 'Deny',
        actions: ['sqs:DeleteQueue'],
        resources: ['*'],
        condition: { Null: { 'aws:ResourceAccount': ['false'] } },
      },
    ]);
    // Cross-account only: an S3 object of the same account is not granted by it.
    expect(evaluate(r, 's3:GetObject', bucket)).toMatchObject({ allowed: false });
    expect(evaluate(r, 'sqs:SendMessage', QUEUE).allowed).toBe(true);
    expect(
      evaluate(r, 'sqs:SendMessage', QUEUE.replace('000000000000', '111111111111')).allowed,
    ).toBe(false);
    // A key the request does not carry: only ...IfExists (and Null) match.
    expect(evaluate(r, 'kms:Decrypt', 'arn:aws:kms:us-east-1:000000000000:key/k').allowed).toBe(
      true,
    );
    expect(evaluate(r, 'sqs:DeleteQueue', QUEUE)).toEqual({ allowed: false, reason: 'explicit' });
  });

  it('fails closed on a role with a statement it cannot evaluate', () => {
    const r: RolePolicies = {
      ...role([{ effect: 'Allow', actions: ['*'], resources: ['*'] }]),
      unsupported: ['statement 0 of P uses Condition'],
    };
    const decision = evaluate(r, 'sqs:SendMessage', QUEUE);
    expect(decision).toMatchObject({ allowed: false, reason: 'unsupported' });
    if (decision.allowed) return;
    expect(
      denialMessage(
        'arn:aws:sts::000000000000:assumed-role/Role/fn',
        'sqs:SendMessage',
        QUEUE,
        decision,
      ),
    ).toContain('statement 0 of P uses Condition');
  });

  it('words a denial as AWS does for an assumed role', () => {
    expect(
      denialMessage('arn:aws:sts::000000000000:assumed-role/Role/fn', 'sqs:SendMessage', QUEUE, {
        allowed: false,
        reason: 'implicit',
      }),
    ).toBe(
      `User: arn:aws:sts::000000000000:assumed-role/Role/fn is not authorized to perform: sqs:SendMessage on resource: ${QUEUE} because no identity-based policy allows the sqs:SendMessage action`,
    );
  });
});

describe('permissions of an API call', () => {
  it('checks SQS batch operations as their single counterparts, on the queue of the URL', () => {
    const url = 'http://127.0.0.1:4566/000000000000/requests';
    expect(
      sqsPermissions('SendMessageBatch', { QueueUrl: url }, 'us-east-1', '000000000000'),
    ).toEqual([{ action: 'sqs:SendMessage', resource: QUEUE }]);
    expect(
      sqsPermissions('DeleteMessageBatch', { QueueUrl: url }, 'us-east-1', '000000000000')[0]
        ?.action,
    ).toBe('sqs:DeleteMessage');
    expect(
      sqsPermissions(
        'ChangeMessageVisibilityBatch',
        { QueueUrl: url },
        'us-east-1',
        '000000000000',
      )[0]?.action,
    ).toBe('sqs:ChangeMessageVisibility');
  });

  it('checks a DynamoDB batch on every table it touches, and a transaction per item', () => {
    const table = (name: string) => `arn:aws:dynamodb:us-east-1:000000000000:table/${name}`;
    expect(
      dynamodbPermissions(
        'BatchWriteItem',
        { RequestItems: { a: [], b: [] } },
        'us-east-1',
        '000000000000',
      ),
    ).toEqual([
      { action: 'dynamodb:BatchWriteItem', resource: table('a') },
      { action: 'dynamodb:BatchWriteItem', resource: table('b') },
    ]);
    expect(
      dynamodbPermissions(
        'TransactWriteItems',
        { TransactItems: [{ Put: { TableName: 'a' } }, { ConditionCheck: { TableName: 'b' } }] },
        'us-east-1',
        '000000000000',
      ),
    ).toEqual([
      { action: 'dynamodb:PutItem', resource: table('a') },
      { action: 'dynamodb:ConditionCheckItem', resource: table('b') },
    ]);
    expect(
      dynamodbPermissions(
        'Query',
        { TableName: 'a', IndexName: 'byStatus' },
        'us-east-1',
        '000000000000',
      ),
    ).toEqual([{ action: 'dynamodb:Query', resource: `${table('a')}/index/byStatus` }]);
  });
});

describe('policies from the template', () => {
  const stack = (resources: StackArtifact['resources']): StackArtifact => ({
    stackName: 'S',
    assemblyDir: '.',
    resources,
    outputs: {},
    parameters: {},
  });
  const locals = new Map<string, LocalResource>([
    ['Role', { ref: 'S-Role', attributes: {} }],
    ['Queue', { ref: 'http://q', attributes: { Arn: QUEUE } }],
  ]);

  it('attaches AWS::IAM::Policy documents and inline policies to their role, intrinsics resolved', () => {
    const s = stack({
      Role: {
        Type: 'AWS::IAM::Role',
        Properties: {
          Policies: [
            {
              PolicyName: 'inline',
              PolicyDocument: {
                Statement: [{ Effect: 'Allow', Action: 'sqs:ReceiveMessage', Resource: '*' }],
              },
            },
          ],
        },
      },
      Policy: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          PolicyName: 'P',
          Roles: [{ Ref: 'Role' }],
          PolicyDocument: {
            Statement: [
              {
                Effect: 'Allow',
                Action: ['sqs:SendMessage'],
                Resource: { 'Fn::GetAtt': ['Queue', 'Arn'] },
              },
            ],
          },
        },
      },
    });
    const roles = rolePolicies(
      s,
      new IntrinsicResolver(s, locals, { region: 'us-east-1', accountId: '000000000000' }),
      '000000000000',
    );
    const r = roles.get('Role');
    expect(r?.arn).toBe('arn:aws:iam::000000000000:role/S-Role');
    expect(r && evaluate(r, 'sqs:SendMessage', QUEUE).allowed).toBe(true);
    expect(r && evaluate(r, 'sqs:ReceiveMessage', QUEUE).allowed).toBe(true);
    expect(r && evaluate(r, 'sqs:DeleteMessage', QUEUE).allowed).toBe(false);
  });

  it('records unknown condition operators, NotAction and unknown AWS managed policies as unsupported instead of skipping them', () => {
    const s = stack({
      Role: {
        Type: 'AWS::IAM::Role',
        Properties: {
          ManagedPolicyArns: [
            'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
            'arn:aws:iam::aws:policy/PowerUserAccess',
          ],
          Policies: [
            {
              PolicyName: 'inline',
              PolicyDocument: {
                Statement: [
                  {
                    Effect: 'Allow',
                    Action: '*',
                    Resource: '*',
                    Condition: { NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } },
                  },
                  { Effect: 'Allow', NotAction: 'iam:*', Resource: '*' },
                ],
              },
            },
          ],
        },
      },
    });
    const r = rolePolicies(
      s,
      new IntrinsicResolver(s, locals, { region: 'us-east-1', accountId: '000000000000' }),
      '000000000000',
    ).get('Role');
    expect(r?.unsupported).toEqual([
      'statement 0 of inline uses the condition operator NumericLessThan',
      'statement 1 of inline uses NotAction',
      'managed policy arn:aws:iam::aws:policy/PowerUserAccess, whose text the template does not hold',
    ]);
    expect(r && evaluate(r, 'sqs:SendMessage', QUEUE).allowed).toBe(false);
  });

  it('knows the AWS managed policies CDK gives Lambda roles', () => {
    const s = stack({
      Role: {
        Type: 'AWS::IAM::Role',
        Properties: {
          ManagedPolicyArns: [
            {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
                ],
              ],
            },
          ],
        },
      },
    });
    const r = rolePolicies(
      s,
      new IntrinsicResolver(s, locals, { region: 'us-east-1', accountId: '000000000000' }),
      '000000000000',
    ).get('Role');
    expect(r?.unsupported).toEqual([]);
    expect(
      r &&
        evaluate(r, 'logs:PutLogEvents', 'arn:aws:logs:us-east-1:000000000000:log-group:g').allowed,
    ).toBe(true);
    expect(r && evaluate(r, 'sqs:ReceiveMessage', QUEUE).allowed).toBe(false);
  });
});
