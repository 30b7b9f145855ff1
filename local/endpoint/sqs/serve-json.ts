// SQS calls in the JSON protocol: checked for shape, authorized (for role sessions), then passed
// to fauxqs as they came; ListDeadLetterSourceQueues, which fauxqs lacks, is answered here.

import type { Call } from '../call';
import { sendJson, sendJsonError } from '../protocol';
import { JSON_1_0, type SqsContext } from './context';
import { deadLetterSources } from './dead-letter-sources';
import { paramsProblem } from './params';

/** Serves one JSON-protocol call. */
export async function serveJson(call: Call, sqs: SqsContext): Promise<void> {
  const params = readParams(call);
  if (!params) return;
  if (call.session || call.action === 'ListDeadLetterSourceQueues') {
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
    const answer = await deadLetterSources(sqs.upstream, call.req, String(params.QueueUrl ?? ''));
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

/**
 * The call's parameters; undefined once it has answered, with SQS's 400, that the body is not a
 * JSON object of parameters fauxqs can take (which fauxqs would answer with a 500).
 */
function readParams(call: Call): Record<string, unknown> | undefined {
  let params: unknown;
  try {
    // An empty body too: the JSON protocol sends `{}` for no parameters.
    params = JSON.parse(call.body.toString('utf8'));
  } catch {
    params = undefined;
  }
  const problem =
    params === undefined
      ? { code: 'InvalidParameterValue', message: 'The request body is not valid JSON.' }
      : paramsProblem(call.action, params);
  if (!problem) return params as Record<string, unknown>;
  sendJsonError(call.res, 400, `com.amazonaws.sqs#${problem.code}`, problem.message, {
    queryError: `${problem.code};Sender`,
    contentType: JSON_1_0,
  });
  return undefined;
}
