// How the endpoint hands a call it does not answer itself to an emulator in the same process.

import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';

/**
 * Where the endpoint sends a call it does not answer itself: an emulator. `headers` replace the
 * request's when the endpoint has changed its body (an S3 upload it decoded).
 */
export type Upstream = (
  req: IncomingMessage,
  body: Buffer,
  res: ServerResponse,
  headers?: IncomingHttpHeaders,
) => void;

/**
 * Hands calls to an emulator in the same process, as if they had arrived on its port: a second
 * HTTP hop per call would cost the local cloud a good share of its throughput. The request is
 * replayed from the body already read; the emulator answers on the endpoint's own response, so
 * its status, headers and body reach the client unchanged. The `Host` header is kept, so fauxqs
 * builds queue URLs on the endpoint's host and port.
 */
export function inProcessUpstream(
  dispatch: (req: IncomingMessage, res: ServerResponse) => void,
): Upstream {
  return (req, body, res, headers = req.headers) => {
    const replay = Object.assign(new PassThrough(), {
      headers: { ...headers, 'content-length': String(body.length) },
      rawHeaders: req.rawHeaders,
      method: req.method,
      url: req.url,
      httpVersion: req.httpVersion,
      httpVersionMajor: req.httpVersionMajor,
      httpVersionMinor: req.httpVersionMinor,
      socket: req.socket,
      connection: req.socket,
    });
    dispatch(replay as unknown as IncomingMessage, res);
    replay.end(body);
  };
}
