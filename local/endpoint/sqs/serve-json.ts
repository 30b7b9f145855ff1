// SQS calls in the JSON protocol: authorized (for role sessions), then passed to fauxqs as they
// came; ListDeadLetterSourceQueues, which fauxqs lacks, is answered here.

import type { Call } from '../call';
import { sendJson, sendJsonError } from '../protocol';
import { JSON_1_0, type SqsContext } from './context';
import { deadLetterSources } from './dead-letter-sources';

/** Serves one JSON-protocol call. */
export async function serveJson(call: Call, sqs: SqsContext): Promise<void> {
  let params: Record<string, unknown> | undefined;
  if (call.session || call.action === 'ListDeadLetterSourceQueues') {
    params = readParams(call);
    if (!params) return;
    const message = sqs.denied(call, params);
    if (message) {
      sendJsonError(call.res, 403, 'com.amazon.coral.service#AccessDeniedException', message, {
        queryError: 'AccessDenied;Sender',
        contentType: JSON_1_0,
      });
      return;
    }
  }
  if (call.action === 'ListDeadLetterSourceQueues') {
    const answer = await deadLetterSources(sqs.upstream, call.req, String(params?.QueueUrl ?? ''));
    if (answer.status === 200) return sendJson(call.res, 200, answer.body, {}, JSON_1_0);
    return sendJsonError(
      call.res,
      answer.status,
      String(answer.body.__type ?? ''),
      String(answer.body.message ?? ''),
      { queryError: answer.queryError, contentType: JSON_1_0 },
    );
  }
  sqs.upstream(call.req, call.body, call.res);
}

/** The parameters permissions are decided on; undefined once it has answered that the body is not JSON. */
function readParams(call: Call): Record<string, unknown> | undefined {
  try {
    // Most calls name one queue: read its URL without parsing the whole (batch) body.
    const text = call.body.toString('utf8');
    const queueUrl = /"QueueUrl":"([^"\\]+)"/.exec(text)?.[1];
    return queueUrl
      ? { QueueUrl: queueUrl }
      : (JSON.parse(text || '{}') as Record<string, unknown>);
  } catch {
    sendJsonError(call.res, 400, 'com.amazonaws.sqs#InvalidParameterValue', 'Invalid JSON', {
      contentType: JSON_1_0,
    });
    return undefined;
  }
}
