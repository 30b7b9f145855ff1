import { sqsPermissions } from '../iam/actions';
import { type Call, denial, type ServiceHandler } from './call';
import { sendJsonError, sendXmlError } from './protocol';
import type { Upstream } from './upstream';

const JSON_1_0 = 'application/x-amz-json-1.0';

/**
 * SQS on the endpoint: checks the caller's permission on the queue, then hands the call to fauxqs.
 * A denial is SQS's own: `AccessDenied`, HTTP 403 (the JSON protocol names it in
 * `x-amzn-query-error`, which is what SDKs report).
 */
export function sqsService(opts: {
  upstream: Upstream;
  region: string;
  accountId: string;
}): ServiceHandler {
  return (call: Call) => {
    if (call.protocol === 'query') {
      // fauxqs speaks the JSON protocol only; AWS CLI v2 and SDK v3 use it too.
      sendXmlError(
        call.res,
        400,
        'InvalidAction',
        `The local cloud serves SQS over the JSON protocol only (AWS CLI v2, SDK v3); ${call.action} over the query protocol is not supported`,
      );
      return;
    }
    if (call.session) {
      let params: Record<string, unknown>;
      try {
        // Most calls name one queue: read its URL without parsing the whole (batch) body.
        const text = call.body.toString('utf8');
        const queueUrl = /"QueueUrl":"([^"\\]+)"/.exec(text)?.[1];
        params = queueUrl
          ? { QueueUrl: queueUrl }
          : (JSON.parse(text || '{}') as Record<string, unknown>);
      } catch {
        sendJsonError(call.res, 400, 'com.amazonaws.sqs#InvalidParameterValue', 'Invalid JSON', {
          contentType: JSON_1_0,
        });
        return;
      }
      const message = denial(
        call,
        sqsPermissions(call.action, params, opts.region, opts.accountId),
      );
      if (message) {
        sendJsonError(call.res, 403, 'com.amazon.coral.service#AccessDeniedException', message, {
          queryError: 'AccessDenied;Sender',
          contentType: JSON_1_0,
        });
        return;
      }
    }
    opts.upstream(call.req, call.body, call.res);
  };
}
