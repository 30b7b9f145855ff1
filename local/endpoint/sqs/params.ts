// The shape of an SQS request's parameters, checked before fauxqs sees them: fauxqs trusts its
// input and answers a body that is not an object, or a member of the wrong type, with a 500, which
// SDKs retry as a fault of the server. Here each gets SQS's own 400 naming the parameter.

/** What is wrong with a request's parameters: SQS's error code and a one-line message. */
export interface ParamsProblem {
  readonly code: 'InvalidParameterValue' | 'MissingParameter';
  readonly message: string;
}

type Kind = 'string' | 'integer' | 'stringMap' | 'stringList' | 'attributeMap' | 'entries';

/** Every SQS API member by name, with its type (the same name has the same type in every action). */
const MEMBERS: Readonly<Record<string, Kind>> = {
  QueueUrl: 'string',
  QueueName: 'string',
  QueueNamePrefix: 'string',
  QueueOwnerAWSAccountId: 'string',
  MessageBody: 'string',
  ReceiptHandle: 'string',
  Id: 'string',
  MessageGroupId: 'string',
  MessageDeduplicationId: 'string',
  NextToken: 'string',
  ReceiveRequestAttemptId: 'string',
  Label: 'string',
  SourceArn: 'string',
  DestinationArn: 'string',
  TaskHandle: 'string',
  DelaySeconds: 'integer',
  MaxNumberOfMessages: 'integer',
  WaitTimeSeconds: 'integer',
  VisibilityTimeout: 'integer',
  MaxResults: 'integer',
  MaxNumberOfMessagesPerSecond: 'integer',
  Attributes: 'stringMap',
  Tags: 'stringMap',
  tags: 'stringMap',
  AttributeNames: 'stringList',
  MessageAttributeNames: 'stringList',
  MessageSystemAttributeNames: 'stringList',
  TagKeys: 'stringList',
  AWSAccountIds: 'stringList',
  Actions: 'stringList',
  MessageAttributes: 'attributeMap',
  MessageSystemAttributes: 'attributeMap',
  Entries: 'entries',
};

/** The members each entry of a batch must have. */
const ENTRY_REQUIRED: Readonly<Record<string, readonly string[]>> = {
  SendMessageBatch: ['Id', 'MessageBody'],
  DeleteMessageBatch: ['Id', 'ReceiptHandle'],
  ChangeMessageVisibilityBatch: ['Id', 'ReceiptHandle'],
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const invalid = (name: string, reason: string): ParamsProblem => ({
  code: 'InvalidParameterValue',
  message: `Value for parameter ${name} is invalid. Reason: ${reason}.`,
});

/** Why a value is not of `kind`, or undefined when it is. */
function reasonOf(kind: Exclude<Kind, 'entries'>, value: unknown): string | undefined {
  switch (kind) {
    case 'string':
      return typeof value === 'string' ? undefined : 'must be a string';
    case 'integer':
      return Number.isInteger(value) ? undefined : 'must be an integer';
    case 'stringMap':
      return isObject(value) && Object.values(value).every((v) => typeof v === 'string')
        ? undefined
        : 'must be a map of strings';
    case 'stringList':
      return Array.isArray(value) && value.every((v) => typeof v === 'string')
        ? undefined
        : 'must be a list of strings';
    case 'attributeMap':
      return isObject(value) && Object.values(value).every(isAttributeValue)
        ? undefined
        : 'must be a map of attribute values, each with a string DataType';
  }
}

function isAttributeValue(value: unknown): boolean {
  if (!isObject(value) || typeof value.DataType !== 'string') return false;
  const strings = (v: unknown) =>
    v === undefined || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
  return (
    (value.StringValue === undefined || typeof value.StringValue === 'string') &&
    (value.BinaryValue === undefined || typeof value.BinaryValue === 'string') &&
    strings(value.StringListValues) &&
    strings(value.BinaryListValues)
  );
}

/** Why a batch's entries cannot be served: not a list of objects, a member missing or mistyped. */
function entriesProblem(entries: unknown, action: string): ParamsProblem | undefined {
  if (!Array.isArray(entries) || !entries.every(isObject)) {
    return invalid('Entries', 'must be a list of entries');
  }
  for (const [index, entry] of entries.entries()) {
    const missing = (ENTRY_REQUIRED[action] ?? []).find((name) => entry[name] === undefined);
    if (missing) {
      return {
        code: 'MissingParameter',
        message: `The request must contain the parameter Entries.${index + 1}.${missing}.`,
      };
    }
    const problem = membersProblem(entry, action);
    if (problem) return problem;
  }
  return undefined;
}

function membersProblem(
  params: Record<string, unknown>,
  action: string,
): ParamsProblem | undefined {
  for (const [name, value] of Object.entries(params)) {
    const kind = MEMBERS[name];
    // null is how a JSON body leaves a member out; fauxqs reads it so.
    if (!kind || value === null) continue;
    if (kind === 'entries') {
      const problem = entriesProblem(value, action);
      if (problem) return problem;
      continue;
    }
    const reason = reasonOf(kind, value);
    if (reason) return invalid(name, reason);
  }
  return undefined;
}

/**
 * Why `params` (a parsed JSON body, or a query request translated to one) cannot be a request for
 * `action`: not an object, a member of the wrong type, or a batch entry without a member it
 * needs. Undefined when fauxqs can be handed it; the other checks (a missing queue, a value out of
 * range) are fauxqs's.
 */
export function paramsProblem(action: string, params: unknown): ParamsProblem | undefined {
  if (!isObject(params)) {
    return {
      code: 'InvalidParameterValue',
      message: 'The request body must be a JSON object of the action parameters.',
    };
  }
  return membersProblem(params, action);
}
