import type { IncomingMessage, ServerResponse } from 'node:http';
import inject from 'light-my-request';
import { sqsPermissions } from '../../aws/iam/actions';
import { type Call, denial, type ServiceHandler } from './call';
import { sendJson, sendJsonError, sendXmlError } from './protocol';
import {
  queryErrorCode,
  queryResponseXml,
  queryToJson,
  SQS_QUERY_ACTIONS,
  SQS_QUERY_NAMESPACE,
} from './sqs-query';
import type { Upstream } from './upstream';

const JSON_1_0 = 'application/x-amz-json-1.0';

/** A JSON-protocol SQS answer from fauxqs. */
interface JsonAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  /** `x-amzn-query-error`, which names an error as the query protocol does. */
  readonly queryError?: string;
}

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
  /** Calls fauxqs in the JSON protocol, in-process, as the request `like` would reach it. */
  const callJson = async (
    like: IncomingMessage,
    action: string,
    params: Record<string, unknown>,
  ): Promise<JsonAnswer> => {
    const payload = JSON.stringify(params);
    const answer = await inject(
      (req, res) => opts.upstream(req, Buffer.from(payload), res as ServerResponse),
      {
        method: 'POST',
        url: '/',
        // The Host header decides the queue URLs fauxqs builds: the endpoint's own.
        headers: {
          host: like.headers.host ?? '127.0.0.1',
          'content-type': JSON_1_0,
          'x-amz-target': `AmazonSQS.${action}`,
        },
        payload,
      },
    );
    const queryError = answer.headers['x-amzn-query-error'];
    return {
      status: answer.statusCode,
      body: (answer.payload ? JSON.parse(answer.payload) : {}) as Record<string, unknown>,
      queryError: typeof queryError === 'string' ? queryError : undefined,
    };
  };

  /** The queues whose redrive policy names `queueUrl`'s queue as their dead-letter queue. */
  const deadLetterSources = async (
    like: IncomingMessage,
    queueUrl: string,
  ): Promise<JsonAnswer> => {
    const target = await callJson(like, 'GetQueueAttributes', {
      QueueUrl: queueUrl,
      AttributeNames: ['QueueArn'],
    });
    if (target.status !== 200) return target;
    const arn = (target.body.Attributes as Record<string, string> | undefined)?.QueueArn;
    const all = await callJson(like, 'ListQueues', {});
    const sources: string[] = [];
    for (const url of (all.body.QueueUrls as string[] | undefined) ?? []) {
      const { body } = await callJson(like, 'GetQueueAttributes', {
        QueueUrl: url,
        AttributeNames: ['RedrivePolicy'],
      });
      const policy = (body.Attributes as Record<string, string> | undefined)?.RedrivePolicy;
      if (
        policy &&
        (JSON.parse(policy) as { deadLetterTargetArn?: string }).deadLetterTargetArn === arn
      ) {
        sources.push(url);
      }
    }
    return { status: 200, body: { queueUrls: sources } };
  };

  const denied = (call: Call, params: Record<string, unknown>) =>
    denial(call, sqsPermissions(call.action, params, opts.region, opts.accountId));

  const query = async (call: Call) => {
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
    const message = denied(call, params);
    if (message) return fail(403, 'AccessDenied', message);
    const answer =
      call.action === 'ListDeadLetterSourceQueues'
        ? await deadLetterSources(call.req, String(params.QueueUrl ?? ''))
        : await callJson(call.req, call.action, params);
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
  };

  return async (call: Call) => {
    if (call.protocol === 'query') return query(call);
    let params: Record<string, unknown> | undefined;
    if (call.session || call.action === 'ListDeadLetterSourceQueues') {
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
      const message = denied(call, params);
      if (message) {
        sendJsonError(call.res, 403, 'com.amazon.coral.service#AccessDeniedException', message, {
          queryError: 'AccessDenied;Sender',
          contentType: JSON_1_0,
        });
        return;
      }
    }
    if (call.action === 'ListDeadLetterSourceQueues') {
      const answer = await deadLetterSources(call.req, String(params?.QueueUrl ?? ''));
      if (answer.status === 200) return sendJson(call.res, 200, answer.body, {}, JSON_1_0);
      return sendJsonError(
        call.res,
        answer.status,
        String(answer.body.__type ?? ''),
        String(answer.body.message ?? ''),
        { queryError: answer.queryError, contentType: JSON_1_0 },
      );
    }
    opts.upstream(call.req, call.body, call.res);
  };
}
