/** Sentences both the API and the page use; no imports, so the page's bundle stays small. */

/** Why the age of a queue's oldest message may be unknown. */
export const OLDEST_AGE_NOTE =
  'SQS has no attribute for the age of the oldest message: it is the CloudWatch metric ApproximateAgeOfOldestMessage, which the console does not read. The console the local cloud serves (/_console on its endpoint) reads it from the engine.';
