// Reading a request body up to a bound: what is over it is never held, so memory stays flat
// whatever a client sends.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BodyBound } from './body-limits';
import { answerBeforeBody } from './lingering-close';

/**
 * Reads the body of `req` if it is at most `bound.limit` bytes. A larger one (by its
 * `Content-Length`, or once that many bytes arrived) is refused with the service's error at once,
 * while it is still arriving; the rest is read and dropped, and the connection closed after the
 * answer once the client stops sending (see {@link answerBeforeBody}). Resolves with the body, or
 * undefined once it has refused it.
 */
export function readBoundedBody(
  req: IncomingMessage,
  res: ServerResponse,
  bound: BodyBound,
): Promise<Buffer | undefined> {
  const refuse = () => {
    answerBeforeBody(req, res);
    bound.refuse(req, res);
    return undefined;
  };
  if (Number(req.headers['content-length']) > bound.limit) return Promise.resolve(refuse());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= bound.limit) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      req.off('end', onEnd);
      chunks.length = 0;
      resolve(refuse());
    };
    const onEnd = () =>
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', reject);
  });
}
