import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';

// Created once per container and reused by every invocation. Region, credentials and (for the
// local cloud or LocalStack) AWS_ENDPOINT_URL_* come from the environment the SDK reads.
export const sqs = new SQSClient({});
export const dynamodb = new DynamoDBClient({});
