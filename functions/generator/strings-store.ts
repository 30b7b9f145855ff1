import { createHash } from 'node:crypto';
import { type DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { Status } from '../../contract/contract';
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
  /**
   * Marks the request's string acknowledged, only if `value` is the string generated for it
   * (`undefined` only for a legacy ack, which carries no value); `firstTime` is false for a
   * duplicate ack.
   * @throws UnknownRequestError if there is no string for the request
   * @throws ConflictError if the acknowledged value is not the generated one (naming both hashes)
   */
  markAcknowledged(
    requestId: string,
    at: string,
    value: string | undefined,
  ): Promise<{ firstTime: boolean }>;
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

    async markAcknowledged(requestId, at, value) {
      const matches = value === undefined ? '' : ' AND #value = :value';
      try {
        const output = await client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: { requestId: { S: requestId } },
            UpdateExpression:
              'SET #status = :acknowledged, acknowledgedAt = if_not_exists(acknowledgedAt, :at)',
            // One conditional write proves the value; the item returned on failure tells an
            // unknown request from a mismatch without a second read.
            ConditionExpression: `attribute_exists(requestId)${matches}`,
            ExpressionAttributeNames: {
              '#status': 'status',
              ...(value === undefined ? {} : { '#value': 'value' }),
            },
            ExpressionAttributeValues: {
              ':acknowledged': { S: Status.Acknowledged },
              ':at': { S: at },
              ...(value === undefined ? {} : { ':value': { S: value } }),
            },
            ReturnValues: 'UPDATED_OLD',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { firstTime: output.Attributes?.status?.S !== Status.Acknowledged };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        const existing = await existingAfterConditionFailure(client, tableName, requestId, error);
        if (!existing || value === undefined) throw new UnknownRequestError(requestId);
        throw valueMismatch(requestId, value, existing.value);
      }
    },
  };
}

/**
 * The ack names a value other than the one generated. The reason names both values' SHA-256,
 * never the values, so a dead-letter queue does not spread the strings.
 */
export function valueMismatch(
  requestId: string,
  acknowledged: string,
  generated: string | undefined,
): ConflictError {
  const hash = (value: string) => createHash('sha256').update(value).digest('hex');
  return new ConflictError(
    requestId,
    `acknowledged value sha256:${hash(acknowledged)} is not the generated value sha256:${generated === undefined ? 'none' : hash(generated)}`,
  );
}
