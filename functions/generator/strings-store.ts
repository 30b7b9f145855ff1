import { type DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { Status } from '../shared/contract';
import { existingAfterConditionFailure, isConditionFailure, toItem } from '../shared/dynamo';
import { ConflictError, UnknownRequestError } from '../shared/errors';

/** The generator's record of one request, in its Strings table. */
export interface GeneratedString {
  readonly requestId: string;
  readonly value: string;
  readonly generatedAt: string;
}

/** The generator's persistence: what it generated and whether it was acknowledged. */
export interface StringsStore {
  /** Records a new string; if one exists for the request, returns that one instead. */
  recordGenerated(record: GeneratedString): Promise<{ stored: GeneratedString; created: boolean }>;
  /** Marks the request's string acknowledged; `firstTime` is false for a duplicate ack. */
  markAcknowledged(requestId: string, at: string): Promise<{ firstTime: boolean }>;
}

/** Strings table on DynamoDB: one conditional write per stage, no reads on the happy path. */
export function dynamoStringsStore(client: DynamoDBClient, tableName: string): StringsStore {
  return {
    async recordGenerated(record) {
      try {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: toItem({ ...record, status: Status.Generated }),
            ConditionExpression: 'attribute_not_exists(requestId)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { stored: record, created: true };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        const existing = await existingAfterConditionFailure(
          client,
          tableName,
          record.requestId,
          error,
        );
        if (!existing?.value || !existing.generatedAt) {
          throw new ConflictError(record.requestId, 'existing record has no value');
        }
        return {
          stored: {
            requestId: record.requestId,
            value: existing.value,
            generatedAt: existing.generatedAt,
          },
          created: false,
        };
      }
    },

    async markAcknowledged(requestId, at) {
      try {
        const output = await client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: { requestId: { S: requestId } },
            UpdateExpression:
              'SET #status = :acknowledged, acknowledgedAt = if_not_exists(acknowledgedAt, :at)',
            ConditionExpression: 'attribute_exists(requestId)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':acknowledged': { S: Status.Acknowledged },
              ':at': { S: at },
            },
            ReturnValues: 'UPDATED_OLD',
          }),
        );
        return { firstTime: output.Attributes?.status?.S !== Status.Acknowledged };
      } catch (error) {
        if (isConditionFailure(error)) throw new UnknownRequestError(requestId);
        throw error;
      }
    },
  };
}
