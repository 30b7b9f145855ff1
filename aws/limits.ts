/** Limits of AWS services that the local cloud enforces as AWS does (see ../shared/AWS-FACTS.md). */

/**
 * Lambda's payload limit for a synchronous invocation, request and response alike (6 MB), which
 * also bounds the batch an event source mapping hands a function.
 */
export const LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024;

/** Lambda's payload limit for an asynchronous invocation (1 MiB since 2025), as SQS's for a message. */
export const LAMBDA_ASYNC_PAYLOAD_LIMIT_BYTES = 1024 * 1024;
