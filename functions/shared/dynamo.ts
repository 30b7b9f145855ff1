import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
} from '@aws-sdk/client-dynamodb';

/** A DynamoDB item with string attributes only: all our records need. */
export type StringItem = Record<string, string>;

/** Marshals a flat record of strings; a member left undefined is left out. */
export function toItem(
  record: Readonly<Record<string, string | undefined>>,
): Record<string, AttributeValue> {
  return Object.fromEntries(
    Object.entries(record).flatMap(([key, value]) =>
      value === undefined ? [] : [[key, { S: value }]],
    ),
  );
}

/** Unmarshals the string attributes of an item. */
export function fromItem(item: Record<string, AttributeValue> | undefined): StringItem | undefined {
  if (!item) return undefined;
  const out: StringItem = {};
  for (const [key, value] of Object.entries(item)) if (value.S !== undefined) out[key] = value.S;
  return out;
}

/**
 * The item a conditional write found: from the error when the service returns it
 * (`ReturnValuesOnConditionCheckFailure`), otherwise from a consistent read.
 */
export async function existingAfterConditionFailure(
  client: DynamoDBClient,
  tableName: string,
  requestId: string,
  error: ConditionalCheckFailedException,
): Promise<StringItem | undefined> {
  if (error.Item) return fromItem(error.Item);
  const output = await client.send(
    new GetItemCommand({
      TableName: tableName,
      Key: { requestId: { S: requestId } },
      ConsistentRead: true,
    }),
  );
  return fromItem(output.Item);
}

/** Narrows an SDK error to a failed condition. */
export function isConditionFailure(error: unknown): error is ConditionalCheckFailedException {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException'
  );
}
