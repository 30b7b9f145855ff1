/**
 * What IAM checks for one API call: the action (`sqs:SendMessage`) and the resource ARN, as AWS
 * derives them from the operation and its parameters. A batch operation is checked as its single
 * counterpart; an operation touching several tables needs the permission on each.
 */
export interface Permission {
  readonly action: string;
  readonly resource: string;
}

const SQS_ACTION: Record<string, string> = {
  SendMessageBatch: 'SendMessage',
  DeleteMessageBatch: 'DeleteMessage',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
};

/** The queue ARN of a queue URL (`http://host/ACCOUNT/NAME`). */
export function queueArnOfUrl(url: string, region: string, accountId: string): string {
  const parts = url.split('/');
  const name = parts[parts.length - 1] ?? '';
  const account = parts[parts.length - 2] || accountId;
  return `arn:aws:sqs:${region}:${account}:${name}`;
}

/** Permissions an SQS call needs; `params` is its JSON (or query) parameters. */
export function sqsPermissions(
  action: string,
  params: Record<string, unknown>,
  region: string,
  accountId: string,
): Permission[] {
  const iamAction = `sqs:${SQS_ACTION[action] ?? action}`;
  if (typeof params.QueueUrl === 'string') {
    return [{ action: iamAction, resource: queueArnOfUrl(params.QueueUrl, region, accountId) }];
  }
  if (typeof params.QueueName === 'string') {
    return [
      { action: iamAction, resource: `arn:aws:sqs:${region}:${accountId}:${params.QueueName}` },
    ];
  }
  return [{ action: iamAction, resource: '*' }];
}

const TRANSACT_ACTION: Record<string, string> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
  Get: 'GetItem',
};

/** Permissions a DynamoDB call needs. */
export function dynamodbPermissions(
  action: string,
  params: Record<string, unknown>,
  region: string,
  accountId: string,
): Permission[] {
  const arn = (table: string, index?: unknown) =>
    `arn:aws:dynamodb:${region}:${accountId}:table/${table}${typeof index === 'string' ? `/index/${index}` : ''}`;
  if (typeof params.TableName === 'string') {
    return [{ action: `dynamodb:${action}`, resource: arn(params.TableName, params.IndexName) }];
  }
  if (params.RequestItems && typeof params.RequestItems === 'object') {
    return Object.keys(params.RequestItems).map((table) => ({
      action: `dynamodb:${action}`,
      resource: arn(table),
    }));
  }
  if (Array.isArray(params.TransactItems)) {
    return params.TransactItems.flatMap((item: Record<string, { TableName?: string }>) =>
      Object.entries(item).map(([kind, op]) => ({
        action: `dynamodb:${TRANSACT_ACTION[kind] ?? kind}`,
        resource: arn(op.TableName ?? '*'),
      })),
    );
  }
  return [{ action: `dynamodb:${action}`, resource: '*' }];
}
