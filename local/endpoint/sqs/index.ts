// SQS on the endpoint: the router that hands each call to its protocol's handler.

import { sqsPermissions } from '../../../aws/iam/actions';
import { type Call, denial, type ServiceHandler } from '../call';
import type { Upstream } from '../upstream';
import type { SqsContext } from './context';
import { serveJson } from './serve-json';
import { serveQuery } from './serve-query';

/**
 * SQS on the endpoint: checks the caller's permission on the queue, then hands the call to fauxqs.
 * A denial is SQS's own: `AccessDenied`, HTTP 403 (the JSON protocol names it in
 * `x-amzn-query-error`, which is what SDKs report). Query-protocol calls (older clients) are
 * translated to the JSON protocol fauxqs speaks and answered in XML; ListDeadLetterSourceQueues,
 * which fauxqs lacks, is answered from the queues' redrive policies.
 */
export function sqsService(opts: {
  upstream: Upstream;
  region: string;
  accountId: string;
}): ServiceHandler {
  const sqs: SqsContext = {
    upstream: opts.upstream,
    denied: (call, params) =>
      denial(call, sqsPermissions(call.action, params, opts.region, opts.accountId)),
  };
  return (call: Call) => (call.protocol === 'query' ? serveQuery(call, sqs) : serveJson(call, sqs));
}
