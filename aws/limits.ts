/** Limits of AWS services that the local cloud enforces as AWS does (see ../shared/AWS-FACTS.md). */

/**
 * Lambda's payload limit for a synchronous invocation, request and response alike (6 MB), which
 * also bounds the batch an event source mapping hands a function.
 */
export const LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024;

/** Lambda's payload limit for an asynchronous invocation (1 MiB since 2025), as SQS's for a message. */
export const LAMBDA_ASYNC_PAYLOAD_LIMIT_BYTES = 1024 * 1024;

/** SQS's limit on a message with its attributes, and on a SendMessageBatch's messages together. */
export const SQS_MESSAGE_LIMIT_BYTES = 1024 * 1024;

/** DynamoDB's limit on one request (BatchWriteItem's 16 MB; an item is 400 KB, a transaction 4 MB). */
export const DYNAMODB_REQUEST_LIMIT_BYTES = 16 * 1024 * 1024;

/** CloudWatch Logs' limit on one PutLogEvents upload, the largest request of the service. */
export const LOGS_REQUEST_LIMIT_BYTES = 1024 * 1024;

/**
 * S3's limit on one PutObject (5 GiB) and on one part of a multipart upload (5 GiB; parts are at
 * least 5 MiB except the last, at most 10,000 of them). A larger body gets `EntityTooLarge` (400).
 * Source: the S3 user guide, "Uploading objects" and "Amazon S3 multipart upload limits".
 */
export const S3_PUT_OBJECT_LIMIT_BYTES = 5 * 1024 ** 3;
export const S3_PART_LIMIT_BYTES = 5 * 1024 ** 3;
