/**
 * The local cloud's public face: `startLocalCloud` (local/engine/start.ts) and the types of the
 * running cloud. Commands, tests, benchmarks and the console import it from here.
 */
export { startLocalCloud } from './engine/start';
export type { LocalCloud, LocalCloudMetrics, LocalCloudOptions, LocalQueue } from './engine/types';
export { LocalCloudError } from './engine/types';

/**
 * Requests per requestor invocation that commands and benchmarks ask of the local cloud. The
 * requestor records each request with a conditional PutItem, and dynalite serves far fewer of
 * those a second than DynamoDB: many more in one invocation would outlast its timeout here.
 */
export const LOCAL_REQUESTS_PER_INVOKE = 1_000;
