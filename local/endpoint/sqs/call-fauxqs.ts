// A call to fauxqs made by the endpoint itself, in the JSON protocol, for the query protocol's
// translation and for the actions fauxqs lacks.

import type { IncomingMessage, ServerResponse } from 'node:http';
import inject from 'light-my-request';
import type { Upstream } from '../upstream';
import { JSON_1_0 } from './context';

/** A JSON-protocol SQS answer from fauxqs. */
export interface JsonAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  /** `x-amzn-query-error`, which names an error as the query protocol does. */
  readonly queryError?: string;
}

/** Calls fauxqs in the JSON protocol, in-process, as the request `like` would reach it. */
export async function callFauxqs(
  upstream: Upstream,
  like: IncomingMessage,
  action: string,
  params: Record<string, unknown>,
): Promise<JsonAnswer> {
  const payload = JSON.stringify(params);
  const answer = await inject(
    (req, res) => upstream(req, Buffer.from(payload), res as ServerResponse),
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
}
