/** Waits `ms` milliseconds; injected so tests run without real delays. */
export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** How many times to try a partially failed batch call, and the first backoff step. */
export interface RetryPolicy {
  /** @default 4 */
  readonly maxAttempts: number;
  /** @default 50 */
  readonly baseDelayMs: number;
  readonly sleep: Sleep;
}

export const defaultRetry: RetryPolicy = { maxAttempts: 4, baseDelayMs: 50, sleep: realSleep };

/** Exponential backoff with full jitter (attempt 1 is the first retry). */
export function backoffMs(policy: RetryPolicy, attempt: number, random = Math.random): number {
  return Math.floor(random() * policy.baseDelayMs * 2 ** (attempt - 1));
}
