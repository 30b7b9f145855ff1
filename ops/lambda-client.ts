/**
 * The Lambda client of failed-invocations.ts, loaded when it redrives: reconciliation, which
 * `npm start` loads on its way to its first round trip, only reads the failed invocations. A module
 * of ours for the same reason as cloudformation-client.ts.
 */
export { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
