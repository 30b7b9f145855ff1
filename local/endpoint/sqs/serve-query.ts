// SQS calls in the query protocol (older clients): translated to the JSON protocol fauxqs speaks,
// authorized, and answered in XML.

import type { Call } from '../call';
import { sendXmlError } from '../protocol';
import { callFauxqs } from './call-fauxqs';
import type { SqsContext } from './context';
import { deadLetterSources } from './dead-letter-sources';
import { paramsProblem } from './params';
import {
  queryErrorCode,
  queryResponseXml,
  queryToJson,
  SQS_QUERY_ACTIONS,
  SQS_QUERY_NAMESPACE,
} from './query';

/** Serves one query-protocol call; an action outside `SQS_QUERY_ACTIONS` is refused, naming them. */
export async function serveQuery(call: Call, sqs: SqsContext): Promise<void> {
  const fail = (status: number, code: string, message: string) =>
    sendXmlError(call.res, status, code, message, SQS_QUERY_NAMESPACE);
  if (!SQS_QUERY_ACTIONS.has(call.action)) {
    return fail(
      400,
      'InvalidAction',
      `The action ${call.action} is not valid for this endpoint (the local cloud's SQS query protocol serves ${[...SQS_QUERY_ACTIONS].join(', ')})`,
    );
  }
  const params = queryToJson(call.action, call.query ?? new URLSearchParams(), {
    host: call.req.headers.host ?? '127.0.0.1',
    path: (call.req.url ?? '/').split('?')[0] ?? '/',
  });
  // A number that is not one (`DelaySeconds=abc`) reads as NaN, and fails here.
  const problem = paramsProblem(call.action, params);
  if (problem) return fail(400, problem.code, problem.message);
  const message = sqs.denied(call, params);
  if (message) return fail(403, 'AccessDenied', message);
  const answer =
    call.action === 'ListDeadLetterSourceQueues'
      ? await deadLetterSources(sqs.upstream, call.req, String(params.QueueUrl ?? ''))
      : await callFauxqs(sqs.upstream, call.req, call.action, params);
  if (answer.status !== 200) {
    const type = String(answer.body.__type ?? '');
    const text = String(answer.body.message ?? answer.body.Message ?? type);
    return fail(answer.status, queryErrorCode(answer.queryError, type), text);
  }
  const xml = queryResponseXml(call.action, answer.body);
  call.res.writeHead(200, {
    'content-type': 'text/xml',
    'content-length': Buffer.byteLength(xml),
  });
  call.res.end(xml);
}
