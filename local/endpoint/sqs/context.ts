// What the SQS endpoint's handlers share: the fauxqs they hand calls to, and who may call what.

import type { Call } from '../call';
import type { Upstream } from '../upstream';

/** The SQS service's dependencies, as its protocol handlers use them. */
export interface SqsContext {
  readonly upstream: Upstream;
  /** AWS's message denying the call its permissions on the queues `params` name; undefined when allowed. */
  denied(call: Call, params: Record<string, unknown>): string | undefined;
}

/** SQS's JSON protocol content type, as fauxqs speaks it. */
export const JSON_1_0 = 'application/x-amz-json-1.0';
