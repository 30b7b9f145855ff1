import { Agent, type IncomingMessage, request, type ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';

/** Where the endpoint sends a call it does not answer itself: an emulator. */
export type Upstream = (req: IncomingMessage, body: Buffer, res: ServerResponse) => void;

/**
 * Forwards calls to an emulator listening at `endpoint`, over kept-alive connections, and streams
 * its answer back unchanged. The `Host` header is kept, so fauxqs builds queue URLs on the
 * endpoint's host and port. A client that goes away (an abandoned long poll) aborts the forward.
 */
export function httpUpstream(endpoint: string): { forward: Upstream; close(): void } {
  const url = new URL(endpoint);
  const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  const forward: Upstream = (req, body, res) => {
    const upstream = request(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, 'content-length': String(body.length) },
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (res.headersSent) {
        res.destroy(error);
        return;
      }
      // The emulator is down (a DynamoDB restart): the connection resets, as a crashed service's would.
      req.socket.destroy();
    });
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    upstream.end(body);
  };
  return { forward, close: () => agent.destroy() };
}

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
  return (req, body, res) => {
    const replay = Object.assign(new PassThrough(), {
      headers: { ...req.headers, 'content-length': String(body.length) },
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
